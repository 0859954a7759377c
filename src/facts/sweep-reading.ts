import type { NmapHost } from '../nmap/parse.ts';
import { expandPortList } from '../nmap/ports.ts';
import type { SweepFact } from './sweep.ts';

/** Why a sweep cannot be judged, or undefined when it can. */
export function sweepFailureReason(sweep: SweepFact): string | undefined {
  if (sweep.failure) return sweep.failure;
  if (!sweep.outcome.ok) return sweep.outcome.reason;
  if (!sweep.host) return 'nmap returned no host record';
  if (sweep.host.timedOut) {
    return `nmap gave up on the host after ${sweep.plan.hostTimeoutSeconds} s (--host-timeout): the port list is incomplete; raise scan.hostTimeoutSeconds or narrow scan.tcpPorts`;
  }
  return undefined;
}

/** Reasons that mean no packet came back for the port. */
const SILENT_REASONS = new Set(['no-response', 'user-set', 'unknown']);

/** True when the gateway sent anything back on any port: a SYN-ACK, a reset or an ICMP message. */
export function gatewayAnswered(host: NmapHost): boolean {
  if (host.ports.some((p) => !SILENT_REASONS.has(p.reason))) return true;
  return host.extraPorts.some((extra) => extra.reasons.some((r) => !SILENT_REASONS.has(r.reason) && r.count > 0));
}

export type ReplyKind = 'open' | 'reset' | 'dropped' | 'icmp-refused' | 'unreachable' | 'other';

/** How nmap's reason for a non-answer or answer reads for firewall inference. */
export function replyKind(state: string, reason: string): ReplyKind {
  if (state === 'open') return 'open';
  if (reason === 'reset' || reason === 'conn-refused') return 'reset';
  if (reason === 'no-response') return 'dropped';
  if (['admin-prohibited', 'host-prohibited', 'net-prohibited', 'port-unreach', 'proto-unreach'].includes(reason)) return 'icmp-refused';
  if (['host-unreach', 'net-unreach'].includes(reason)) return 'unreachable';
  return 'other';
}

export interface ReplyTally {
  counts: Record<ReplyKind, number>;
  /** Ports that answered with a reset, for naming in messages (capped). */
  resetPorts: number[];
  openPorts: number[];
}

/** Counts the TCP ports of a sweep by how they answered, leaving out the ports in `exclude`. */
export function tallyTcpReplies(host: NmapHost, exclude: Set<number>): ReplyTally {
  const counts: Record<ReplyKind, number> = { open: 0, reset: 0, dropped: 0, 'icmp-refused': 0, unreachable: 0, other: 0 };
  const resetPorts: number[] = [];
  const openPorts: number[] = [];
  for (const port of host.ports) {
    if (port.protocol !== 'tcp' || exclude.has(port.port)) continue;
    const kind = replyKind(port.state, port.reason);
    counts[kind] += 1;
    if (kind === 'reset') resetPorts.push(port.port);
    if (kind === 'open') openPorts.push(port.port);
  }
  for (const extra of host.extraPorts) {
    for (const reason of extra.reasons) {
      if (reason.protocol && reason.protocol !== 'tcp') continue;
      const kind = replyKind(extra.state, reason.reason);
      const ports = reason.ports ? expandPortList(reason.ports) : undefined;
      const excluded = ports ? ports.filter((p) => exclude.has(p)).length : 0;
      counts[kind] += reason.count - excluded;
      if (kind === 'reset' && ports && resetPorts.length < 50) {
        resetPorts.push(...ports.filter((p) => !exclude.has(p)).slice(0, 50 - resetPorts.length));
      }
    }
  }
  return { counts, resetPorts, openPorts };
}
