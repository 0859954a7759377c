import type { ReportRow, RunReport } from '../report/schema.ts';
import { findingKeyPrefix } from '../profile/evaluate.ts';
import { describeTarget } from '../target.ts';
import { legacyState, markSwept } from './legacy-state.ts';
import type { Observation } from './observation.ts';
import { emptyState, firewallKey, type ObservedState } from './state-shape.ts';

export type { ObservedState } from './state-shape.ts';

/**
 * What a run observed, from its report.json alone: the typed observations its probes made, and the verdicts
 * of its automated rows. Findings' messages and `data` are never read, so rewording a message changes
 * nothing here. A report written before observations existed (no `observations` field) is read the old
 * way, from its findings (legacy-state.ts); that is the only use of that reading.
 *
 * `ignoreRows`: refs of the rows left out of the comparison, the rows whose verdict is judged from the
 * comparison itself (see rowsJudgedFromChanges).
 */
export function observedState(
  report: Pick<RunReport, 'findings' | 'rows' | 'observations'>,
  ignoreRows: ReadonlySet<string> = new Set(),
): ObservedState {
  const state = report.observations === undefined ? legacyState(report.findings) : emptyState();
  for (const observation of report.observations ?? []) record(state, observation);
  if (report.observations && !report.observations.some((o) => o.kind === 'swept')) markSwept(state, report.findings);
  for (const row of report.rows) if (row.method === 'automated' && !ignoreRows.has(row.ref)) state.rows[row.ref] = row.compliance ?? 'null';
  return state;
}

function record(state: ObservedState, o: Observation): void {
  switch (o.kind) {
    case 'open-port':
      state.ports[describeTarget(o)] = {
        gateway: o.gateway,
        port: o.port,
        transport: o.transport,
        service: o.service,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.identified !== undefined ? { identified: o.identified } : {}),
      };
      return;
    case 'swept':
      state.swept[o.gateway] = { tcp: o.tcp, udp: o.udp };
      return;
    case 'tls-offer':
      state.tls[describeTarget(o)] = { accepted: o.accepted, suites: o.suites, leaf: o.leaf };
      return;
    case 'ssh-host-key':
      state.sshHostKeys[`${describeTarget(o)} ${o.type}`] = { port: describeTarget(o), fingerprint: o.fingerprint };
      return;
    case 'ssh-host-key-unread':
      state.sshHostKeysUnread[`${describeTarget(o)} ${o.type}`] = true;
      return;
    case 'ssh-algorithms':
      state.sshAlgorithms[`${describeTarget(o)} ${o.family}`] = o.offered;
      return;
    case 'firewall':
      state.firewall[firewallKey(o.gateway, o.view)] = { verdict: o.verdict, detail: o.detail };
      return;
    case 'pending-updates':
      state.patch[describeTarget(o)] = { pending: o.pending, securityPending: o.securityPending };
      return;
  }
}

/**
 * The rows whose verdict is judged from the comparison itself: in a stored report, those citing a finding
 * of an `after` probe (changes.notifiable behind CoCo-2). Their verdict is a consequence of what changed,
 * not an observation of the gateway, so they are never compared: comparing them would be circular (CoCo-2
 * would change because CoCo-2 changed) and would report a change on the run after every real one.
 */
export function rowsJudgedFromChanges(
  rows: readonly Pick<ReportRow, 'ref' | 'findings'>[],
  comparisonFindingIds: Iterable<string>,
): string[] {
  const prefixes = [...comparisonFindingIds].map(findingKeyPrefix);
  return rows.filter((row) => row.findings.some((key) => prefixes.some((p) => key.startsWith(p)))).map((row) => row.ref);
}
