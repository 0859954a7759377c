export const TLS_VERSIONS = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export const VERSION_CODE: Record<TlsVersion, number> = {
  SSLv3: 0x0300,
  'TLSv1.0': 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

export function versionFromCode(code: number): TlsVersion | undefined {
  return TLS_VERSIONS.find((v) => VERSION_CODE[v] === code);
}

export function versionRank(version: TlsVersion): number {
  return TLS_VERSIONS.indexOf(version);
}
