import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveHost } from '../../src/check/resolve-gateways.ts';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { AmbiguousHostError } from '../../src/errors.ts';
import { exec as realExec, type Exec } from '../../src/exec.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the dual-stack lab tests: ${lab.reason}`);

/** The budget of a whole check on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 120_000;
const NAME = 'gw.dual-stack.lab';

const connection = (gateways: { name: string; host: string }[]) =>
  connectionFileSchema.parse({
    connection: { name: 'dual', connectedSystem: 'Case Management System', connectingSystem: 'Acme Case Portal', organisation: 'Acme Ltd' },
    gateways,
    flows: [{ name: 'admin', protocol: 'ssh', port: 22 }],
    scan: { tcpPorts: '22,8080', udpTopPorts: 0, probeTimeoutSeconds: 3 },
    snmp: { timeoutSeconds: 0.5 },
  });

/** The real exec, with every command line it runs kept. */
function recordingExec(calls: string[][]): Exec {
  return (command, args, options) => {
    calls.push([command, ...args]);
    return realExec(command, args, options);
  };
}

// sshd on 22 and a stray admin console on 8080, on both addresses; the firewall filters IPv4 only (22 allowed),
// so 8080 is reachable over IPv6 alone: the side a sweep of the A record never sees.
describe.skipIf(!lab.ok)('a dual-stack gateway name, against a real sshd open over IPv6', () => {
  let gateway: LabGateway;
  let resolveHost: ResolveHost;

  beforeAll(async () => {
    gateway = await startLabGateway({
      name: 'dual',
      ipv6: true,
      firewallFamily: 'ip',
      firewallAllowTcp: [22],
      services: [
        { kind: 'sshd', port: 22 },
        { kind: 'nginx-http', port: 8080 },
      ],
    });
    const answers = new Map([[NAME, [gateway.address, gateway.address6!]]]);
    resolveHost = (name) => Promise.resolve(answers.get(name) ?? []);
  }, LOADED_MACHINE_MS);
  afterAll(() => gateway?.stop());

  it('refuses the name that resolves to both addresses before any packet, naming both', async () => {
    const calls: string[][] = [];
    const run = runCheck({
      connection: connection([{ name: 'gw', host: NAME }]),
      profile: await loadProfile(),
      exec: recordingExec(calls),
      privileged: true,
      resolveHost,
    });
    await expect(run).rejects.toBeInstanceOf(AmbiguousHostError);
    await expect(run).rejects.toThrow(`gw: ${NAME} resolves to ${gateway.address} and ${gateway.address6!}; `);
    // nmap was asked its version, never to sweep.
    expect(calls.map((c) => c.slice(1))).toEqual([['--version']]);
  });

  it(
    'declared as one gateway per address, reports the IPv6 side open where IPv4 is filtered, and records each address',
    async () => {
      const { report } = await runCheck({
        connection: connection([
          { name: 'gw-v4', host: gateway.address },
          { name: 'gw-v6', host: gateway.address6! },
        ]),
        profile: await loadProfile(),
        privileged: true,
        resolveHost,
      });
      expect(report.addresses).toEqual([
        { gateway: 'gw-v4', host: gateway.address, addresses: [gateway.address] },
        { gateway: 'gw-v6', host: gateway.address6, addresses: [gateway.address6] },
      ]);
      const undeclared = report.findings.filter((f) => f.id === 'exposure.undeclared-port' && f.status === 'fail');
      expect(undeclared.map((f) => [f.target.gateway, f.target.host, f.target.port])).toEqual([['gw-v6', gateway.address6, 8080]]);
      // The SSH probe read each side on its own address.
      const kex = report.findings.filter((f) => f.id === 'ssh.kex');
      expect(kex.map((f) => [f.target.gateway, f.target.host, f.target.port]).sort()).toEqual([
        ['gw-v4', gateway.address, 22],
        ['gw-v6', gateway.address6, 22],
      ]);
      expect(kex.map((f) => f.status)).not.toContain('error');
      const rows = Object.fromEntries(report.rows.map((r) => [r.ref, r]));
      expect(rows['CoCo-8']?.compliance).toBe('No');
      expect(rows['CoCo-8']?.findings).toContain('exposure.undeclared-port@gw-v6/8080/tcp');
    },
    LOADED_MACHINE_MS,
  );
});
