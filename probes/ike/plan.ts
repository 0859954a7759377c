/**
 * The offers cocoscan makes to an IKE responder, in order. Pure: the gathering turns each into a datagram.
 *
 * IKEv2: one full IKE_SA_INIT with every transform (its answer gives the vendor IDs and NAT detection), then one
 * offer per candidate transform with every other transform beside it, and a KE payload for a group never offered
 * (DECOY_GROUP): a responder that would accept answers INVALID_KE_PAYLOAD naming the group it wants, one that would
 * not answers NO_PROPOSAL_CHOSEN, and neither keeps a half-open SA. IKEv1: a main mode offer of common suites, one
 * of weak suites only, and aggressive mode with a pre-shared key and an identity.
 */
import type { V1Transform, V2Proposal } from './wire-build.ts';
import { ENCRYPTIONS, GROUPS, HASHES, type Dimension, type Encryption } from './transforms.ts';

export type Offer =
  | { kind: 'v2-full'; label: string; proposals: V2Proposal[] }
  | { kind: 'v2-enum'; label: string; dimension: Dimension; candidate: string; proposals: V2Proposal[] }
  | { kind: 'v1-main'; label: string; set: 'common' | 'modern' | 'weak'; transforms: V1Transform[] }
  | { kind: 'v1-aggressive'; label: string; group: number; transforms: V1Transform[] };

const CBC = ENCRYPTIONS.filter((e) => !e.aead);
const ALL_PRF = HASHES.map((h) => h.prf);
const ALL_INTEG = HASHES.map((h) => h.integrity);
const ALL_GROUPS = GROUPS.map((g) => g.id);

/** Every transform, as two proposals: CBC suites with integrity, and AEAD suites without. */
function everything(filter: Partial<{ encryptions: readonly Encryption[]; prfs: number[]; integrities: number[]; groups: number[] }>) {
  const encryptions = filter.encryptions ?? ENCRYPTIONS;
  const prfs = filter.prfs ?? ALL_PRF;
  const groups = filter.groups ?? ALL_GROUPS;
  const cbc = encryptions.filter((e) => !e.aead);
  const aead = encryptions.filter((e) => e.aead);
  const proposals: V2Proposal[] = [];
  if (cbc.length > 0) proposals.push({ encryptions: cbc, prfs, integrities: filter.integrities ?? ALL_INTEG, groups });
  if (aead.length > 0 && !filter.integrities) proposals.push({ encryptions: aead, prfs, integrities: [], groups });
  return proposals;
}

export function v2Offers(): Offer[] {
  const full: Offer = { kind: 'v2-full', label: 'IKEv2 IKE_SA_INIT offering every transform', proposals: everything({}) };
  const enumerate = (dimension: Dimension, candidate: string, proposals: V2Proposal[]): Offer => ({
    kind: 'v2-enum',
    label: `IKEv2 ${dimension} ${candidate}`,
    dimension,
    candidate,
    proposals,
  });
  return [
    full,
    ...GROUPS.map((g) => enumerate('group', g.name, everything({ groups: [g.id] }))),
    ...ENCRYPTIONS.map((e) => enumerate('encryption', e.name, everything({ encryptions: [e] }))),
    ...HASHES.map((h) => enumerate('prf', `PRF-HMAC-${h.name}`, everything({ prfs: [h.prf] }))),
    ...HASHES.map((h) => enumerate('integrity', h.integrityName, everything({ encryptions: CBC, integrities: [h.integrity] }))),
  ];
}

export const V1_AUTH_PSK = 1;
export const V1_AUTH_RSA = 3;
export const V1_AUTH_XAUTH_PSK = 65001;

function suites(encryptions: readonly Encryption[], hashes: readonly number[], auths: readonly number[], groups: readonly number[]) {
  const transforms: V1Transform[] = [];
  for (const e of encryptions)
    for (const hash of hashes)
      for (const auth of auths)
        for (const group of groups) transforms.push({ encryption: e.v1!, ...(e.keyBits ? { keyBits: e.keyBits } : {}), hash, auth, group });
  return transforms;
}

const v1 = (...names: string[]) => CBC.filter((e) => names.includes(e.name));
const v1Hash = (...names: string[]) => HASHES.filter((h) => names.includes(h.name)).map((h) => h.v1);

/**
 * The IKEv1 offers; aggressive mode carries one group's public value, so it is tried with these groups in turn until
 * one is not refused for its proposal (ike-scan's default, group 2, first).
 */
export const AGGRESSIVE_GROUPS = [2, 14, 5, 19, 20, 15, 16, 21] as const;

export function v1Offers(): Offer[] {
  const auths = [V1_AUTH_PSK, V1_AUTH_RSA];
  const common = suites(v1('DES', '3DES', 'AES-CBC-128', 'AES-CBC-256'), v1Hash('MD5', 'SHA-1', 'SHA-256'), auths, [2, 14]);
  const modern = suites(v1('AES-CBC-128', 'AES-CBC-256'), v1Hash('SHA-256', 'SHA-384', 'SHA-512'), auths, [14, 15, 19, 20, 21]);
  const weak = suites(v1('DES', '3DES'), v1Hash('MD5', 'SHA-1'), auths, [1, 2, 5]);
  return [
    { kind: 'v1-main', label: 'IKEv1 main mode offering common suites', set: 'common', transforms: common },
    {
      kind: 'v1-main',
      label: 'IKEv1 main mode offering modern suites (AES, SHA-2, groups 14/15/19/20/21)',
      set: 'modern',
      transforms: modern,
    },
    {
      kind: 'v1-main',
      label: 'IKEv1 main mode offering only weak suites (DES/3DES, MD5/SHA-1, groups 1/2/5)',
      set: 'weak',
      transforms: weak,
    },
    ...AGGRESSIVE_GROUPS.map((group): Offer => ({
      kind: 'v1-aggressive',
      label: `IKEv1 aggressive mode with a pre-shared key, group ${group}`,
      group,
      transforms: suites(
        v1('3DES', 'AES-CBC-128', 'AES-CBC-256'),
        v1Hash('MD5', 'SHA-1', 'SHA-256'),
        [V1_AUTH_PSK, V1_AUTH_XAUTH_PSK],
        [group],
      ),
    })),
  ];
}
