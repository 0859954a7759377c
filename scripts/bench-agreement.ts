/**
 * Bench sections that measure agreement with the peer tools on the same lab (issue 16):
 * - ssh-agreement: the SSH lists cocoscan reads (kex, host-key, cipher, MAC) against `ssh-audit -j` on OpenSSH
 *   (default, hardened and weak flavours) and Dropbear;
 * - udp: the undeclared UDP services a whole check finds against `nmap -sU --top-ports 100` on a gateway with a
 *   UDP echo, dnsmasq and snmpd, and what the default UDP sweep costs per gateway (a check with udpTopPorts 100
 *   against the same check with 0), on that gateway and on a firewalled one.
 * Every gateway is stopped on any way out (bench-lab.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RunReport } from '../src/report/schema.ts';
import { readServerHello } from '../src/ssh/exchange.ts';
import type { LabGateway, LabSsh } from '../test/lab/lab.ts';
import { startLabGateway } from './bench-lab.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
type Line = (name: string, value: string, target: string) => void;

async function seconds<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [(performance.now() - started) / 1000, result];
}

/** A peer's standard output; peers exit non-zero when they find problems. */
const output = (command: string, args: string[]) =>
  run(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 900_000 }).then(
    (r) => r.stdout,
    (e: { stdout?: string; code?: unknown }) => {
      if (typeof e.code === 'number') return e.stdout ?? '';
      throw e;
    },
  );

type Lists = Record<'kex' | 'key' | 'enc' | 'mac', string[]>;

async function sshAuditLists(host: string): Promise<Lists> {
  // ssh-audit 2.5 lists kex and key entries as objects, enc and mac entries as plain names.
  const json = JSON.parse(await output('ssh-audit', ['-j', host])) as Record<keyof Lists, ({ algorithm: string } | string)[]>;
  const names = (entries: ({ algorithm: string } | string)[] = []) => entries.map((a) => (typeof a === 'string' ? a : a.algorithm));
  return { kex: names(json.kex), key: names(json.key), enc: names(json.enc), mac: names(json.mac) };
}

async function cocoscanLists(host: string): Promise<Lists> {
  const hello = await readServerHello({ host, port: 22 }, { timeoutMs: 10_000 });
  if (!hello.ok) throw new Error(`cocoscan could not read ${host}:22: ${hello.reason}`);
  const k = hello.value.kexinit;
  return { kex: k.kex, key: k.hostKey, enc: k.encryptionServerToClient, mac: k.macServerToClient };
}

/** SSH lists identical to ssh-audit's on every SSH endpoint of the lab. */
export async function benchSshAgreement(line: Line): Promise<void> {
  const flavours: LabSsh[] = ['default', 'hardened', 'weak'];
  const gateways: [string, LabGateway][] = [];
  try {
    for (const flavour of flavours) {
      gateways.push([
        `openssh-${flavour}`,
        await startLabGateway({ name: `bssh${flavour}`, services: [{ kind: 'sshd', port: 22, ssh: flavour }] }),
      ]);
    }
    gateways.push(['dropbear', await startLabGateway({ name: 'bsshdrop', services: [{ kind: 'dropbear', port: 22 }] })]);
    let equal = 0;
    const differences: string[] = [];
    for (const [label, gateway] of gateways) {
      const [ours, theirs] = await Promise.all([cocoscanLists(gateway.address), sshAuditLists(gateway.address)]);
      const differing = (Object.keys(ours) as (keyof Lists)[]).filter((k) => ours[k].join(',') !== theirs[k].join(','));
      if (differing.length === 0) equal += 1;
      else
        differences.push(
          `${label}: ${differing.map((k) => `${k} ours ${ours[k].join(',')} / ssh-audit ${theirs[k].join(',')}`).join('; ')}`,
        );
    }
    line(
      'ssh-lists-equal-ssh-audit',
      `${equal}/${gateways.length}`,
      `target all; endpoints ${gateways.map(([l]) => l).join(', ')}${differences.length ? `; differing: ${differences.join(' | ')}` : ''}`,
    );
  } finally {
    await Promise.all(gateways.map(([, g]) => g.stop()));
  }
}

async function check(gateway: LabGateway, dir: string, udpTopPorts: number): Promise<[number, RunReport]> {
  const file = join(dir, `connection-${gateway.name}-${udpTopPorts}.yaml`);
  await writeFile(
    file,
    `connection: { name: bench-udp, connectedSystem: M, connectingSystem: T, organisation: O }
gateways: [ { name: ${gateway.name}, host: ${gateway.address} } ]
flows: [ { name: admin, protocol: ssh, port: 22 } ]
scan: { tcpPorts: "22", udpTopPorts: ${udpTopPorts}, probeTimeoutSeconds: 3 }
snmp: { timeoutSeconds: 1 }
`,
  );
  const out = join(dir, `out-${gateway.name}-${udpTopPorts}`);
  const tsx = join(root, 'node_modules/.bin/tsx');
  const [taken] = await seconds(() =>
    output(tsx, [join(root, 'scripts/measure-check.ts'), 'check', file, '--out', out, '--no-progress', '--no-history']),
  );
  return [taken, JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport];
}

/** Open UDP ports in nmap's XML (not open|filtered: nmap got an answer). */
function nmapOpenUdp(xml: string): number[] {
  return [...xml.matchAll(/<port protocol="udp" portid="(\d+)"><state state="open"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

/** The undeclared UDP services cocoscan's check found, against nmap's; and the UDP sweep's cost per gateway. */
export async function benchUdp(line: Line): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-udp-'));
  const gateways: LabGateway[] = [];
  try {
    const services = await startLabGateway({
      name: 'budpsvc',
      services: [
        { kind: 'sshd', port: 22 },
        { kind: 'udp-echo', port: 7 },
        { kind: 'dnsmasq', port: 53 },
        { kind: 'snmpd', port: 161, snmp: 'v2c-public' },
      ],
    });
    gateways.push(services);
    const firewalled = await startLabGateway({
      name: 'budpfw',
      services: [{ kind: 'sshd', port: 22 }],
      firewallAllowTcp: [22],
    });
    gateways.push(firewalled);

    const [nmapSeconds, xml] = await seconds(() =>
      output('nmap', ['-sU', '--top-ports', '100', '-T4', '-n', '-Pn', '-oX', '-', services.address]),
    );
    const theirs = nmapOpenUdp(xml);
    const [withUdp, report] = await check(services, dir, 100);
    const ours = report.findings
      .filter((f) => f.id === 'exposure.undeclared-port' && f.status === 'fail' && f.target.transport === 'udp')
      .map((f) => f.target.port!)
      .sort((a, b) => a - b);
    const all = [...new Set([...ours, ...theirs])].sort((a, b) => a - b);
    const both = all.filter((p) => ours.includes(p) && theirs.includes(p));
    line(
      'udp-services-equal-nmap',
      `${both.length}/${all.length}`,
      `target all; cocoscan ${ours.join(', ') || 'none'}; nmap -sU --top-ports 100 ${theirs.join(', ') || 'none'} in ${nmapSeconds.toFixed(1)} s`,
    );
    const [withoutUdp] = await check(services, dir, 0);
    const [fwWith] = await check(firewalled, dir, 100);
    const [fwWithout] = await check(firewalled, dir, 0);
    line(
      'udp-sweep-seconds-per-gateway[services]',
      (withUdp - withoutUdp).toFixed(1),
      `target <= ${nmapSeconds.toFixed(1)} (nmap -sU --top-ports 100 alone); ` +
        `check ${withUdp.toFixed(1)} s with udpTopPorts 100, ${withoutUdp.toFixed(1)} s with 0`,
    );
    line(
      'udp-sweep-seconds-per-gateway[firewalled]',
      (fwWith - fwWithout).toFixed(1),
      `target <= 15 (measured by hand before: +12.9); check ${fwWith.toFixed(1)} s with udpTopPorts 100, ${fwWithout.toFixed(1)} s with 0`,
    );
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
