import { generateKeyPairSync } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { HOST_COMMANDS } from '../../src/host/commands.ts';
import {
  COMMAND_PROBE_TIMEOUTS,
  MAX_COMMAND_OUTPUT_BYTES,
  SESSION_BUDGET_PROBE_TIMEOUTS,
  collectHostSession,
} from '../../src/host/session.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { ed25519Key } from '../helpers/ssh-gateway.ts';

/**
 * An SSH server in the test process that lets anyone log in and then misbehaves on every command:
 * `silent` never answers the exec request, `open` accepts it and then sends nothing and never closes,
 * `flood` sends more than the output cap and exits 0.
 */
async function hostileGateway(behaviour: 'silent' | 'open' | 'flood', onExec: () => void = () => undefined) {
  const server = new ssh2.Server({ hostKeys: [ed25519Key()] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('session', (accept) => {
      const session = accept();
      session.on('exec', (acceptExec) => {
        onExec();
        if (behaviour === 'silent') return;
        const stream = acceptExec();
        if (behaviour === 'open') return;
        const block = Buffer.alloc(256 * 1024, 'x\n');
        let sent = 0;
        const pump = () => {
          while (sent < MAX_COMMAND_OUTPUT_BYTES + 1024 * 1024) {
            sent += block.length;
            if (!stream.write(block)) return void stream.once('drain', pump);
          }
          stream.exit(0);
          stream.end();
        };
        pump();
      });
    });
  });
  const sockets = new Set<Socket>();
  const listener = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => listener.close(resolve));
  });
  return (listener.address() as { port: number }).port;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function keyFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-host-session-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'id_rsa');
  await writeFile(
    path,
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    { mode: 0o600 },
  );
  return path;
}

const gatewayAt = async (port: number) => ({
  name: 'stalling-gw',
  host: '127.0.0.1',
  ssh: { username: 'audit', port, privateKeyFile: await keyFile(), agent: false, sudo: false },
  agentReports: [{ remotePath: '/var/lib/cocoscan/report.json' }],
});

describe('authenticated SSH collection against a gateway that logs in and then stalls', () => {
  it('ends within the session budget: every command a timeout with its reason, never a hang of minutes', async () => {
    const port = await hostileGateway('silent');
    const timeoutMs = 400;
    const budgetMs = timeoutMs * SESSION_BUDGET_PROBE_TIMEOUTS;
    const signal = new AbortController().signal;
    // The gateway (and its key, made synchronously) is ready before the clock starts: only the session is timed.
    const gateway = await gatewayAt(port);
    const started = Date.now();
    const session = await collectHostSession(gateway, { timeoutMs, now: () => new Date(), signal });
    const elapsed = Date.now() - started;
    if (!session.ok) throw new Error(session.reason);
    const outcomes = [...Object.values(session.commands), ...Object.values(session.files)];
    // The sshd reading adds the session's connection, the listeners, the plain sshd -T and one sshd -T -C for the audit user.
    expect(outcomes).toHaveLength(HOST_COMMANDS.length + 4 + 1);
    expect(outcomes.every((o) => o.status === 'timeout')).toBe(true);
    // At most the budget's worth of commands waited; the rest were not even started.
    const waited = outcomes.filter((o) => /no complete answer within/.test(o.stderr));
    expect(waited.length).toBeLessThanOrEqual(Math.ceil(SESSION_BUDGET_PROBE_TIMEOUTS / COMMAND_PROBE_TIMEOUTS) + 1);
    expect(
      outcomes.filter((o) => /time budget of 3\.2 s \(8 × scan\.probeTimeoutSeconds\) was used up/.test(o.stderr)).length,
    ).toBeGreaterThan(HOST_COMMANDS.length - 5);
    // The old collection waited timeout × 3 for each of the 30: 36 s. Log-in plus the budget, with slack for a loaded machine.
    expect(elapsed).toBeLessThan(budgetMs + timeoutMs * 3 + 5000);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  }, 30_000);

  it('a cancelled run stops the command it is waiting on at once', async () => {
    const controller = new AbortController();
    const port = await hostileGateway('open', () => controller.abort());
    const gateway = await gatewayAt(port);
    const started = Date.now();
    // Each command could wait 3 × 20 s; the abort comes with the first command.
    const session = await collectHostSession(gateway, { timeoutMs: 20_000, now: () => new Date(), signal: controller.signal });
    if (!session.ok) throw new Error(session.reason);
    expect(session.commands['os-release']).toMatchObject({ status: 'timeout', stderr: expect.stringMatching(/the run was cancelled/) });
    expect(Object.values(session.commands).every((o) => o.status === 'timeout')).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  }, 30_000);

  it('an output past the cap is truncated, never read as complete', async () => {
    const port = await hostileGateway('flood');
    const gateway = await gatewayAt(port);
    const session = await collectHostSession(
      { ...gateway, agentReports: [] },
      {
        timeoutMs: 5000,
        now: () => new Date(),
        signal: new AbortController().signal,
        budgetMs: 20_000,
      },
    );
    if (!session.ok) throw new Error(session.reason);
    const first = session.commands['os-release']!;
    expect(first.status).toBe('truncated');
    expect(Buffer.byteLength(first.stdout)).toBeLessThanOrEqual(MAX_COMMAND_OUTPUT_BYTES);
    expect(first.stderr).toMatch(/passed 4 MiB and was cut there/);
  }, 60_000);

  it('through the probes: host, anti-virus and patch findings are not_tested or error with the reason, none passes', async () => {
    const port = await hostileGateway('silent');
    const gateway = await gatewayAt(port);
    const connection = connectionFileSchema.parse({
      connection: { name: 'stall', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
      gateways: [{ ...gateway, ssh: { username: 'audit', port, privateKeyFile: gateway.ssh.privateKeyFile } }],
      flows: [{ name: 'admin', protocol: 'ssh', port }],
      scan: { tcpPorts: '22', probeTimeoutSeconds: 1 },
    });
    const profile = await loadProfile();
    const started = Date.now();
    const { report } = await runCheck({
      connection,
      profile: { ...profile, probes: profile.probes.filter((p) => ['host', 'antivirus', 'patch'].includes(p.meta.id)) },
      privileged: false,
    });
    // The old collection: 30 commands × 3 s. Now the budget of 8 s, with slack for the log-in and a loaded machine.
    expect(Date.now() - started).toBeLessThan(1000 * SESSION_BUDGET_PROBE_TIMEOUTS + 1000 * 3 + 8000);
    const findings = report.findings.filter((f) => ['host', 'antivirus', 'patch'].includes(f.probe));
    expect(findings.length).toBeGreaterThan(5);
    for (const finding of findings) {
      expect(['not_tested', 'error', 'not_applicable'], `${finding.id}: ${finding.status} ${finding.message}`).toContain(finding.status);
    }
    const host = findings.filter((f) => f.probe === 'host');
    // A check of flows restricted to given sources does not apply when no flow names its sources.
    const read = host.filter((f) => f.id !== 'host.flow-sources');
    expect(read.every((f) => f.status === 'not_tested' && /timeout/.test(f.message))).toBe(true);
    expect(host.find((f) => f.id === 'host.flow-sources')?.status).toBe('not_applicable');
  }, 60_000);
});
