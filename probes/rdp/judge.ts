import { restrictedByDesign } from '../../src/facts/scanner-address.ts';
import type { FindingStatus } from '../../src/findings.ts';
import { hostPort } from '../../src/host-port.ts';
import { findingIds, type Verdict } from '../../src/probe/contract.ts';
import type { LayerAttempt } from '../../src/rdp/audit-endpoint.ts';
import {
  encryptionLevelName,
  encryptionMethodName,
  ENCRYPTION_METHODS,
  LAYER_NAMES,
  RDP_PROTOCOLS,
  rdpVersionName,
  type ConnectResponse,
  type NegotiationAnswer,
} from '../../src/rdp/wire.ts';
import { RDP_FINDINGS, type RdpFindingId, type RdpThresholds } from './findings.ts';
import type { RdpFacts, RdpPortFacts } from './gather.ts';

const SOURCE = 'cocoscan RDP probe (X.224 Connection Requests, MCS Connect Initial)';
/** Said wherever CredSSP is missing: the lab's server and many Linux ones do not implement it at all. */
const NO_CREDSSP = 'xrdp, for one, does not implement CredSSP';

interface Outcome {
  status: FindingStatus;
  params: Record<string, string | number>;
  expected: string;
  actual: string;
  data?: Record<string, unknown>;
}

/** The protocol names RDP_NEG_RSP may select, as people read them. */
function protocolName(protocol: number): string {
  const named = Object.entries(RDP_PROTOCOLS).find(([, value]) => value === protocol);
  return named ? LAYER_NAMES[named[0] as keyof typeof LAYER_NAMES] : `unknown protocol 0x${protocol.toString(16)}`;
}

function describeAnswer(answer: NegotiationAnswer): string {
  if (answer.kind === 'legacy') return 'no negotiation: standard RDP security only';
  if (answer.kind === 'failure') return `refused (${answer.name})`;
  return `chose ${protocolName(answer.protocol)}`;
}

/** "asked for TLS: chose standard RDP security", one per layer asked for. */
function describeLayers(layers: readonly LayerAttempt[]): string {
  return layers
    .map((l) => `asked for ${LAYER_NAMES[l.layer]}: ${l.answer ? describeAnswer(l.answer) : `no answer (${l.failure ?? 'not asked'})`}`)
    .join('; ');
}

const startsStandard = (a: NegotiationAnswer) => a.kind === 'legacy' || (a.kind === 'selected' && a.protocol === RDP_PROTOCOLS.rdp);
const startsWithoutNla = (a: NegotiationAnswer) => startsStandard(a) || (a.kind === 'selected' && a.protocol === RDP_PROTOCOLS.ssl);
const startsNla = (a: NegotiationAnswer) =>
  a.kind === 'selected' && (a.protocol === RDP_PROTOCOLS.hybrid || a.protocol === RDP_PROTOCOLS.hybridEx);

function answered(port: RdpPortFacts, accepts: (a: NegotiationAnswer) => boolean): LayerAttempt[] {
  return port.layers.filter((l) => l.answer !== undefined && accepts(l.answer));
}

/** Judges each RDP port of the gateway. Pure. */
export function judgeRdp(facts: RdpFacts, thresholds: RdpThresholds): Verdict<RdpFindingId>[] {
  if (facts.ports.length === 0) {
    return findingIds(RDP_FINDINGS).map((id) => ({
      id,
      target: facts.target,
      status: 'not_applicable',
      params: { reason: 'no RDP service is declared or was found by the sweep' },
      evidence: { source: SOURCE, expected: 'RDP services to audit', actual: 'none' },
    }));
  }
  return facts.ports.flatMap((port) => judgePort(facts, port, thresholds));
}

function judgePort(facts: RdpFacts, port: RdpPortFacts, thresholds: RdpThresholds): Verdict<RdpFindingId>[] {
  const target = { ...facts.target, port: port.port, transport: 'tcp' as const, ...(port.flow ? { flow: port.flow } : {}) };
  const endpoint = `${port.flow ?? 'undeclared RDP'} (${hostPort(facts.target.host, port.port)})`;
  const raw = port.layers.length > 0 ? describeLayers(port.layers) : undefined;
  const verdict = (id: RdpFindingId, o: Outcome): Verdict<RdpFindingId> => ({
    id,
    target,
    status: o.status,
    params: { endpoint, ...o.params },
    evidence: { source: SOURCE, expected: o.expected, actual: o.actual, ...(raw ? { raw } : {}), artefacts: [port.artefact] },
    ...(o.data ? { data: o.data } : {}),
  });
  if (port.failure !== undefined) {
    const why = port.failure;
    const restricted = port.restrictedTo !== undefined;
    const reason = restricted ? `${restrictedByDesign(port.restrictedTo!)}; its RDP can only be checked from one of them (${why})` : why;
    return findingIds(RDP_FINDINGS).map((id) =>
      verdict(id, { status: restricted ? 'not_tested' : 'error', params: { reason }, expected: 'an RDP server', actual: why }),
    );
  }
  return [
    verdict('rdp.standard-security', standardSecurity(port)),
    verdict('rdp.nla', nla(port, thresholds.requireNla)),
    verdict('rdp.encryption', encryption(port, thresholds.weakEncryptionMethods)),
  ];
}

function standardSecurity(port: RdpPortFacts): Outcome {
  const expected = 'standard RDP security refused';
  const accepted = answered(port, startsStandard);
  const answers = describeLayers(port.layers);
  if (accepted.length > 0) return { status: 'fail', params: { answers }, expected, actual: answers };
  const first = port.layers.find((l) => l.layer === 'rdp');
  if (!first?.answer) {
    const reason = `the request for standard RDP security got no answer (${first?.failure ?? 'not asked'})`;
    return { status: 'error', params: { reason }, expected, actual: reason };
  }
  return { status: 'pass', params: { answers }, expected, actual: answers };
}

function nla(port: RdpPortFacts, required: boolean): Outcome {
  const expected = 'every session starts with CredSSP (NLA)';
  const answers = describeLayers(port.layers);
  if (!required) {
    const reason = 'the profile does not require Network Level Authentication (thresholds.rdp.requireNla)';
    return { status: 'not_applicable', params: { reason }, expected, actual: answers };
  }
  const without = answered(port, startsWithoutNla);
  const credssp = answered(port, startsNla);
  if (without.length > 0) {
    const asked = port.layers.filter((l) => l.layer === 'hybrid' || l.layer === 'hybridEx');
    const offered =
      credssp.length > 0
        ? `CredSSP is offered (${describeLayers(credssp)}) but not required`
        : `CredSSP is not offered at all (${describeLayers(asked)}); ${NO_CREDSSP}`;
    const starts = without.map((l) => `asked for ${LAYER_NAMES[l.layer]}, ${describeAnswer(l.answer!)}`).join('; ');
    return { status: 'fail', params: { without: starts, credssp: offered }, expected, actual: answers };
  }
  const unanswered = port.layers.find((l) => !l.answer);
  if (unanswered) {
    const reason = `the request for ${LAYER_NAMES[unanswered.layer]} got no answer (${unanswered.failure ?? 'not asked'})`;
    return { status: 'error', params: { reason }, expected, actual: answers };
  }
  if (credssp.length === 0) {
    const reason = `the server accepts none of the security layers asked for (${answers})`;
    return { status: 'error', params: { reason }, expected, actual: answers };
  }
  return { status: 'pass', params: { answers }, expected, actual: answers };
}

/** Every Connect Response that succeeded: the one to all methods offered at once, then each method offered alone. */
function responses(port: RdpPortFacts): ConnectResponse[] {
  return [port.standard?.response, ...port.methods.map((m) => m.response)].filter((r): r is ConnectResponse => r?.result === 0);
}

const methodWords = (m: string) => (m === 'fips' ? 'FIPS (3DES)' : m === 'none' ? 'no encryption' : /-bit$/.test(m) ? `${m} RC4` : m);

function encryption(port: RdpPortFacts, weakMethods: readonly string[]): Outcome {
  const expected = `standard RDP security refused, or encrypted with none of ${weakMethods.join(', ') || '(none listed)'}`;
  if (answered(port, startsStandard).length === 0) {
    const reason = 'standard RDP security is refused, so its RC4 encryption is never used (the TLS probe audits the TLS on the port)';
    return { status: 'not_applicable', params: { reason }, expected, actual: 'standard RDP security refused' };
  }
  const ok = responses(port);
  if (ok.length === 0) {
    const refused = [port.standard, ...port.methods].find((a) => a?.response !== undefined && a.response.result !== 0)?.response;
    const why = refused
      ? `the server refused the MCS Connect Initial (T.125 result ${refused.result})`
      : `the MCS Connect Response could not be read (${port.standard?.failure ?? port.methods[0]?.failure ?? 'not asked'})`;
    const reason = `standard RDP security is accepted but its encryption could not be read: ${why}`;
    return { status: 'error', params: { reason }, expected, actual: why };
  }
  const used = [...new Set(ok.map((r) => encryptionMethodName(r.encryptionMethod ?? 0)))];
  const acceptedAlone = port.methods
    .filter((m) => m.response?.result === 0 && m.response.encryptionMethod === m.offered)
    .map((m) => m.method);
  const levels = [...new Set(ok.map((r) => encryptionLevelName(r.encryptionLevel ?? 0)))];
  const level = levels.join(', ');
  const weak = used.filter((m) => weakMethods.includes(m) || !/^(40-bit|56-bit|128-bit|fips)$/.test(m));
  const methods = used.map(methodWords).join(', ');
  const version = ok.find((r) => r.version !== undefined)?.version;
  const data = {
    methodsUsed: used,
    methodsAcceptedAlone: acceptedAlone,
    level,
    ...(version !== undefined ? { version: rdpVersionName(version) } : {}),
  };
  const actual = `methods used: ${used.join(', ')}; accepted when offered alone: ${acceptedAlone.join(', ') || 'none'}; level: ${level}`;
  if (weak.length > 0) {
    return { status: 'fail', params: { weak: weak.map(methodWords).join(', '), level, methods }, expected, actual, data };
  }
  // A weak method is found only by offering it alone: one that got no readable answer was not tested, so no pass.
  const unread = weakMethods.filter((w) => Object.hasOwn(ENCRYPTION_METHODS, w) && !port.methods.some((m) => m.method === w && m.response));
  if (unread.length > 0) {
    const failure = port.methods.find((m) => unread.includes(m.method) && m.failure)?.failure ?? 'not asked: the port budget ran out';
    const reason = `whether the server accepts ${unread.map(methodWords).join(', ')} offered alone could not be read (${failure})`;
    return { status: 'error', params: { reason }, expected, actual: `${actual}; ${reason}`, data };
  }
  return { status: 'pass', params: { methods, level }, expected, actual, data };
}
