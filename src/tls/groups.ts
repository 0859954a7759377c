/** Named groups (IANA TLS Supported Groups registry) that cocoscan offers and names. */
// A Map: codes come from the server, and a table with a prototype would know names it was never given.
export const NAMED_GROUPS: ReadonlyMap<number, string> = new Map(
  Object.entries({
    1: 'sect163k1',
    2: 'sect163r1',
    3: 'sect163r2',
    4: 'sect193r1',
    5: 'sect193r2',
    6: 'sect233k1',
    7: 'sect233r1',
    8: 'sect239k1',
    9: 'sect283k1',
    10: 'sect283r1',
    11: 'sect409k1',
    12: 'sect409r1',
    13: 'sect571k1',
    14: 'sect571r1',
    15: 'secp160k1',
    16: 'secp160r1',
    17: 'secp160r2',
    18: 'secp192k1',
    19: 'secp192r1',
    20: 'secp224k1',
    21: 'secp224r1',
    22: 'secp256k1',
    23: 'secp256r1',
    24: 'secp384r1',
    25: 'secp521r1',
    26: 'brainpoolP256r1',
    27: 'brainpoolP384r1',
    28: 'brainpoolP512r1',
    29: 'x25519',
    30: 'x448',
    256: 'ffdhe2048',
    257: 'ffdhe3072',
    258: 'ffdhe4096',
    259: 'ffdhe6144',
    260: 'ffdhe8192',
    0x11ec: 'X25519MLKEM768',
    0x11eb: 'SecP256r1MLKEM768',
    0x6399: 'X25519Kyber768Draft00',
  }).map(([code, name]) => [Number(code), name]),
);

export const ALL_GROUP_CODES: readonly number[] = [...NAMED_GROUPS.keys()];

export function groupName(code: number): string {
  return NAMED_GROUPS.get(code) ?? `group-0x${code.toString(16).padStart(4, '0')}`;
}

/** The RFC 7919 finite-field groups. */
export const FFDHE_GROUP_CODES: readonly number[] = [256, 257, 258, 259, 260];
