/**
 * Lab gateways for the bench, stopped on every way out: a section's own `finally`, an error, and SIGINT or
 * SIGTERM (a process killed by a signal runs no `finally`, so the namespaces would be left behind).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLabGateway as startGateway, type LabGateway, type LabGatewaySpec } from '../test/lab/lab.ts';

const running = new Set<LabGateway>();
/** Gateways being started or stopped: a signal waits for them to come up (or fail and clean up), or to be gone. */
const pending = new Set<Promise<unknown>>();

function track<T>(work: Promise<T>): Promise<T> {
  pending.add(work);
  const done = () => pending.delete(work);
  work.then(done, done);
  return work;
}
let installed = false;
/** Other labs' stops (the TLS zoo), run with the gateways'. */
const otherStops = new Set<() => Promise<unknown>>();

let stopping: Promise<void> = Promise.resolve();

/**
 * Stops every gateway started, once those still starting are up (or have failed and cleaned up). Calls queue
 * behind each other, so a caller returns only when every stop already under way has finished too.
 */
export function stopAllLabGateways(): Promise<void> {
  stopping = stopping.then(async () => {
    // Starts and stops begun meanwhile (a section's own `finally`) are waited for too.
    while (pending.size > 0 || running.size > 0 || otherStops.size > 0) {
      const all = [...running];
      const others = [...otherStops];
      running.clear();
      otherStops.clear();
      await Promise.allSettled([...pending, ...all.map((g) => g.stop()), ...others.map((stop) => stop())]);
    }
  });
  return stopping;
}

function installCleanup(): void {
  if (installed) return;
  installed = true;
  let exiting = false;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    // `on`, not `once`: a signal often comes twice (to the process group, and relayed by tsx's parent process), and
    // a second one with no listener would kill the process halfway through the clean-up.
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      process.stderr.write(`bench: ${signal}: stopping ${running.size} lab gateway(s) and ${pending.size} being started or stopped\n`);
      void stopAllLabGateways().finally(() => {
        process.stderr.write(`bench: ${signal}: lab gateways stopped\n`);
        process.exit(code);
      });
    });
  }
}

/** Registers a lab's own `stop` (one not started through startLabGateway) to run on every way out; returns its unregistering. */
export function stopOnExit(stop: () => Promise<unknown>): () => void {
  installCleanup();
  otherStops.add(stop);
  return () => otherStops.delete(stop);
}

/** startLabGateway, remembered until stopped so that a signal or an error still removes its namespace. */
export async function startLabGateway(spec: LabGatewaySpec): Promise<LabGateway> {
  installCleanup();
  const gateway = await track(startGateway(spec));
  running.add(gateway);
  const stop = gateway.stop.bind(gateway);
  gateway.stop = () => {
    running.delete(gateway);
    return track(stop());
  };
  return gateway;
}

/** A firewalled lab gateway as an ITHC would find it: SSH, HTTPS and SNMP open, everything else dropped. */
export function benchGateway(name: string): Promise<LabGateway> {
  return startLabGateway({
    name,
    services: [
      { kind: 'sshd', port: 22, ssh: 'hardened' },
      { kind: 'nginx-https', port: 443 },
      { kind: 'snmpd', port: 161, snmp: 'v2c-public' },
    ],
    firewallAllowTcp: [22, 443],
    firewallAllowUdp: [161],
  });
}

/** The connection file of a bench check: every gateway given, HTTPS, SSH and SNMP declared, its lab CA trusted. */
export async function benchConnectionFile(dir: string, label: string, gateways: LabGateway[], scan: string): Promise<string> {
  const file = join(dir, `connection-${label}.yaml`);
  await writeFile(
    file,
    `connection: { name: bench-${label}, connectedSystem: M, connectingSystem: T, organisation: O }
gateways:
${gateways.map((g, i) => `  - { name: gw${i}, host: ${g.address} }`).join('\n')}
flows:
  - { name: web, protocol: https, port: 443 }
  - { name: admin, protocol: ssh, port: 22 }
  - { name: monitoring, protocol: snmp, port: 161, transport: udp }
scan: { ${scan} }
tls: { trust: [ ${gateways.map((g) => g.caFile).join(', ')} ] }
`,
  );
  return file;
}
