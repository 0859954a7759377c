import type { ReportFinding, RunReport } from '../report/schema.ts';

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

export function observedState(report: Pick<RunReport, 'findings' | 'rows'>): ObservedState {
  const state: ObservedState = { ports: {}, tls: {}, sshHostKeys: {}, sshAlgorithms: {}, firewall: {}, patch: {}, rows: {} };
  for (const f of report.findings) {
    const data = (f.data ?? {}) as Record<string, unknown>;
    switch (f.id) {
      case 'exposure.undeclared-port':
        if (f.status === 'fail') state.ports[where(f)] = String((data.service as { name?: string } | null)?.name ?? 'unknown');
        break;
      case 'exposure.declared-port':
        if (data.state === 'open') state.ports[where(f)] = String(data.service ?? 'open');
        break;
      case 'tls.protocols':
        if (data.accepted) state.tls[where(f)] = data as unknown as ObservedState['tls'][string];
        break;
      case 'ssh.host-keys':
        for (const key of (data.hostKeys as { type: string; fingerprint: string }[] | undefined) ?? []) state.sshHostKeys[`${where(f)} ${key.type}`] = key.fingerprint;
        break;
      case 'ssh.kex':
      case 'ssh.ciphers':
      case 'ssh.macs':
        if (Array.isArray(data.offered)) state.sshAlgorithms[`${where(f)} ${f.id.slice(4)}`] = data.offered as string[];
        break;
      case 'firewall.filtering':
      case 'host.firewall-policy':
        if (f.status === 'pass' || f.status === 'fail') state.firewall[`${where(f)} ${f.id}`] = `${f.status}: ${f.message.replace(/^\S+: /, '')}`;
        break;
      case 'patch.overdue-updates':
        if (typeof data.pending === 'number') state.patch[where(f)] = { pending: data.pending, securityPending: Number(data.securityPending ?? 0) };
        break;
    }
  }
  for (const row of report.rows) if (row.method === 'automated') state.rows[row.ref] = row.compliance ?? 'null';
  return state;
}
