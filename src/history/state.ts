import type { FindingId } from '../probe/registry.ts';
import type { ReportFinding, ReportRow, RunReport } from '../report/schema.ts';

/** What a run observed, in a shape two runs can be compared in. Derived from report.json alone. */
export interface ObservedState {
  ports: Record<string, string>;
  tls: Record<string, { accepted: string[]; suites: string[]; leaf: { sha256: string; subject: string; issuer: string; notAfter: string } | null }>;
  sshHostKeys: Record<string, string>;
  sshAlgorithms: Record<string, string[]>;
  firewall: Record<string, string>;
  patch: Record<string, { pending: number; securityPending: number }>;
  rows: Record<string, string>;
}

const where = (f: ReportFinding) => `${f.target.gateway}${f.target.port ? ` ${f.target.port}/${f.target.transport ?? 'tcp'}` : ''}`;

// A finding's `data` is free-form in the report schema; a report read back may have been edited, so every
// value is checked for the shape it should have and anything else is left out of the state, never trusted.
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const texts = (value: unknown): string[] | undefined => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined);
const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function tlsOffer(data: Record<string, unknown>): ObservedState['tls'][string] | undefined {
  const accepted = texts(data.accepted);
  const suites = texts(data.suites) ?? [];
  if (!accepted) return undefined;
  const leaf = record(data.leaf);
  const [sha256, subject, issuer, notAfter] = [text(leaf?.sha256), text(leaf?.subject), text(leaf?.issuer), text(leaf?.notAfter)];
  return { accepted, suites, leaf: sha256 !== undefined ? { sha256, subject: subject ?? '', issuer: issuer ?? '', notAfter: notAfter ?? '' } : null };
}

/**
 * A fresh record per state: the keys come from the report (gateway names, ports, algorithm names), so the
 * record has no prototype and `constructor` or `__proto__` are names like any other.
 */
function table<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * `ignoreRows`: refs of the rows left out of the comparison, the rows whose verdict is judged from the
 * comparison itself (see rowsJudgedFromChanges).
 */
export function observedState(report: Pick<RunReport, 'findings' | 'rows'>, ignoreRows: ReadonlySet<string> = new Set()): ObservedState {
  const state: ObservedState = { ports: table(), tls: table(), sshHostKeys: table(), sshAlgorithms: table(), firewall: table(), patch: table(), rows: table() };
  for (const f of report.findings) {
    const data = record(f.data) ?? {};
    switch (f.id) {
      case 'exposure.undeclared-port' satisfies FindingId:
        if (f.status === 'fail') state.ports[where(f)] = text(record(data.service)?.name) ?? 'unknown';
        break;
      case 'exposure.declared-port' satisfies FindingId:
        if (data.state === 'open') state.ports[where(f)] = text(data.service) ?? 'open';
        break;
      case 'tls.protocols' satisfies FindingId: {
        const offer = tlsOffer(data);
        if (offer) state.tls[where(f)] = offer;
        break;
      }
      case 'ssh.host-keys' satisfies FindingId:
        for (const key of Array.isArray(data.hostKeys) ? data.hostKeys : []) {
          const [type, fingerprint] = [text(record(key)?.type), text(record(key)?.fingerprint)];
          if (type !== undefined && fingerprint !== undefined) state.sshHostKeys[`${where(f)} ${type}`] = fingerprint;
        }
        break;
      case 'ssh.kex' satisfies FindingId:
      case 'ssh.ciphers' satisfies FindingId:
      case 'ssh.macs' satisfies FindingId: {
        const offered = texts(data.offered);
        if (offered) state.sshAlgorithms[`${where(f)} ${f.id.slice(4)}`] = offered;
        break;
      }
      case 'firewall.filtering' satisfies FindingId:
      case 'host.firewall-policy' satisfies FindingId:
        if (f.status === 'pass' || f.status === 'fail') state.firewall[`${where(f)} ${f.id}`] = `${f.status}: ${f.message.replace(/^\S+: /, '')}`;
        break;
      case 'patch.overdue-updates' satisfies FindingId: {
        const pending = count(data.pending);
        if (pending !== undefined) state.patch[where(f)] = { pending, securityPending: count(data.securityPending) ?? 0 };
        break;
      }
    }
  }
  for (const row of report.rows) if (row.method === 'automated' && !ignoreRows.has(row.ref)) state.rows[row.ref] = row.compliance ?? 'null';
  return state;
}

/**
 * The rows whose verdict is judged from the comparison itself: in a stored report, those citing a finding
 * of an `after` probe (changes.notifiable behind CoCo-2). Their verdict is a consequence of what changed,
 * not an observation of the gateway, so they are never compared: comparing them would be circular (CoCo-2
 * would change because CoCo-2 changed) and would report a change on the run after every real one.
 */
export function rowsJudgedFromChanges(rows: readonly Pick<ReportRow, 'ref' | 'findings'>[], comparisonFindingIds: Iterable<string>): string[] {
  const prefixes = [...comparisonFindingIds].map((id) => `${id}@`);
  return rows.filter((row) => row.findings.some((key) => prefixes.some((p) => key.startsWith(p)))).map((row) => row.ref);
}
