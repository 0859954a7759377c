export const TLS_VERSIONS = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export const VERSION_CODE: Readonly<Record<TlsVersion, number>> = {
  SSLv3: 0x0300,
  'TLSv1.0': 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

export function versionFromCode(code: number): TlsVersion | undefined {
  return TLS_VERSIONS.find((v) => VERSION_CODE[v] === code);
}

/** The version a name stands for; undefined for any other string (`constructor` included). */
export function versionByName(name: string): TlsVersion | undefined {
  return TLS_VERSIONS.find((v) => v === name);
}

export function versionRank(version: TlsVersion): number {
  return TLS_VERSIONS.indexOf(version);
}
