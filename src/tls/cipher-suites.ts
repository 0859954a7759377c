import table from './cipher-suites.json' with { type: 'json' };

export type SuiteClass =
  | 'null'
  | 'anon'
  | 'export'
  | 'rc4'
  | 'des'
  | '3des'
  | 'static-rsa'
  | 'static-dh'
  | 'cbc'
  | 'md5'
  | 'weak-bits'
  | 'aead'
  | 'forward-secret';

export interface CipherSuite {
  code: number;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  name: string;
  openssl: string | null;
  /** Lowest protocol version the suite is defined for. */
  minVersion: 'SSLv3' | 'TLSv1' | 'TLSv1.2' | 'TLSv1.3';
  kx: string;
  au: string;
  enc: string;
  bits: number;
  mac: string;
  classes: SuiteClass[];
}

// Signalling values are not suites and are never enumerated.
const SIGNALLING = new Set([0x00ff, 0x5600]);
const CBC_CIPHERS = new Set(['AES', 'Camellia', 'SEED', 'IDEA', 'ARIA', '3DES', 'DES', 'RC2']);

function classify(kx: string, au: string, enc: string, bits: number, mac: string, exportFlag: boolean, minVersion: string): SuiteClass[] {
  const classes: SuiteClass[] = [];
  if (enc === 'None') classes.push('null');
  if (au === 'None' && minVersion !== 'TLSv1.3') classes.push('anon');
  if (exportFlag) classes.push('export');
  if (enc.startsWith('RC4')) classes.push('rc4');
  if (enc === 'DES') classes.push('des');
  if (enc === '3DES') classes.push('3des');
  if (/^RSA(\(\d+\))?$/.test(kx) || kx === 'RSAPSK') classes.push('static-rsa');
  if (kx.includes('/')) classes.push('static-dh');
  if (CBC_CIPHERS.has(enc)) classes.push('cbc');
  if (mac === 'MD5') classes.push('md5');
  if (enc !== 'None' && bits > 0 && bits < 128) classes.push('weak-bits');
  if (/GCM|CCM|ChaCha20/i.test(enc)) classes.push('aead');
  if (minVersion === 'TLSv1.3' || /^(DH|ECDH|DHEPSK|ECDHEPSK|CECPQ1)$/.test(kx)) classes.push('forward-secret');
  return classes;
}

type Row = [number, string | null, string, CipherSuite['minVersion'], string, string, string, number, string, number];

export const CIPHER_SUITES: readonly CipherSuite[] = (table.suites as Row[])
  .filter(([code]) => !SIGNALLING.has(code))
  .map(([code, openssl, name, minVersion, kx, au, enc, bits, mac, exp]) => ({
    code,
    name,
    openssl,
    minVersion,
    kx,
    au,
    enc,
    bits,
    mac,
    classes: classify(kx, au, enc, bits, mac, exp === 1, minVersion),
  }));

const BY_CODE = new Map(CIPHER_SUITES.map((s) => [s.code, s]));

export function suiteByCode(code: number): CipherSuite {
  return (
    BY_CODE.get(code) ?? {
      code,
      name: `UNKNOWN_0x${code.toString(16).padStart(4, '0')}`,
      openssl: null,
      minVersion: 'SSLv3',
      kx: '?',
      au: '?',
      enc: '?',
      bits: 0,
      mac: '?',
      classes: [],
    }
  );
}

export function suiteLabel(code: number): string {
  const suite = suiteByCode(code);
  return suite.openssl && suite.openssl !== suite.name ? `${suite.name} (${suite.openssl})` : suite.name;
}
