import type { IkeFacts, IkePortFacts, OfferOutcome } from '../../probes/ike/facts.ts';
import { judgeIke } from '../../probes/ike/judge.ts';
import type { IkeThresholds } from '../../probes/ike/thresholds.ts';
import { judgeTable } from '../helpers/judge-table.ts';

type Limits = Pick<IkeThresholds, 'weakEncryptions' | 'weakHashes' | 'minModpBits' | 'minEcpBits'>;
const LIMITS: Limits = { weakEncryptions: ['DES', '3DES'], weakHashes: ['MD5', 'SHA-1'], minModpBits: 2048, minEcpBits: 256 };

const outcome = (label: string, result: OfferOutcome['result'], extra: Partial<OfferOutcome> = {}): OfferOutcome => ({
  label,
  version: 2,
  result,
  detail: result === 'refused' ? 'NO_PROPOSAL_CHOSEN' : result === 'silent' ? 'no answer to 2 datagrams' : 'INVALID_KE_PAYLOAD',
  datagrams: 1,
  ...extra,
});
const v2 = (dimension: OfferOutcome['dimension'], candidate: string, result: OfferOutcome['result']) =>
  outcome(`IKEv2 ${dimension} ${candidate}`, result, { dimension, candidate });
const full = (result: OfferOutcome['result']) => outcome('IKEv2 IKE_SA_INIT offering every transform', result);
const main = (result: OfferOutcome['result'], set: 'common' | 'modern' | 'weak' = 'common', chosen?: OfferOutcome['chosen']) =>
  outcome(`IKEv1 main mode ${set}`, result, {
    version: 1,
    mode: 'main',
    set,
    detail: result === 'refused' ? 'NO-PROPOSAL-CHOSEN' : result === 'silent' ? 'no answer to 2 datagrams' : 'the responder chose',
    ...(chosen ? { chosen } : {}),
  });
const aggressive = (result: OfferOutcome['result'], extra: Partial<OfferOutcome> = {}) =>
  outcome('IKEv1 aggressive mode with a pre-shared key, group 2', result, {
    version: 1,
    mode: 'aggressive',
    detail: result === 'refused' ? 'NO-PROPOSAL-CHOSEN' : result === 'silent' ? 'no answer to 2 datagrams' : 'the responder chose',
    ...extra,
  });

const LEGACY_SUITE = { encryption: '3DES', hash: 'SHA-1', auth: 'pre-shared key', group: 'MODP-1024' };

/** A modern IKEv2-only responder: AES-GCM-256, PRF SHA-256, ECP-256 and MODP-2048; IKEv1 refused. */
const MODERN: OfferOutcome[] = [
  full('accepted'),
  v2('group', 'MODP-1024', 'refused'),
  v2('group', 'MODP-2048', 'accepted'),
  v2('group', 'ECP-256', 'accepted'),
  v2('encryption', '3DES', 'refused'),
  v2('encryption', 'DES', 'refused'),
  v2('encryption', 'AES-GCM-256', 'accepted'),
  v2('prf', 'PRF-HMAC-MD5', 'refused'),
  v2('prf', 'PRF-HMAC-SHA-1', 'refused'),
  v2('prf', 'PRF-HMAC-SHA-256', 'accepted'),
  v2('integrity', 'HMAC-MD5-96', 'refused'),
  v2('integrity', 'HMAC-SHA1-96', 'refused'),
  main('refused'),
  main('refused', 'modern'),
  main('refused', 'weak'),
  aggressive('refused'),
];

const LEGACY: OfferOutcome[] = [
  full('refused'),
  main('accepted', 'common', LEGACY_SUITE),
  main('accepted', 'weak', LEGACY_SUITE),
  aggressive('accepted', { chosen: LEGACY_SUITE, hashBytes: 20, identity: 'vpn.example' }),
];

function port(outcomes: OfferOutcome[], extra: Partial<IkePortFacts> = {}): IkePortFacts {
  return { port: 500, natTraversal: false, answered: true, outcomes, vendorIds: [], natDetection: false, ignored: 0, ...extra };
}
const natPort = (answered: boolean): IkePortFacts =>
  port(answered ? [full('accepted')] : [full('silent')], { port: 4500, natTraversal: true, answered });

function facts(ports: IkePortFacts[], extra: Partial<IkeFacts> = {}): IkeFacts {
  return {
    target: { gateway: 'gw', host: '192.0.2.1' },
    ports,
    declared: true,
    budget: { datagrams: 40, maxPackets: 120, seconds: 1, maxSeconds: 60, exhausted: false },
    source: 'cocoscan IKE probe',
    artefact: 'evidence/gateways/gw/ike.json',
    ...extra,
  };
}
const silentPort = (p: number) => port([full('silent')], { port: p, natTraversal: p === 4500, answered: false });

judgeTable('ike', {
  judge: (f: IkeFacts, t: Limits) => judgeIke(f, t),
  thresholds: LIMITS,
  now: new Date('2026-11-30T10:00:00Z'),
  valid: [
    { name: 'a modern IKEv2-only responder', facts: facts([port(MODERN), natPort(true)]) },
    {
      name: 'IKEv1 gets no answer on a port that answered IKEv2',
      facts: facts([port([...MODERN.filter((o) => o.version === 2), main('silent'), aggressive('silent')])]),
    },
    { name: 'no flow declares IPsec and nothing answers', facts: facts([silentPort(500), silentPort(4500)], { declared: false }) },
    {
      name: 'an offer of every IKEv2 transform refused settles each part, IKEv1 refused',
      facts: facts([port([full('refused'), main('refused'), main('refused', 'weak'), aggressive('refused')])]),
    },
  ],
  invalid: [
    {
      name: 'a legacy responder: IKEv1, aggressive mode with a hash, 3DES, SHA-1, MODP-1024',
      facts: facts([port(LEGACY)]),
      verdicts: [
        { id: 'ike.ikev1', status: 'fail', port: 500, params: { chosen: '3DES, SHA-1, pre-shared key, MODP-1024' } },
        {
          id: 'ike.aggressive-psk',
          status: 'fail',
          params: { hash: 'hash (HASH_R, 20 bytes)', identity: ', as "vpn.example"', endpoint: '192.0.2.1:500/udp' },
        },
        { id: 'ike.weak-transforms', status: 'fail', params: { accepted: 'IKEv1 3DES, IKEv1 SHA-1' } },
        { id: 'ike.dh-groups', status: 'fail', params: { weak: 'IKEv1 MODP-1024' } },
      ],
    },
    {
      name: 'IKEv2 accepting weak transforms and groups, named one by one',
      facts: facts([
        port([
          ...MODERN.filter((o) => o.version === 1),
          full('accepted'),
          v2('group', 'MODP-1024', 'accepted'),
          v2('group', 'MODP-1536', 'accepted'),
          v2('group', 'ECP-256', 'accepted'),
          v2('encryption', '3DES', 'accepted'),
          v2('prf', 'PRF-HMAC-SHA-1', 'accepted'),
          v2('integrity', 'HMAC-MD5-96', 'accepted'),
        ]),
      ]),
      verdicts: [
        { id: 'ike.ikev1', status: 'pass' },
        { id: 'ike.weak-transforms', status: 'fail', params: { accepted: 'IKEv2 3DES, IKEv2 PRF-HMAC-SHA-1, IKEv2 HMAC-MD5-96' } },
        { id: 'ike.dh-groups', status: 'fail', params: { weak: 'IKEv2 MODP-1024, IKEv2 MODP-1536' } },
      ],
    },
    {
      name: 'IKEv1 refused with common suites but accepted with modern ones: still IKEv1',
      facts: facts([
        port([
          ...MODERN.filter((o) => o.version === 2),
          main('refused'),
          main('accepted', 'modern', { encryption: 'AES-CBC-256', hash: 'SHA-256', auth: 'RSA signature', group: 'ECP-256' }),
        ]),
      ]),
      verdicts: [
        { id: 'ike.ikev1', status: 'fail', params: { chosen: 'AES-CBC-256, SHA-256, RSA signature, ECP-256' } },
        { id: 'ike.weak-transforms', status: 'pass' },
      ],
    },
    {
      name: 'IKEv1 common suites refused, the modern offer unanswered: not tested',
      facts: facts([port([...MODERN.filter((o) => o.version === 2), main('refused'), main('silent', 'modern')])]),
      verdicts: [{ id: 'ike.ikev1', status: 'not_tested', params: { reason: /modern: no answer to 2 datagrams/ } }],
    },
    {
      name: 'a stricter profile fails MODP-2048',
      facts: facts([port(MODERN)]),
      thresholds: { ...LIMITS, minModpBits: 3072 },
      verdicts: [
        { id: 'ike.dh-groups', status: 'fail', params: { weak: 'IKEv2 MODP-2048', minimum: '3072-bit MODP or 256-bit elliptic curve' } },
      ],
    },
    {
      name: 'a declared IPsec flow that nothing answers is not tested, never a pass',
      facts: facts([silentPort(500), silentPort(4500)]),
      verdicts: [
        { id: 'ike.ikev1', status: 'not_tested', params: { reason: /^no IKE answer \(500\/udp: no answer to 2 datagrams; 4500\/udp/ } },
        { id: 'ike.weak-transforms', status: 'not_tested' },
        { id: 'ike.nat-t', status: 'not_tested' },
      ],
    },
    {
      name: 'a host that does not resolve is an error on every finding',
      facts: facts([], { failure: 'gw.invalid does not resolve' }),
      verdicts: [
        { id: 'ike.ikev1', status: 'error', params: { reason: 'gw.invalid does not resolve' } },
        { id: 'ike.vendor-ids', status: 'error' },
      ],
    },
    {
      name: 'a socket failure is an error',
      facts: facts([port([], { answered: false, failure: 'the IKE exchange on 500/udp failed (EPERM)' })], { declared: false }),
      verdicts: [{ id: 'ike.dh-groups', status: 'error', params: { reason: 'the IKE exchange on 500/udp failed (EPERM)' } }],
    },
    {
      name: 'the budget ran out before a weak candidate was asked: not tested, naming it',
      facts: facts([
        port([
          ...MODERN.filter((o) => o.candidate !== 'HMAC-SHA1-96'),
          { ...v2('integrity', 'HMAC-SHA1-96', 'skipped'), detail: 'not sent: the probe budget or the run ran out' },
        ]),
      ]),
      verdicts: [
        {
          id: 'ike.weak-transforms',
          status: 'not_tested',
          params: { reason: 'no answer that settles IKEv2 integrity HMAC-SHA1-96: not sent: the probe budget or the run ran out' },
        },
        { id: 'ike.dh-groups', status: 'pass' },
      ],
    },
    {
      name: 'main mode refused its common suites and the weak-only offer went unanswered: weak transforms not tested',
      facts: facts([port([full('refused'), main('refused'), main('refused', 'modern'), main('silent', 'weak'), aggressive('refused')])]),
      verdicts: [
        { id: 'ike.weak-transforms', status: 'not_tested', params: { reason: /no answer to 2 datagrams/ } },
        { id: 'ike.dh-groups', status: 'not_tested' },
      ],
    },
    {
      name: 'a malformed answer to IKEv2 and silence to IKEv1 settle nothing',
      facts: facts([
        port([
          { ...full('other'), detail: 'a malformed answer: payload 33 runs past the end of the message' },
          main('silent'),
          aggressive('silent'),
        ]),
      ]),
      verdicts: [
        { id: 'ike.ikev1', status: 'not_tested', params: { reason: /no answer to 2 datagrams/ } },
        { id: 'ike.aggressive-psk', status: 'not_tested' },
        { id: 'ike.weak-transforms', status: 'not_tested', params: { reason: /malformed answer/ } },
      ],
    },
    {
      name: 'only the NAT traversal port answers: enumeration findings are not tested',
      facts: facts([silentPort(500), natPort(true)]),
      verdicts: [
        { id: 'ike.ikev1', status: 'not_tested', params: { reason: /only the NAT traversal port answered \(4500\/udp\)/ } },
        { id: 'ike.nat-t', status: 'pass', params: { what: /^IKE answers on 4500\/udp/ } },
      ],
    },
    {
      name: "hostile text: an identity with quotes and control characters, odd candidate names, a vendor ID's hex",
      facts: facts([
        port(
          [
            ...MODERN,
            { ...v2('group', '__proto__', 'accepted') },
            aggressive('accepted', { identity: 'x"\u0007\n{endpoint}', hashBytes: 16 }),
          ],
          { vendorIds: [{ hex: 'deadbeef' }, { hex: '09002689dfd6b712', name: 'XAUTH' }] },
        ),
      ]),
      verdicts: [
        { id: 'ike.aggressive-psk', status: 'fail', params: { identity: ', as "x\\"\\u0007\\n{endpoint}"', chosen: 'a suite' } },
        { id: 'ike.dh-groups', status: 'pass', params: { accepted: /IKEv2 __proto__/ } },
        { id: 'ike.vendor-ids', status: 'pass', params: { what: 'vendor IDs unknown deadbeef, XAUTH (09002689dfd6b712)' } },
      ],
    },
  ],
});
