import type { NmapExtraPorts, NmapHost, NmapPort, NmapService } from '../../src/nmap/parse.ts';

export type PortSpec = [port: number, state: string, reason: string, service?: NmapService, protocol?: 'tcp' | 'udp'];
export type ExtraSpec = { state: string; reason: string; count: number; proto?: string; ports?: string };

/** A small nmap host record: listed ports, folded ports. */
export function nmapHost(ports: PortSpec[], extra: ExtraSpec[] = [], more: Partial<NmapHost> = {}): NmapHost {
  const listed: NmapPort[] = ports.map(([port, state, reason, service, protocol]) => ({
    port,
    state,
    reason,
    service,
    protocol: protocol ?? 'tcp',
  }));
  const extraPorts: NmapExtraPorts[] = extra.map((e) => ({
    state: e.state,
    count: e.count,
    reasons: [{ reason: e.reason, count: e.count, protocol: e.proto, ports: e.ports }],
  }));
  return {
    status: 'up',
    timedOut: false,
    statusReason: 'user-set',
    addresses: ['192.0.2.1'],
    hostnames: [],
    ports: listed,
    extraPorts,
    ...more,
  };
}

export const probedService = (name: string, tunnel?: string): NmapService => ({ name, tunnel, method: 'probed' });
