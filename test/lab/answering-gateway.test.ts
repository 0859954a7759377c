import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { exec } from '../../src/exec.ts';
import { collectSweeps } from '../../src/facts/sweep.ts';
import { nmapVersion } from '../../src/nmap/run.ts';
import { factDeps } from '../helpers/fact-deps.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';
import { spawnInNamespace, stopChild, waitForListeners } from './processes.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the answering-gateway lab test: ${lab.reason}`);

/** Two sweeps of every TCP port and the gateway's start, on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 240_000;
/** Listening ports spread over the whole range; every other port of the unfirewalled gateway answers with a reset. */
const OPEN = Array.from({ length: 300 }, (_, i) => 1000 + i * 211);

// Held at a rate (--min-rate), nmap takes in a reset for every closed port while it sends; on a busy machine it loses
// some of them, SYN-ACKs of open ports among them (in the lab, 229 of 300 at 100,000 packets a second with a retry).
// A gateway that answered that much is swept again with nmap pacing itself, and no open port is missed.
describe.skipIf(!lab.ok)('discovery of a gateway that resets its closed ports (real nmap, no firewall)', () => {
  let gateway: LabGateway;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'answering', services: [] });
    const script =
      'import socket,time\nheld=[]\n' +
      `for p in ${JSON.stringify(OPEN)}:\n` +
      '  s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n' +
      `  s.bind(('${gateway.address}', p)); s.listen(16); held.append(s)\n` +
      'while True: time.sleep(60)\n';
    const child = spawnInNamespace(gateway.namespace, 'python3', ['-c', script]);
    stop = () => stopChild(child);
    await waitForListeners(gateway.namespace, OPEN, 'the listeners');
  }, LOADED_MACHINE_MS);
  afterAll(async () => {
    await stop?.();
    await gateway?.stop();
  });

  for (const pace of ['lan', 'internet'] as const) {
    it(
      `finds every open port at the ${pace} pace, sweeping the gateway again without a held rate`,
      { timeout: LOADED_MACHINE_MS },
      async () => {
        const connection = connectionFileSchema.parse({
          connection: { name: 'answering', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
          gateways: [{ name: 'answering', host: gateway.address }],
          flows: [{ name: 'web', protocol: 'http', port: 1000 }],
          scan: { tcpPorts: '1-65535', udpTopPorts: 0, serviceDetection: false, pace },
        });
        const deps = factDeps(connection, exec, {
          now: () => new Date(),
          signal: AbortSignal.timeout(LOADED_MACHINE_MS),
          nmapVersion: await nmapVersion(exec),
          cores: 2,
        });
        const announced = new Set<number>();
        const facts = await collectSweeps(deps, connection.gateways, (_, port) => announced.add(port.port));
        const fact = facts.get('answering')!;
        expect(fact.failure).toBeUndefined();
        const open = fact.host!.ports.filter((p) => p.state === 'open').map((p) => p.port);
        expect(open).toEqual(OPEN);
        expect([...announced].sort((a, b) => a - b)).toEqual(OPEN);
        expect(fact.source).toMatch(
          /; again for answering, which answered more than 4000 ports: nmap -sS -p T:1-65535 .*\(no --min-rate\)/,
        );
      },
    );
  }
});
