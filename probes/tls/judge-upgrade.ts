import type { Verdict } from '../../src/probe/contract.ts';
import type { InspectedEndpoint } from './facts.ts';
import type { TlsFindingId } from './findings.ts';
import { endpointVerdict, type EndpointSubject } from './verdict.ts';

/** tls.starttls: whether a flow whose protocol starts in plaintext goes on to TLS when asked in its own words. */
export function judgeUpgrade(on: EndpointSubject, e: InspectedEndpoint): Verdict<TlsFindingId> {
  const upgrade = e.inspection.upgrade;
  if (!e.flow.upgrade || !upgrade) {
    const reason = 'TLS from the first byte: the protocol has no upgrade step';
    return endpointVerdict(on, 'tls.starttls', 'not_applicable', { reason }, 'TLS', 'implicit TLS');
  }
  const expected = `the server goes on to TLS after ${upgrade.step}`;
  if (upgrade.upgraded) return endpointVerdict(on, 'tls.starttls', 'pass', { step: upgrade.step }, expected, 'it did');
  if (upgrade.refusal === 'broken')
    return endpointVerdict(on, 'tls.starttls', 'error', { reason: upgrade.failure }, expected, upgrade.failure);
  return endpointVerdict(on, 'tls.starttls', 'fail', { problem: upgrade.failure, step: upgrade.step }, expected, upgrade.failure);
}

/** Why the TLS findings of an endpoint whose upgrade did not happen cannot be tested. */
export function untestedWithoutUpgrade(failure: string): string {
  return `no TLS to test: the upgrade did not happen (${failure})`;
}
