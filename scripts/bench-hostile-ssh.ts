/**
 * Bench figure: peak memory and evidence size of `cocoscan check` against one gateway (127.0.0.1) with
 * hostile SSH servers on 500 loopback ports. Each sends a KEXINIT of 340 made-up host-key algorithms
 * (about 34 KB) and never answers the key exchange. A fake nmap announces the 500 ports as SSH, so no real
 * sweep runs; the check itself is the real CLI in a child process (scripts/measure-check.ts).
 *
 * Standalone: `tsx scripts/bench-hostile-ssh.ts [ports]`; `npm run bench -- hostile-ssh` runs it too.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startHostileSsh } from '../test/helpers/hostile-ssh.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

export const HOSTILE_SSH_TARGETS = { peakRssMb: 400, evidenceMb: 40 };

/** An executable that answers like nmap: every given port open and identified as SSH. */
export function fakeNmapScript(ports: number[]): string {
  const rows = ports
    .map(
      (p) =>
        `<port protocol="tcp" portid="${p}"><state state="open" reason="syn-ack" ` +
        `reason_ttl="64"/><service name="ssh" product="Hostile" method="probed" conf="10"/></port>`,
    )
    .join('\n');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap" start="1795338209" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="65535" services="1-65535"/>
<host starttime="1795338210" endtime="1795338222"><status state="up" reason="localhost-response" reason_ttl="0"/>
<address addr="127.0.0.1" addrtype="ipv4"/>
<hostnames></hostnames>
<ports>
${rows}
</ports>
</host>
<runstats><finished time="1795338222" elapsed="12.36" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;
  return `#!${process.execPath}
const { writeFileSync } = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === '--version') { process.stdout.write('Nmap version 7.93 ( https://nmap.org )\\n'); process.exit(0); }
const out = args[args.indexOf('-oX') + 1];
writeFileSync(out, ${JSON.stringify(xml)});
process.stdout.write(${JSON.stringify(ports.map((p) => `Discovered open port ${p}/tcp on 127.0.0.1\n`).join(''))});
`;
}

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += await folderBytes(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}

export interface HostileSshFigures {
  ports: number;
  seconds: number;
  peakRssMb: number;
  evidenceMb: number;
  exitCode: number;
}

/** Runs the check once and prints the two figures as `name: value (target …)` lines. */
export async function benchHostileSsh(options: { ports?: number; write?: (line: string) => void } = {}): Promise<HostileSshFigures> {
  const count = options.ports ?? 500;
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const servers = await startHostileSsh(count, { knownHostKeys: ['ssh-ed25519'] });
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-hostile-ssh-'));
  try {
    const nmap = join(dir, 'fake-nmap');
    await writeFile(nmap, fakeNmapScript(servers.ports));
    await chmod(nmap, 0o755);
    const connection = join(dir, 'connection.yaml');
    await writeFile(
      connection,
      `connection: { name: hostile-ssh-bench, connectedSystem: M, connectingSystem: T, organisation: O }
gateways: [ { name: hostile, host: 127.0.0.1 } ]
flows: [ { name: admin, protocol: ssh, port: ${servers.ports[0]} } ]
scan: { tcpPorts: "1-65535", probeTimeoutSeconds: 2, connectionsPerHost: 32 }
`,
    );
    const out = join(dir, 'out');
    const started = performance.now();
    const result = await run(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'scripts/measure-check.ts'), 'check', connection, '--out', out, '--no-progress', '--no-history', '--nmap', nmap],
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 20 * 60_000,
      },
    ).then(
      (r) => ({ ...r, code: 0 }),
      (error: { stdout?: string; stderr?: string; code?: number }) => {
        // exit 1 (non-compliant) or 4 (could not assess) is a verdict
        if (error.code === 1 || error.code === 4) return { stdout: error.stdout ?? '', stderr: error.stderr ?? '', code: error.code };
        throw new Error(`the check failed (exit ${String(error.code)}): ${(error.stderr ?? '').slice(-2000)}`);
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = Number(/maxrss_kb=(\d+)/.exec(result.stderr)?.[1] ?? Number.NaN) / 1024;
    const evidenceDir = join(out, 'evidence');
    const evidenceMb =
      (await folderBytes(
        await stat(evidenceDir).then(
          () => evidenceDir,
          () => out,
        ),
      )) /
      2 ** 20;
    write(
      `hostile-ssh-peak-rss: ${peakRssMb.toFixed(1)} MB (target ≤ ${HOSTILE_SSH_TARGETS.peakRssMb} ` +
        `MB; ${count} hostile SSH ports, check took ${seconds.toFixed(1)} s)\n`,
    );
    write(`hostile-ssh-evidence: ${evidenceMb.toFixed(1)} MB (target ≤ ${HOSTILE_SSH_TARGETS.evidenceMb} MB)\n`);
    return { ports: count, seconds, peakRssMb, evidenceMb, exitCode: result.code };
  } finally {
    await servers.close();
    if (process.env.COCOSCAN_BENCH_KEEP) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await benchHostileSsh({ ports: process.argv[2] ? Number(process.argv[2]) : undefined });
}
