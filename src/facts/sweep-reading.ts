import type { NmapHost } from '../nmap/parse.ts';
import { expandPortList } from '../nmap/ports.ts';
import type { ReachedPort } from './shared.ts';
import type { SweepFact } from './sweep.ts';

/** Why a sweep cannot be judged, or undefined when it can. */
export function sweepFailureReason(sweep: SweepFact): string | undefined {
  if (sweep.failure) return sweep.failure;
  if (!sweep.outcome.ok) return sweep.outcome.reason;
  // The runner checks this too; a sweep nmap did not call a success is never judged, whoever built the fact.
  if (sweep.outcome.run.exit !== 'success') {
    const message = sweep.outcome.run.errorMessage ? `: ${sweep.outcome.run.errorMessage.slice(0, 200)}` : '';
    return `nmap ended the sweep with "${sweep.outcome.run.exit.slice(0, 40)}"${message}, so its port list is incomplete`;
  }
  if (!sweep.host) return 'nmap returned no host record';
  if (sweep.host.timedOut) {
    return (
      `nmap gave up on the host after ${sweep.plan.hostTimeoutSeconds} s (--host-timeout): the port list is incomplete; ` +
      'raise scan.hostTimeoutSeconds or narrow scan.tcpPorts'
    );
  }
  // nmap accounts for every port it says it swept, listed or folded; fewer means ports (open ones, maybe) are missing.
  const swept = sweep.outcome.run.scanTypes.reduce((sum, scan) => sum + expandPortList(scan.services).length, 0);
  const accounted = sweep.host.ports.length + sweep.host.extraPorts.reduce((sum, extra) => sum + extra.count, 0);
  if (accounted < swept) {
    return (
      `nmap's XML accounts for ${accounted} of the ${swept} ports it says it swept on this host: the port list is incomplete, ` +
      'so it cannot show that no undeclared port is open; rerun the check'
    );
  }
  return undefined;
}

/**
 * Reasons that show the gateway itself is there: a SYN-ACK, a reset, a UDP reply, or (for UDP) an ICMP
 * port-unreachable. Silence, an ICMP refusal (which a router or firewall on the way may send) and any
 * reason cocoscan does not know are not an answer: a name nmap writes never counts by default.
 */
const TCP_ANSWERS: ReadonlySet<string> = new Set(['syn-ack', 'reset', 'conn-refused']);
const UDP_ANSWERS: ReadonlySet<string> = new Set(['udp-response', 'port-unreach']);

function isAnswer(reason: string, protocol: string | undefined): boolean {
  if (protocol === 'tcp') return TCP_ANSWERS.has(reason);
  if (protocol === 'udp') return UDP_ANSWERS.has(reason);
  return TCP_ANSWERS.has(reason) || reason === 'udp-response';
}

/** True when the gateway itself sent something back on some port (see TCP_ANSWERS and UDP_ANSWERS). */
export function gatewayAnswered(host: NmapHost): boolean {
  if (host.ports.some((p) => isAnswer(p.reason, p.protocol))) return true;
  return host.extraPorts.some((extra) => extra.reasons.some((r) => r.count > 0 && isAnswer(r.reason, r.protocol)));
}

/**
 * What proves the gateway answers although the sweep heard nothing (a rate limit used up by the probes, say):
 * the exchanges other probes of the run completed, as people read them; undefined when there were none.
 */
export function reachedProof(reached: readonly ReachedPort[] | undefined, transport?: 'tcp' | 'udp'): string | undefined {
  const proofs = (reached ?? [])
    .filter((r) => transport === undefined || r.transport === transport)
    .map((r) => `the ${r.probe} probe received ${r.proof} on ${r.port}/${r.transport}`);
  return proofs.length > 0 ? [...new Set(proofs)].join('; ') : undefined;
}

export type ReplyKind = 'open' | 'reset' | 'dropped' | 'icmp-refused' | 'unreachable' | 'other';

const ICMP_REFUSALS: ReadonlySet<string> = new Set([
  'admin-prohibited',
  'host-prohibited',
  'net-prohibited',
  'port-unreach',
  'proto-unreach',
]);
const UNREACHABLE: ReadonlySet<string> = new Set(['host-unreach', 'net-unreach']);

/**
 * How a TCP port's state and nmap's reason read for firewall inference. Only the pairs nmap writes count as
 * filtering: a port read as `closed` for `no-response`, or any reason cocoscan does not know, is `other`,
 * which weighs against a firewall, never for it.
 */
export function replyKind(state: string, reason: string): ReplyKind {
  if (state === 'open') return 'open';
  if (state === 'closed') return reason === 'reset' || reason === 'conn-refused' ? 'reset' : 'other';
  if (state !== 'filtered') return 'other';
  if (reason === 'no-response') return 'dropped';
  if (ICMP_REFUSALS.has(reason)) return 'icmp-refused';
  if (UNREACHABLE.has(reason)) return 'unreachable';
  return 'other';
}

/** Reset ports named in a firewall finding. */
export const MAX_RESET_PORTS_NAMED = 50;

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
    if (kind === 'reset' && resetPorts.length < MAX_RESET_PORTS_NAMED) resetPorts.push(port.port);
    if (kind === 'open') openPorts.push(port.port);
  }
  for (const extra of host.extraPorts) {
    for (const reason of extra.reasons) {
      if (reason.protocol && reason.protocol !== 'tcp') continue;
      const kind = replyKind(extra.state, reason.reason);
      const ports = reason.ports ? expandPortList(reason.ports) : undefined;
      const excluded = ports ? ports.filter((p) => exclude.has(p)).length : 0;
      counts[kind] += Math.max(0, reason.count - excluded);
      if (kind === 'reset' && ports && resetPorts.length < MAX_RESET_PORTS_NAMED) {
        resetPorts.push(...ports.filter((p) => !exclude.has(p)).slice(0, MAX_RESET_PORTS_NAMED - resetPorts.length));
      }
    }
  }
  return { counts, resetPorts, openPorts };
}
