import type { FindingId } from '../probe/registry.ts';
import type { ReportFinding } from '../report/schema.ts';
import { describeTarget } from '../target.ts';
import { emptyState, firewallKey, type ObservedState, type OpenPort } from './state-shape.ts';

/**
 * ONLY for reports written before cocoscan 0.2, which have no `observations`: what such a run observed,
 * read back from its findings' `data` and, for the firewall, the wording of its messages (the rows
 * are added by observedState). A report that has
 * `observations` is never read this way (see observedState), so rewording a message or reshaping a
 * finding's data changes nothing in a comparison. Delete once no stored run predates 0.2.
 */
export function legacyState(findings: readonly ReportFinding[]): ObservedState {
  const state = emptyState();
  markSwept(state, findings);
  for (const f of findings) {
    const data = record(f.data) ?? {};
    const where = describeTarget(f.target);
    switch (f.id) {
      case 'exposure.undeclared-port' satisfies FindingId:
        if (f.status === 'fail') state.ports[where] = openPort(f.target, text(record(data.service)?.name) ?? 'unknown');
        break;
      case 'exposure.declared-port' satisfies FindingId:
        if (data.state === 'open') state.ports[where] = openPort(f.target, text(data.service) ?? 'open');
        break;
      case 'tls.protocols' satisfies FindingId: {
        const offer = tlsOffer(data);
        if (offer) state.tls[where] = offer;
        break;
      }
      case 'ssh.host-keys' satisfies FindingId:
        for (const key of Array.isArray(data.hostKeys) ? data.hostKeys : []) {
          const [type, fingerprint] = [text(record(key)?.type), text(record(key)?.fingerprint)];
          if (type !== undefined && fingerprint !== undefined) state.sshHostKeys[`${where} ${type}`] = { port: where, fingerprint };
        }
        break;
      case 'ssh.kex' satisfies FindingId:
      case 'ssh.ciphers' satisfies FindingId:
      case 'ssh.macs' satisfies FindingId: {
        const offered = texts(data.offered);
        if (offered) state.sshAlgorithms[`${where} ${f.id.slice(4)}`] = offered;
        break;
      }
      case 'firewall.filtering' satisfies FindingId:
      case 'host.firewall-policy' satisfies FindingId:
        if (f.status === 'pass' || f.status === 'fail') {
          const view = f.id === 'firewall.filtering' ? 'external' : 'host';
          state.firewall[firewallKey(f.target.gateway, view)] = { verdict: f.status, detail: f.message.replace(/^\S+: /, '') };
        }
        break;
      case 'patch.overdue-updates' satisfies FindingId: {
        const pending = count(data.pending);
        if (pending !== undefined) state.patch[where] = { pending, securityPending: count(data.securityPending) ?? 0 };
        break;
      }
    }
  }
  return state;
}

/**
 * For a report that does not observe its sweeps (written before they were): the gateways whose sweep was judged,
 * their scope unknown. A sweep that failed, or heard nothing from the gateway, gave an error; a gateway no longer
 * in the connection file, nothing. Neither is a sweep that found the ports closed.
 */
export function markSwept(state: ObservedState, findings: readonly ReportFinding[]): void {
  const judged = new Map<string, boolean>();
  for (const f of findings) {
    if (f.id !== ('exposure.undeclared-port' satisfies FindingId)) continue;
    const ok = f.status === 'pass' || f.status === 'fail';
    judged.set(f.target.gateway, (judged.get(f.target.gateway) ?? true) && ok);
  }
  for (const [gateway, ok] of judged) if (ok) state.swept[gateway] = null;
}

const openPort = (target: ReportFinding['target'], service: string): OpenPort => ({
  gateway: target.gateway,
  port: target.port ?? 0,
  transport: target.transport ?? 'tcp',
  service,
});

// A finding's `data` is free-form in the report schema; a report read back may have been edited, so every
// value is checked for the shape it should have and anything else is left out of the state, never trusted.
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const texts = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function tlsOffer(data: Record<string, unknown>): ObservedState['tls'][string] | undefined {
  const accepted = texts(data.accepted);
  const suites = texts(data.suites) ?? [];
  if (!accepted) return undefined;
  const leaf = record(data.leaf);
  const [sha256, subject, issuer, notAfter] = [text(leaf?.sha256), text(leaf?.subject), text(leaf?.issuer), text(leaf?.notAfter)];
  return {
    accepted,
    suites,
    leaf: sha256 !== undefined ? { sha256, subject: subject ?? '', issuer: issuer ?? '', notAfter: notAfter ?? '' } : null,
  };
}
