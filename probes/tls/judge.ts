import type { FindingTarget } from '../../src/findings.ts';
import { findingIds, type Verdict } from '../../src/probe/contract.ts';
import type { Observation } from '../../src/history/observation.ts';
import type { InspectedEndpoint, TlsEndpoint, TlsFacts } from './facts.ts';
import { faultReason } from './fault.ts';
import { CERTIFICATE_IDS, TLS_FINDINGS, type TlsFindingId } from './findings.ts';
import { judgeCertificates } from './judge-certificates.ts';
import { chainOrderUnderTls13, CHECK_IDS, judgeChecks } from './judge-checks.ts';
import { judgeHsts } from './judge-hsts.ts';
import { judgeUpgrade, untestedWithoutUpgrade } from './judge-upgrade.ts';
import { judgeKeyExchange, judgeSuites } from './judge-suites.ts';
import { judgeVersions, offerOf } from './judge-versions.ts';
import type { TlsThresholds } from './thresholds.ts';
import { endpointVerdict, type EndpointSubject } from './verdict.ts';
import { hostPort } from '../../src/host-port.ts';
import { restrictedByDesign } from '../../src/facts/scanner-address.ts';

const ALL_IDS = findingIds(TLS_FINDINGS);

/** Pure: every finding of every declared TLS flow on one gateway. */
export function judgeTls(facts: TlsFacts, t: TlsThresholds, now: Date): Verdict<TlsFindingId>[] {
  if (facts.endpoints.length === 0) {
    const target = { gateway: facts.gateway.name, host: facts.gateway.host };
    return ALL_IDS.map((id) => ({
      id,
      target,
      status: 'not_applicable',
      params: { reason: 'no flow and no open port speaks TLS (implicit or through STARTTLS)' },
      evidence: { source: 'cocoscan TLS probe', expected: 'TLS endpoints to inspect', actual: 'none declared or found' },
    }));
  }
  return facts.endpoints.flatMap((e) => judgeEndpoint(facts.gateway, e, t, now));
}

/** What each endpoint offers, for history to compare: only endpoints whose TLS answers could be judged. */
export function observeTls(facts: TlsFacts): Observation[] {
  return facts.endpoints.flatMap((e): Observation[] =>
    e.failure === undefined && e.inspection.failure === undefined
      ? [{ kind: 'tls-offer', gateway: facts.gateway.name, port: e.flow.port, ...offerOf(e.inspection) }]
      : [],
  );
}

function targetOf(gateway: TlsFacts['gateway'], e: TlsEndpoint): FindingTarget {
  const target: FindingTarget = { gateway: gateway.name, host: gateway.host, port: e.flow.port, transport: 'tcp' };
  return e.flow.undeclared ? target : { ...target, flow: e.flow.name };
}

/** One endpoint: a failure or a fault judging it is an error of this endpoint only. */
function judgeEndpoint(gateway: TlsFacts['gateway'], e: TlsEndpoint, t: TlsThresholds, now: Date): Verdict<TlsFindingId>[] {
  const endpoint = `${e.flow.name} (${hostPort(gateway.host, e.flow.port)})`;
  // A server that answered the upgrade with a no has answered: that is judged even on a flow restricted to other sources.
  const refusedUpgrade = e.failure === undefined && e.inspection.upgrade?.upgraded === false && e.inspection.upgrade.refusal !== 'broken';
  const unanswered = refusedUpgrade ? undefined : (e.failure ?? (e.inspection.session === undefined ? e.inspection.failure : undefined));
  if (unanswered !== undefined && e.flow.sources && !e.flow.scannerAmongSources)
    return restrictedEndpoint(targetOf(gateway, e), endpoint, e.time, e.flow.sources, unanswered);
  if (e.failure !== undefined) return failedEndpoint(targetOf(gateway, e), endpoint, e.time, e.failure);
  try {
    return judgeInspected(gateway, e, t, now);
  } catch (error) {
    return failedEndpoint(targetOf(gateway, e), endpoint, e.time, faultReason(error, 'the TLS answers of this endpoint'));
  }
}

/** A flow open only to given sources that gave the scanner outside them no TLS answer: as its firewall should. */
function restrictedEndpoint(
  target: FindingTarget,
  endpoint: string,
  time: string,
  sources: readonly string[],
  why: string,
): Verdict<TlsFindingId>[] {
  const reason = `${restrictedByDesign(sources)}; its TLS can only be inspected from one of them (${why})`;
  return ALL_IDS.map((id) => ({
    id,
    target,
    status: 'not_applicable',
    params: { endpoint, reason },
    evidence: { source: 'cocoscan TLS probe', time, expected: 'a judgeable TLS endpoint', actual: why },
  }));
}

function failedEndpoint(target: FindingTarget, endpoint: string, time: string, reason: string): Verdict<TlsFindingId>[] {
  return ALL_IDS.map((id) => ({
    id,
    target,
    status: 'error',
    params: { endpoint, reason },
    evidence: { source: 'cocoscan TLS probe', time, expected: 'a judgeable TLS endpoint', actual: reason },
  }));
}

function judgeInspected(gateway: TlsFacts['gateway'], e: InspectedEndpoint, t: TlsThresholds, now: Date): Verdict<TlsFindingId>[] {
  const facts = e.inspection;
  const on: EndpointSubject = {
    target: targetOf(gateway, e),
    endpoint: `${e.flow.name} (${hostPort(gateway.host, e.flow.port)})`,
    source: `cocoscan TLS probe (${facts.scan.handshakes} ClientHellos, one full handshake)`,
    time: e.time,
    artefacts: [e.artefacts.summary, ...(e.artefacts.chain ? [e.artefacts.chain] : [])],
  };
  const upgrade = judgeUpgrade(on, e);
  const others = ALL_IDS.filter((id) => id !== 'tls.starttls');
  if (facts.upgrade?.upgraded === false) {
    const reason = untestedWithoutUpgrade(facts.upgrade.failure);
    return [...others.map((id) => endpointVerdict(on, id, 'not_tested', { reason }, 'a TLS server', reason)), upgrade];
  }
  const failure = facts.failure;
  if (failure !== undefined)
    return [upgrade, ...others.map((id) => endpointVerdict(on, id, 'error', { reason: failure }, 'a TLS server', failure))];

  const verdicts = [judgeVersions(on, facts, t), ...judgeSuites(on, facts, t), judgeKeyExchange(on, facts, t), upgrade];
  try {
    verdicts.push(...judgeCertificates(on, e, gateway.host, t, now));
  } catch (error) {
    const reason = faultReason(error, 'the certificates of this endpoint');
    verdicts.push(...CERTIFICATE_IDS.map((id) => endpointVerdict(on, id, 'error', { reason }, 'a certificate chain', reason)));
  }
  verdicts.push(judgeHsts(on, facts, e.flow, t));
  try {
    const order = chainOrderUnderTls13(on, e);
    const at = verdicts.findIndex((v) => v.id === 'tls.certificate-chain-order');
    if (order && at >= 0) verdicts.splice(at, 1, order);
    verdicts.push(...judgeChecks(on, e));
  } catch (error) {
    const reason = faultReason(error, 'the single checks of this endpoint');
    verdicts.push(...CHECK_IDS.map((id) => endpointVerdict(on, id, 'error', { reason }, 'the single checks', reason)));
  }
  return verdicts;
}
