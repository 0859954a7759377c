/**
 * Seconds for a whole `cocoscan check` against an SNMP agent that would keep a naive walk going for ever: it
 * answers every GETBULK with the OID it was asked for, carrying noSuchInstance. Runs on 127.0.0.1 without root:
 * `npx tsx scripts/bench-snmp-loop.ts`, or as the `snmp-loop` section of `npm run bench`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeSnmpAgent, type AgentBehaviour } from '../test/helpers/fake-snmp-agent.ts';
import { withShippedThresholds } from '../test/helpers/test-profile.ts';

const root = resolve(import.meta.dirname, '..');

const PROFILE = `id: snmp-loop
version: "1"
title: SNMP against a looping agent
sections:
  - id: s
    title: SNMP
    rows:
      - { ref: R, title: SNMP, method: automated, decidedBy: [snmp.community, snmp.undeclared] }
`;

/** One check of an SNMP-only profile against the agent; returns its wall time and the walk requests the agent saw. */
async function timeCheck(behaviour: AgentBehaviour): Promise<{ seconds: number; walkRequests: number; code: number | null }> {
  const agent = await startFakeSnmpAgent(behaviour);
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-snmp-'));
  try {
    await writeFile(join(dir, 'profile.yaml'), withShippedThresholds(PROFILE));
    await writeFile(
      join(dir, 'connection.yaml'),
      `connection: { name: snmp-loop, connectedSystem: M, connectingSystem: T, organisation: O }
gateways: [ { name: lo, host: 127.0.0.1 } ]
flows: [ { name: web, protocol: https, port: 443 } ]
snmp: { port: ${agent.port} }
`,
    );
    const started = performance.now();
    const code = await new Promise<number | null>((done) => {
      const args = [
        join(root, 'bin/cocoscan-from-source.js'),
        'check',
        join(dir, 'connection.yaml'),
        '--profile',
        join(dir, 'profile.yaml'),
        '--out',
        join(dir, 'out'),
        '--no-progress',
        '--no-history',
      ];
      execFile(process.execPath, args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (error) => {
        done(error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0);
      });
    });
    return { seconds: (performance.now() - started) / 1000, walkRequests: agent.walkRequests(), code };
  } finally {
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSnmpLoop(line: (name: string, value: string, target: string) => void): Promise<void> {
  const loop = await timeCheck('same-oid-exception');
  // Exit 1 is the verdict (a default community answered); anything else means the check did not finish.
  if (loop.code !== 1) throw new Error(`the check against the looping agent ended with exit code ${loop.code}`);
  line(
    'snmp-loop-check',
    `${loop.seconds.toFixed(1)} s`,
    `target ≤ 120 s; ${loop.walkRequests} walk request(s) to an agent repeating the same OID with noSuchInstance`,
  );
  const endless = await timeCheck('endless');
  line(
    'snmp-endless-walk-check',
    `${endless.seconds.toFixed(1)} s`,
    `reference: ${endless.walkRequests} walk requests to an agent with an endless increasing table (walkMaxRequests)`,
  );
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename);
if (invokedDirectly) {
  await benchSnmpLoop((name, value, target) => process.stdout.write(`${name}: ${value} (${target})\n`));
}
