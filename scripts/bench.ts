/**
 * `npm run bench`: measured figures, printed as `name: value (target)` lines.
 * Today: the cost of cocoscan's engine around the nmap sweep, on a firewalled lab gateway swept over all
 * 65535 TCP ports (cocoscan check ÷ the same nmap command alone), and peak memory of the check.
 * Needs root (network namespaces); exits 2 with the reason otherwise.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildNmapArgs } from '../src/nmap/run.ts';
import { labAvailability, startLabGateway } from '../test/lab/lab.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

const lab = await labAvailability();
if (!lab.ok) {
  process.stderr.write(`bench: cannot build lab gateways: ${lab.reason}\n`);
  process.exit(2);
}

const gateway = await startLabGateway({
  name: 'bench',
  services: [
    { kind: 'sshd', port: 22 },
    { kind: 'nginx-https', port: 443 },
  ],
  firewallAllowTcp: [22, 443],
});
try {
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-'));
  const file = join(dir, 'connection.yaml');
  await writeFile(
    file,
    `connection: { name: bench, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways: [ { name: bench-gw, host: ${gateway.address} } ]
flows:
  - { name: web, protocol: https, port: 443 }
  - { name: admin, protocol: ssh, port: 22 }
`,
  );
  const nmapArgs = buildNmapArgs({ host: gateway.address, tcpPorts: '1-65535', udpPorts: '', timing: 4, hostTimeoutSeconds: 3600, serviceDetection: true, privileged: true });
  const t0 = performance.now();
  await run('nmap', nmapArgs, { maxBuffer: 64 * 1024 * 1024 });
  const nmapSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const tsx = join(root, 'node_modules/.bin/tsx');
  const { stderr } = await run(tsx, [join(root, 'scripts/measure-check.ts'), 'check', file, '--out', join(dir, 'out'), '--no-progress'], {
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stderr?: string; code?: number }) => {
    if (error.code === 1) return { stderr: error.stderr ?? '' }; // exit 1 is a verdict, not a failure
    throw error;
  });
  const checkSeconds = (performance.now() - t1) / 1000;
  const rssMb = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? Number.NaN) / 1024;

  process.stdout.write(`nmap-sweep-seconds: ${nmapSeconds.toFixed(2)} (reference: nmap alone, all 65535 TCP ports, -sS -sV -T4)\n`);
  process.stdout.write(`check-seconds: ${checkSeconds.toFixed(2)} (reference)\n`);
  process.stdout.write(`check-over-sweep: ${(checkSeconds / nmapSeconds).toFixed(3)} (target <= 1.10)\n`);
  process.stdout.write(`check-peak-rss-mb: ${rssMb.toFixed(1)} (target <= 250)\n`);
} finally {
  await gateway.stop();
}
