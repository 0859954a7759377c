import { compressPorts, expandPortList } from '../nmap/ports.ts';
import type { NmapHost, NmapPort, NmapRun } from '../nmap/parse.ts';

/** Most records read from one masscan output: every port of 256 gateways, open or closed. */
const MAX_RECORDS = 256 * 65_536;

/**
 * masscan's -oJ output (one record a line) as the host records nmap's XML gives: each swept address up (masscan
 * scans without a ping, as nmap -Pn), the open ports listed with reason syn-ack, the reset ones folded as closed
 * (reset) and the others folded as filtered (no-response). Records for an address or port not swept are ignored:
 * the file is masscan's, but only what it was asked to scan counts.
 */
export function masscanRun(text: string, addresses: readonly string[], tcpPorts: string, version: string): NmapRun {
  const swept = new Set(expandPortList(tcpPorts));
  const seen = new Map<string, Map<number, 'open' | 'closed'>>(addresses.map((a) => [a, new Map()]));
  let records = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim().replace(/,$/, '');
    if (!trimmed.startsWith('{')) continue;
    if ((records += 1) > MAX_RECORDS) break;
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      continue;
    }
    const { ip, ports } = record as { ip?: unknown; ports?: unknown };
    const states = typeof ip === 'string' ? seen.get(ip) : undefined;
    if (!states || !Array.isArray(ports)) continue;
    for (const entry of ports as { port?: unknown; proto?: unknown; status?: unknown }[]) {
      const port = Number(entry?.port);
      if (entry?.proto !== 'tcp' || !swept.has(port)) continue;
      if (entry.status === 'open') states.set(port, 'open');
      else if (entry.status === 'closed' && states.get(port) !== 'open') states.set(port, 'closed');
    }
  }
  const hosts = [...seen].map(([address, states]) => hostRecord(address, states, swept.size));
  return {
    version,
    args: '',
    scanTypes: [{ type: 'syn', protocol: 'tcp', services: tcpPorts }],
    hosts,
    exit: 'success',
    hostsTotal: hosts.length,
    hostsDown: 0,
  };
}

function hostRecord(address: string, states: Map<number, 'open' | 'closed'>, sweptCount: number): NmapHost {
  const open = [...states].filter(([, s]) => s === 'open').map(([p]) => p);
  const closed = [...states].filter(([, s]) => s === 'closed').map(([p]) => p);
  const ports: NmapPort[] = open.sort((a, b) => a - b).map((port) => ({ protocol: 'tcp', port, state: 'open', reason: 'syn-ack' }));
  const filtered = sweptCount - open.length - closed.length;
  return {
    status: 'up',
    timedOut: false,
    statusReason: 'user-set',
    addresses: [address],
    hostnames: [],
    ports,
    extraPorts: [
      ...(closed.length > 0
        ? [{ state: 'closed', count: closed.length, reasons: [{ reason: 'reset', count: closed.length, ports: compressPorts(closed) }] }]
        : []),
      ...(filtered > 0 ? [{ state: 'filtered', count: filtered, reasons: [{ reason: 'no-response', count: filtered }] }] : []),
    ],
  };
}
