import type { ConnectionFile, Gateway } from '../connection/schema.ts';
import type { EvidenceStore } from '../evidence-store.ts';
import type { Exec } from '../exec.ts';
import { collectSweeps, type SweepFact } from './sweep.ts';
import { keepNmapMessages } from './nmap-messages.ts';
import type { DiscoveredPort } from '../nmap/run.ts';
import type { ActivityEvent } from './activity.ts';
import { collectHostSession, type HostSession } from '../host/session.ts';
import { gatherSnmp, type GatherOptions, type SnmpFacts } from '../snmp/gather.ts';
import { loadReportSources, type ReportedSource } from './reported-sources.ts';
import type { IncidentalFacts, ReachedPort, SharedFacts } from './shared.ts';
import { PortTurns } from './port-turns.ts';

export type { ActivityEvent } from './activity.ts';

export interface FactDeps {
  connection: ConnectionFile;
  exec: Exec;
  now: () => Date;
  evidence: EvidenceStore;
  signal: AbortSignal;
  privileged: boolean;
  /** Whether this run sweeps with nmap (some probe of the profile needs it). */
  sweepEnabled: boolean;
  nmapPath?: string;
  nmapVersion?: string;
  /** The masscan program (scan.engine: masscan); `masscan` on PATH when left out. */
  masscanPath?: string;
  /** How many discovery processes may run side by side; os.availableParallelism() when left out. */
  cores?: number;
  /** The address each gateway's host resolved to before any probe, by gateway name: the address nmap sweeps. */
  addresses?: ReadonlyMap<string, string>;
  onActivity?: (event: ActivityEvent) => void;
  /** Users whose sshd settings the host session reads (`sshd -T -C user=…`), besides the audit user. */
  sshdUsers?: readonly string[];
  /** How many gateway probes gather on each gateway this run (each ends with `gatherEnded`); none when left out. */
  gatherers?: number;
}

/** The gatherings of one gateway still running, those waiting for the reached ports, and the ports reached. */
interface GatewayGatherings {
  running: number;
  waiters: (() => void)[];
  reached: ReachedPort[];
}

/**
 * The run's shared facts (the nmap sweep, the SSH session, SNMP, agent reports). Each is gathered once per
 * run, on first request, and shared: two probes asking for the same sweep get the same promise. Probes see
 * it only through the `SharedFacts` they declared and the `IncidentalFacts`, never its dependencies.
 */
export class Facts implements SharedFacts, IncidentalFacts {
  readonly #cache = new Map<string, Promise<unknown>>();
  readonly #deps: FactDeps;
  constructor(deps: FactDeps) {
    this.#deps = deps;
  }

  #once<T>(key: string, gather: () => Promise<T>): Promise<T> {
    let pending = this.#cache.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = gather();
      this.#cache.set(key, pending);
    }
    return pending;
  }

  /** A fact some probe already asked for, without gathering it here (undefined when nobody did). */
  #peek<T>(key: string): Promise<T> | undefined {
    return this.#cache.get(key) as Promise<T> | undefined;
  }

  /** SNMP facts, only when the SNMP probe of this run gathers them. */
  snmpIfGathered(gateway: Gateway): Promise<SnmpFacts> | undefined {
    return this.#peek<SnmpFacts>(`snmp:${gateway.name}`);
  }

  readonly #discovered = new Map<string, DiscoveredPort[]>();
  readonly #listeners = new Map<string, ((port: DiscoveredPort) => void)[]>();

  /**
   * Starts every gateway's sweep now, and resolves once the event loop has turned, by when the discovery processes have
   * been started: the run's longest wait begins before any probe's own work takes the event loop.
   */
  async startSweeps(): Promise<void> {
    if (!this.#deps.sweepEnabled) return;
    void this.#sweeps().catch(() => undefined);
    await new Promise((resume) => setImmediate(resume));
  }

  /** Every gateway's sweep, gathered by as few nmap runs as possible; the first request starts them all. */
  sweep(gateway: Gateway): Promise<SweepFact> {
    return this.#sweeps().then((sweeps) => sweeps.get(gateway.name)!);
  }

  #sweeps(): Promise<Map<string, SweepFact>> {
    return this.#once('sweeps', () => {
      const sweeps = collectSweeps(
        this.#deps,
        this.#deps.connection.gateways,
        (g, port) => {
          const seen = this.#discovered.get(g.name) ?? [];
          seen.push(port);
          const openPort = `${port.port}/${port.transport}`;
          this.#deps.onActivity?.({ gateway: g.name, activity: `found open port ${openPort}`, openPort });
          this.#discovered.set(g.name, seen);
          for (const listener of this.#listeners.get(g.name) ?? []) listener(port);
        },
        {
          discoveryEnded: (gateways) => {
            for (const g of gateways) this.#turnsOf(g).discoveryEnded();
          },
        },
      ).then((facts) => keepNmapMessages(facts, this.#deps.evidence));
      // A sweep that threw, or a gateway it did not sweep, never hears discovery end: whoever waits goes on regardless.
      void sweeps
        .catch(() => undefined)
        .then(() => {
          this.#sweepsSettled = true;
          for (const turns of this.#turns.values()) turns.discoveryEnded();
        });
      return sweeps;
    });
  }

  readonly #turns = new Map<string, PortTurns>();

  #sweepsSettled = false;

  #turnsOf(gateway: Gateway): PortTurns {
    let turns = this.#turns.get(gateway.name);
    if (!turns) {
      this.#turns.set(gateway.name, (turns = new PortTurns()));
      if (this.#sweepsSettled) turns.discoveryEnded();
    }
    return turns;
  }

  probeSweptPort<T>(gateway: Gateway, probe: () => Promise<T>): Promise<T> {
    if (!this.#deps.sweepEnabled) return probe();
    // The run sweeps anyway (some probe reads the sweep): asking here only makes sure discovery has started.
    void this.sweep(gateway).catch(() => undefined);
    return this.#turnsOf(gateway).discovered().then(probe);
  }

  /** Calls `listener` for every open port the sweep of this gateway announces, those already found included. */
  onOpenPort(gateway: Gateway, listener: (port: DiscoveredPort) => void): boolean {
    if (!this.#deps.sweepEnabled) return false;
    for (const port of this.#discovered.get(gateway.name) ?? []) listener(port);
    this.#listeners.set(gateway.name, [...(this.#listeners.get(gateway.name) ?? []), listener]);
    return true;
  }

  sweepIfRun(gateway: Gateway): Promise<SweepFact> | undefined {
    return this.#deps.sweepEnabled ? this.sweep(gateway) : undefined;
  }

  readonly #gatherings = new Map<string, GatewayGatherings>();

  #gatheringsOf(gateway: Gateway): GatewayGatherings {
    let state = this.#gatherings.get(gateway.name);
    if (!state) this.#gatherings.set(gateway.name, (state = { running: this.#deps.gatherers ?? 0, waiters: [], reached: [] }));
    return state;
  }

  resolvedAddress(gateway: Gateway): string {
    return this.#deps.addresses?.get(gateway.name) ?? gateway.host;
  }

  portReached(gateway: Gateway, reached: ReachedPort): void {
    this.#gatheringsOf(gateway).reached.push({ ...reached });
  }

  reachedPorts(gateway: Gateway): Promise<readonly ReachedPort[]> {
    const state = this.#gatheringsOf(gateway);
    const ready = new Promise<void>((resolve) => state.waiters.push(resolve));
    this.#release(state);
    return ready.then(() => state.reached.map((r) => ({ ...r })));
  }

  /** The engine says one gathering of the gateway ended (returned or threw). */
  gatherEnded(gateway: Gateway): void {
    const state = this.#gatheringsOf(gateway);
    state.running = Math.max(0, state.running - 1);
    this.#release(state);
  }

  /** Every gathering still running waits for the reached ports: nothing more can be reached, so they all get them. */
  #release(state: GatewayGatherings): void {
    if (state.waiters.length < state.running) return;
    for (const resolve of state.waiters.splice(0)) resolve();
  }

  /** The authenticated SSH collection of one gateway, run once and shared by every probe that reads host facts. */
  hostSession(gateway: Gateway): Promise<HostSession> {
    return this.#once(`host:${gateway.name}`, async () => {
      if (gateway.ssh) this.#deps.onActivity?.({ gateway: gateway.name, activity: 'reading host facts over SSH' });
      const session = await collectHostSession(gateway, {
        timeoutMs: this.#deps.connection.scan.probeTimeoutSeconds * 1000,
        now: this.#deps.now,
        signal: this.#deps.signal,
        sshdUsers: this.#deps.sshdUsers ?? [],
      });
      if (session.ok) {
        for (const outcome of Object.values(session.commands)) {
          const header = `# ${outcome.command}\n# status ${outcome.status}, exit ${outcome.exitCode ?? 'none'}\n`;
          const body = outcome.status === 'ok' ? outcome.stdout : `${outcome.stdout}\n# stderr:\n${outcome.stderr}`;
          this.#deps.evidence.add([gateway.name, 'host', `${outcome.name}.txt`], header + body);
        }
      }
      return session;
    });
  }

  /** What SNMP on the gateway answers to (community strings, v3 levels) and reveals; gathered once. */
  snmp(gateway: Gateway, options: Omit<GatherOptions, 'signal'>): Promise<SnmpFacts> {
    return this.#once(`snmp:${gateway.name}`, async () => {
      this.#deps.onActivity?.({ gateway: gateway.name, activity: 'SNMP community and v3 checks' });
      return gatherSnmp(this.#deps.connection, gateway, { ...options, signal: this.#deps.signal });
    });
  }

  /** Host-reported data for a gateway: its agent reports, and the SSH session when credentials are given. */
  reportedSources(gateway: Gateway): Promise<ReportedSource[]> {
    return this.#once(`reported:${gateway.name}`, async () =>
      loadReportSources(gateway, gateway.ssh ? await this.hostSession(gateway) : undefined),
    );
  }
}
