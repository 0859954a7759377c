import type { Gateway } from '../connection/schema.ts';
import type { HostSession } from '../host/session.ts';
import type { DiscoveredPort } from '../nmap/run.ts';
import type { GatherOptions, SnmpFacts } from '../snmp/gather.ts';
import type { ReportedSource } from './reported-sources.ts';
import type { SweepFact } from './sweep.ts';

/**
 * Facts several probes read, each gathered once per run and shared: two probes asking for the same gateway's
 * sweep get the same promise. A probe names the ones it reads in `meta.reads` and is given only those.
 */
export interface SharedFacts {
  /** The nmap sweep of the gateway; every gateway of the run is swept by as few nmap runs as possible. */
  sweep(gateway: Gateway): Promise<SweepFact>;
  /** The authenticated SSH collection of the gateway (not `ok` without credentials). */
  hostSession(gateway: Gateway): Promise<HostSession>;
  /** What SNMP on the gateway answers to and reveals. */
  snmp(gateway: Gateway, options: Omit<GatherOptions, 'signal'>): Promise<SnmpFacts>;
  /** Host-reported data: agent reports, and the SSH session when credentials are given. */
  reportedSources(gateway: Gateway): Promise<ReportedSource[]>;
}

export type SharedFactName = keyof SharedFacts;

/**
 * A port on which a probe of this run completed an exchange with the gateway (an SSH identification, a TLS
 * handshake): proof that the gateway answers there, whatever a later sweep saw (a rate limit, say).
 */
export interface ReachedPort {
  port: number;
  transport: 'tcp' | 'udp';
  /** The probe that reached it. */
  probe: string;
  /** The protocol the gateway spoke there. */
  protocol: string;
  /** What came back, as people read it: "its SSH identification", "a TLS handshake". */
  proof: string;
}

/** Facts another probe of the run may gather; asking for them never starts a gathering of its own. */
export interface IncidentalFacts {
  /** The gateway's sweep when this run sweeps at all (some probe reads `sweep`), else undefined. */
  sweepIfRun(gateway: Gateway): Promise<SweepFact> | undefined;
  /** Calls `listener` for each open port the gateway's sweep announces, those already found included; false when the run does not sweep. */
  onOpenPort(gateway: Gateway, listener: (port: DiscoveredPort) => void): boolean;
  /**
   * Runs `probe` (the connections of one probe to a TCP port of the gateway) once the sweep's discovery (the port scan,
   * without -sV) has ended, so that it never uses up a rate limit nmap is timing its scan on (see PortTurns). Runs it
   * at once when the run does not sweep.
   */
  probeSweptPort<T>(gateway: Gateway, probe: () => Promise<T>): Promise<T>;
  /** The gateway's SNMP facts when the SNMP probe of this run gathers them, else undefined. */
  snmpIfGathered(gateway: Gateway): Promise<SnmpFacts> | undefined;
  /** Records that a gathering completed an exchange on a port of the gateway; judges read it only through their facts. */
  portReached(gateway: Gateway, reached: ReachedPort): void;
  /**
   * The ports this run's probes reached on the gateway, once every other gathering of the gateway has ended
   * (or waits here too, so two waiting probes never wait for each other).
   */
  reachedPorts(gateway: Gateway): Promise<readonly ReachedPort[]>;
  /** The address the gateway's host stood for in this run (a name is resolved once, before any probe); the host itself else. */
  resolvedAddress(gateway: Gateway): string;
}
