import type { FindingStatus, FindingTarget } from '../../src/findings.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import { describeChosen } from './classify.ts';
import type { IkeFacts, IkePortFacts, OfferOutcome } from './facts.ts';
import { IKE_FINDINGS, type IkeFindingId } from './findings.ts';
import type { IkeThresholds } from './thresholds.ts';
import { GROUPS, HASHES } from './transforms.ts';

export type { IkeFacts } from './facts.ts';

type Limits = Pick<IkeThresholds, 'weakEncryptions' | 'weakHashes' | 'minModpBits' | 'minEcpBits'>;
type Params = Record<string, string | number>;

interface Said {
  status: FindingStatus;
  params: Params;
  expected: string;
  actual: string;
}

/** Outcomes quoted in the evidence, one line each; ike.json holds them all. */
export const MAX_OUTCOME_LINES = 48;

const endpointOf = (facts: IkeFacts, port: IkePortFacts) =>
  `${facts.target.host.includes(':') ? `[${facts.target.host}]` : facts.target.host}:${port.port}/udp`;

function verdict(facts: IkeFacts, id: IkeFindingId, target: FindingTarget, said: Said, raw?: string): Verdict<IkeFindingId> {
  return {
    id,
    target,
    status: said.status,
    params: said.params,
    evidence: { source: facts.source, expected: said.expected, actual: said.actual, artefacts: [facts.artefact], ...(raw ? { raw } : {}) },
  };
}

const outcomeLines = (port: IkePortFacts) =>
  port.outcomes
    .slice(0, MAX_OUTCOME_LINES)
    .map((o) => `${port.port}/udp ${o.label}: ${o.result} (${o.detail})`)
    .join('\n');

const unknownReason = (o: OfferOutcome) => `${o.label}: ${o.detail}`;
const settled = (o: OfferOutcome) => o.result === 'accepted' || o.result === 'refused';

/**
 * Judges the IKE responders of one gateway. Pure. A finding passes only on answers: a refusal, or (for IKEv1 and
 * aggressive mode) silence on a port that answered IKEv2 in the same run; silence or a budget that ran out elsewhere
 * is not_tested, never a pass.
 */
export function judgeIke(facts: IkeFacts, limits: Limits): Verdict<IkeFindingId>[] {
  const gatewayTarget: FindingTarget = facts.target;
  const all = Object.keys(IKE_FINDINGS) as IkeFindingId[];
  const expected = 'an IKE check';
  if (facts.failure) {
    const said: Said = { status: 'error', params: { reason: facts.failure }, expected, actual: facts.failure };
    return all.map((id) => verdict(facts, id, gatewayTarget, said));
  }
  const answering = facts.ports.filter((p) => p.answered);
  if (answering.length === 0) return unanswered(facts, all);
  const enumerated = answering.filter((p) => !p.natTraversal);
  const perPort: Verdict<IkeFindingId>[] = [];
  if (enumerated.length === 0) {
    const reason = `only the NAT traversal port answered (${answering.map((p) => `${p.port}/udp`).join(', ')}); cocoscan enumerates on the IKE port (500)`;
    for (const id of ['ike.ikev1', 'ike.aggressive-psk', 'ike.weak-transforms', 'ike.dh-groups'] as const)
      perPort.push(verdict(facts, id, gatewayTarget, { status: 'not_tested', params: { reason }, expected, actual: reason }));
  }
  for (const port of enumerated) {
    const target: FindingTarget = { ...gatewayTarget, port: port.port, transport: 'udp', ...(port.flow ? { flow: port.flow } : {}) };
    const endpoint = endpointOf(facts, port);
    const raw = outcomeLines(port);
    const add = (id: IkeFindingId, said: Said) =>
      perPort.push(verdict(facts, id, target, { ...said, params: { endpoint, ...said.params } }, raw));
    add('ike.ikev1', ikev1(port));
    add('ike.aggressive-psk', aggressive(port));
    add('ike.weak-transforms', weakTransforms(port, limits));
    add('ike.dh-groups', dhGroups(port, limits));
  }
  return [...perPort, natTraversal(facts, gatewayTarget), vendorIds(facts, gatewayTarget)];
}

function unanswered(facts: IkeFacts, all: IkeFindingId[]): Verdict<IkeFindingId>[] {
  const asked = facts.ports.map((p) => `${p.port}/udp`).join(', ');
  const heard = facts.ports.map((p) => `${p.port}/udp: ${p.outcomes[0]?.detail ?? 'not asked'}`).join('; ');
  const failures = facts.ports.flatMap((p) => (p.failure ? [p.failure] : []));
  const budget = facts.budget.exhausted
    ? `; the probe's budget (${facts.budget.maxPackets} datagrams, ${facts.budget.maxSeconds} s) ran out`
    : '';
  const said: Said =
    failures.length > 0
      ? { status: 'error', params: { reason: failures.join('; ') }, expected: 'an IKE answer', actual: failures.join('; ') }
      : facts.declared
        ? {
            status: 'not_tested',
            params: {
              reason: facts.ports.every((p) => p.outcomes[0]?.detail.startsWith('ICMP port unreachable'))
                ? `no IKE answer (${heard}): nothing serves the declared IPsec flow, so there was nothing to check`
                : `no IKE answer (${heard})${budget}; the declared IPsec flow could not be checked (silence on UDP may be a ` +
                  "filter: the scanner's address may not be an allowed peer)",
            },
            expected: 'an IKE answer on the declared IPsec flow',
            actual: heard,
          }
        : {
            status: 'not_applicable',
            params: { reason: `no flow declares IPsec and no IKE responder answered on ${asked} (${heard})${budget}` },
            expected: 'no IKE responder where no flow declares one',
            actual: heard,
          };
  return all.map((id) => verdict(facts, id, facts.target, said));
}

const ofMode = (port: IkePortFacts, mode: 'main' | 'aggressive') => port.outcomes.filter((o) => o.mode === mode);
const v2Answered = (port: IkePortFacts) => port.outcomes.some((o) => o.version === 2 && settled(o));

function ikev1(port: IkePortFacts): Said {
  const expected = 'IKEv1 refused (IKEv2 only)';
  const v1 = port.outcomes.filter((o) => o.version === 1);
  const accepted = v1.find((o) => o.result === 'accepted' && o.chosen);
  if (accepted?.chosen) {
    const chosen = describeChosen(accepted.chosen);
    return { status: 'fail', params: { chosen }, expected, actual: `${accepted.label}: ${accepted.detail}` };
  }
  const mains = ofMode(port, 'main').filter((o) => o.set !== 'weak');
  if (mains.length > 0 && mains.every((o) => o.result === 'refused')) {
    const why = `refuses IKEv1 main mode (${[...new Set(mains.map((o) => o.detail))].join(', ')} to offers of common and modern suites)`;
    return { status: 'pass', params: { why }, expected, actual: why };
  }
  if (mains.length > 0 && mains.every((o) => o.result === 'silent') && v2Answered(port)) {
    const why = 'gave no answer to IKEv1 main mode, though it answered IKEv2 on the same port in the same run';
    return { status: 'pass', params: { why }, expected, actual: why };
  }
  const unsettled = mains.find((o) => o.result !== 'refused');
  const reason = unsettled ? unknownReason(unsettled) : 'IKEv1 main mode was not asked';
  return { status: 'not_tested', params: { reason }, expected, actual: reason };
}

function aggressive(port: IkePortFacts): Said {
  const expected = 'no answer with a hash to IKEv1 aggressive mode with a pre-shared key';
  const tries = ofMode(port, 'aggressive');
  const accepted = tries.find((o) => o.result === 'accepted');
  if (accepted) {
    const hash = accepted.hashBytes !== undefined ? `hash (HASH_R, ${accepted.hashBytes} bytes)` : 'answer';
    const identity = accepted.identity !== undefined ? `, as ${JSON.stringify(accepted.identity).slice(0, 80)}` : '';
    const chosen = accepted.chosen ? describeChosen(accepted.chosen) : 'a suite';
    return { status: 'fail', params: { chosen, identity, hash }, expected, actual: `${accepted.label}: ${accepted.detail}` };
  }
  const refused = tries.filter((o) => o.result === 'refused');
  if (refused.length > 0 && refused.length === tries.length) {
    const groups = refused.map((o) => /group (\d+)$/.exec(o.label)?.[1]).filter(Boolean);
    const why =
      `refuses IKEv1 aggressive mode with a pre-shared key (${[...new Set(refused.map((o) => o.detail))].join(', ')}` +
      `${groups.length > 0 ? ` with group${groups.length === 1 ? '' : 's'} ${groups.join(', ')}` : ''})`;
    return { status: 'pass', params: { why }, expected, actual: why };
  }
  const silentOnly = tries.length > 0 && tries.every((o) => o.result === 'silent' || o.result === 'refused');
  if (silentOnly && (v2Answered(port) || ofMode(port, 'main').some(settled))) {
    const why = 'gave no answer with a hash to IKEv1 aggressive mode with a pre-shared key, though it answered other IKE offers';
    return { status: 'pass', params: { why }, expected, actual: why };
  }
  const unsettled = tries.find((o) => !settled(o));
  const reason = unsettled ? unknownReason(unsettled) : 'IKEv1 aggressive mode was not asked (the port gave no answer to anything)';
  return { status: 'not_tested', params: { reason }, expected, actual: reason };
}

const hashOfCandidate = (candidate: string | undefined) =>
  HASHES.find((h) => candidate === `PRF-HMAC-${h.name}` || candidate === h.integrityName)?.name;

/**
 * What IKEv2 enumeration and IKEv1 answers say about a set of transforms: those accepted, those whose answer is
 * unknown. `isWeak` picks the candidates and chosen values that count.
 */
function survey(
  port: IkePortFacts,
  dimensions: readonly string[],
  isWeak: (name: string, dimension: string) => boolean,
  fromChosen: (chosen: NonNullable<OfferOutcome['chosen']>) => string[],
) {
  const full = port.outcomes.find((o) => o.version === 2 && o.dimension === undefined);
  const tested = port.outcomes.filter((o) => o.dimension !== undefined && dimensions.includes(o.dimension));
  const accepted = new Set<string>();
  const weak = new Set<string>();
  const unknown: string[] = [];
  for (const o of tested) {
    const name = o.candidate ?? '';
    if (o.result === 'accepted') {
      accepted.add(`IKEv2 ${name}`);
      if (isWeak(name, o.dimension!)) weak.add(`IKEv2 ${name}`);
    } else if (o.result !== 'refused' && isWeak(name, o.dimension!)) unknown.push(unknownReason(o));
  }
  // An IKEv2 offer of everything refused: each part of it is refused. Not asked one by one otherwise: unknown.
  if (full && full.result !== 'refused' && tested.length === 0) unknown.push(unknownReason(full));
  for (const o of port.outcomes.filter((x) => x.version === 1 && x.result === 'accepted' && x.chosen)) {
    for (const name of fromChosen(o.chosen!)) {
      accepted.add(`IKEv1 ${name}`);
      if (isWeak(name, 'v1')) weak.add(`IKEv1 ${name}`);
    }
  }
  // The weak-only offer is sent only to a responder that answered main mode; whatever it refused before, an answer
  // to that offer that never came (or was malformed) leaves its weak suites unknown.
  const weakOffer = port.outcomes.find((o) => o.set === 'weak');
  if (weakOffer && !settled(weakOffer)) unknown.push(unknownReason(weakOffer));
  return { accepted: [...accepted], weak: [...weak], unknown };
}

function weakTransforms(port: IkePortFacts, limits: Limits): Said {
  const weakNames = [...limits.weakEncryptions, ...limits.weakHashes];
  const expected = `none of ${weakNames.join(', ') || '(no weak transform listed)'} accepted`;
  const isWeak = (name: string, dimension: string) =>
    dimension === 'encryption' || dimension === 'v1'
      ? (limits.weakEncryptions as string[]).includes(name) || (limits.weakHashes as string[]).includes(name)
      : (limits.weakHashes as string[]).includes(hashOfCandidate(name) ?? '');
  const found = survey(port, ['encryption', 'prf', 'integrity'], isWeak, (c) =>
    [c.encryption, c.hash].filter((x): x is string => x !== undefined),
  );
  return judged(found, expected, { weak: weakNames.join(', ') || 'no weak transform (the profile lists none)' }, (weak) => ({
    accepted: weak,
  }));
}

function groupIsWeak(name: string, limits: Limits): boolean {
  const group = GROUPS.find((g) => g.name === name);
  if (!group) return false;
  return group.kind === 'modp' ? group.bits < limits.minModpBits : group.bits < limits.minEcpBits;
}

function dhGroups(port: IkePortFacts, limits: Limits): Said {
  const minimum = `${limits.minModpBits}-bit MODP or ${limits.minEcpBits}-bit elliptic curve`;
  const expected = `only groups of at least ${minimum}`;
  const found = survey(
    port,
    ['group'],
    (name) => groupIsWeak(name, limits),
    (c) => (c.group ? [c.group] : []),
  );
  return judged(found, expected, { minimum }, (weak) => ({ weak, minimum }));
}

function judged(
  found: { accepted: string[]; weak: string[]; unknown: string[] },
  expected: string,
  passParams: Params,
  failParams: (weak: string) => Params,
): Said {
  const accepted = found.accepted.length > 0 ? found.accepted.join(', ') : 'nothing';
  if (found.weak.length > 0) {
    const weak = found.weak.join(', ');
    return { status: 'fail', params: failParams(weak), expected, actual: `accepted: ${accepted}` };
  }
  if (found.unknown.length > 0) {
    const reason = `no answer that settles ${found.unknown.slice(0, 4).join('; ')}${found.unknown.length > 4 ? ` and ${found.unknown.length - 4} more` : ''}`;
    return { status: 'not_tested', params: { reason }, expected, actual: reason };
  }
  return { status: 'pass', params: { ...passParams, accepted }, expected, actual: `accepted: ${accepted}` };
}

function natTraversal(facts: IkeFacts, target: FindingTarget): Verdict<IkeFindingId> {
  const natPort = facts.ports.find((p) => p.natTraversal);
  const detection = facts.ports.some((p) => p.natDetection);
  const parts = [
    natPort?.answered ? 'IKE answers on 4500/udp (NAT traversal, RFC 3948)' : 'no IKE answer on 4500/udp',
    detection ? 'the responder returned NAT detection payloads (it supports NAT traversal)' : 'no NAT detection payloads came back',
  ];
  const what = parts.join('; ');
  const said: Said = { status: 'pass', params: { host: facts.target.host, what }, expected: 'a record of NAT traversal', actual: what };
  return verdict(facts, 'ike.nat-t', { ...target, ...(natPort?.answered ? { port: 4500, transport: 'udp' } : {}) }, said);
}

function vendorIds(facts: IkeFacts, target: FindingTarget): Verdict<IkeFindingId> {
  const ids = facts.ports.flatMap((p) => p.vendorIds);
  const seen = new Set<string>();
  const unique = ids.filter((v) => !seen.has(v.hex) && seen.add(v.hex));
  const what =
    unique.length === 0
      ? 'no vendor ID in any answer'
      : `vendor IDs ${unique.map((v) => (v.name ? `${v.name} (${v.hex})` : `unknown ${v.hex}`)).join(', ')}`;
  const said: Said = { status: 'pass', params: { host: facts.target.host, what }, expected: 'a record of the vendor IDs', actual: what };
  return verdict(facts, 'ike.vendor-ids', target, said);
}
