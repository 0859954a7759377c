import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import pLimit from 'p-limit';
import { auditSshEndpoint } from '../../src/ssh/audit-endpoint.ts';
import { kexinitPayload, packet, MAX_PACKET } from '../../src/ssh/wire.ts';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { MAX_SSH_EVIDENCE_BYTES } from '../../src/ssh/evidence-summary.ts';
import { readArtefact } from '../../src/evidence-store.ts';
import { MADE_UP_HOST_KEY_ALGORITHMS, hostileKexinit, startHostileSsh } from '../helpers/hostile-ssh.ts';
import { ed25519KeyBlob, hostCertificate, rsaKeyFields } from '../helpers/ssh-certificate.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function rawServer(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

const DEFAULT_TIMEOUT_MS = 1500;
/**
 * A wall-clock bound for a loaded 2-core CI machine: a multiple of the configured timeout plus slack, far below
 * what an unbounded read would take (minutes or forever). The tight assertions are on counts, not on time.
 */
const withinBound = (timeoutMs: number) => timeoutMs * 3 + 3000;

const audit = (port: number, timeoutMs = DEFAULT_TIMEOUT_MS) =>
  auditSshEndpoint({ host: '127.0.0.1', port }, { timeoutMs, limit: pLimit(4), signal: new AbortController().signal });

describe('SSH probe against hostile servers: an error within the timeout, never a hang or a pass', () => {
  it('a garbage identification', async () => {
    const port = await rawServer((socket) => socket.write('SSH-9.9-\u0000\u0001<script>\r\n'));
    const facts = await audit(port);
    expect(facts.helloError).toMatch(/unusable identification string/);
  });

  it('endless banner lines before any identification', async () => {
    const port = await rawServer((socket) => {
      const timer = setInterval(() => socket.write('Welcome to the gateway, authorised users only\r\n'), 1);
      socket.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const facts = await audit(port);
    expect(facts.helloError).toMatch(/over 50 lines without an SSH identification/);
    expect(Date.now() - started).toBeLessThan(withinBound(DEFAULT_TIMEOUT_MS));
  });

  it('an endless line', async () => {
    const port = await rawServer((socket) => socket.write('x'.repeat(100_000)));
    expect((await audit(port)).helloError).toMatch(/line of over 255 bytes/);
  });

  it('a disconnect in the middle of KEXINIT', async () => {
    const port = await rawServer((socket) => {
      const kexinit = packet(
        kexinitPayload({
          kex: ['curve25519-sha256'],
          hostKey: ['ssh-ed25519'],
          encryption: ['aes128-ctr'],
          mac: ['hmac-sha2-256'],
          compression: ['none'],
        }),
      );
      socket.end(Buffer.concat([Buffer.from('SSH-2.0-Hostile_1.0\r\n'), kexinit.subarray(0, 40)]));
    });
    expect((await audit(port)).helloError).toMatch(/closed the connection before the key exchange/);
  });

  it('a packet length beyond what SSH allows', async () => {
    const port = await rawServer((socket) =>
      socket.write(Buffer.concat([Buffer.from('SSH-2.0-Hostile_1.0\r\n'), Buffer.from([0x7f, 0xff, 0xff, 0xff, 4])])),
    );
    expect((await audit(port)).helloError).toMatch(/claims 2147483647 bytes/);
  });

  it('silence after connect', async () => {
    const port = await rawServer(() => undefined);
    const started = Date.now();
    expect((await audit(port, 800)).helloError).toMatch(
      /accepted the connection but sent nothing within 0\.8 s \(scan\.probeTimeoutSeconds\)/,
    );
    expect(Date.now() - started).toBeLessThan(withinBound(800));
  });

  it('a server that lets an unknown user in with no authentication is reported as offering "none"', async () => {
    const hostKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
      client.on('authentication', (ctx) => ctx.accept());
      client.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const facts = await audit((server.address() as { port: number }).port, 5000);
    expect(facts.hello?.ident).toMatch(/^SSH-2\.0-/);
    expect(facts.auth).toMatchObject({ ok: true, methods: ['none'] });
    expect(facts.hostKeys.map((k) => `${k.type}/${k.bits}`)).toEqual(['ssh-rsa/2048']);
  });
});

describe('SSH probe against a KEXINIT of 340 made-up host-key algorithms', () => {
  it('is about 34 KB, just under the packet limit', () => {
    const size = hostileKexinit().length;
    expect(size).toBeGreaterThan(33_000);
    expect(size).toBeLessThan(MAX_PACKET);
  });

  it('opens one connection per known key family, not one per offered algorithm, and says which it skipped', async () => {
    const servers = await startHostileSsh(1, { knownHostKeys: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] });
    closers.push(() => servers.close());
    const port = servers.ports[0]!;
    const started = Date.now();
    const facts = await audit(port, 600);
    // Hello, ssh-ed25519, one RSA key, the authentication question: four connections.
    expect(servers.connections.get(port)).toBe(4);
    expect(facts.connections).toBe(4);
    expect(facts.hostKeyPlan?.queries).toEqual(['ssh-ed25519', 'rsa-sha2-512']);
    expect(facts.hostKeyPlan?.unknown).toHaveLength(MADE_UP_HOST_KEY_ALGORITHMS);
    // The server never answers the key exchange: each host-key connection ends at its deadline with a reason to act on.
    expect(facts.hostKeyErrors).toHaveLength(2);
    for (const reason of facts.hostKeyErrors)
      expect(reason).toMatch(/did not finish its part of the key exchange within 0\.6 s \(scan\.probeTimeoutSeconds\)/);
    expect(Date.now() - started).toBeLessThan(withinBound(600));
  });

  it('stops opening connections once the per-port time budget is spent', async () => {
    const families = [
      'ssh-ed25519',
      'ssh-ed448',
      'rsa-sha2-512',
      'ssh-dss',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
    ];
    const servers = await startHostileSsh(1, { knownHostKeys: families, madeUp: 0 });
    closers.push(() => servers.close());
    const started = Date.now();
    // One connection at a time, 500 ms each, 1.6 s in all: the hello and three stalled key fetches at most.
    const facts = await auditSshEndpoint(
      { host: '127.0.0.1', port: servers.ports[0]! },
      { timeoutMs: 500, budgetMs: 1600, limit: pLimit(1), signal: new AbortController().signal },
    );
    const elapsed = Date.now() - started;
    expect(facts.hostKeyPlan?.queries).toHaveLength(7);
    expect(facts.connections).toBeLessThanOrEqual(5);
    expect(facts.hostKeyErrors.filter((r) => /time budget of 1\.6 s .* was used up/.test(r)).length).toBeGreaterThanOrEqual(3);
    expect(facts.auth).toMatchObject({ ok: false, reason: expect.stringMatching(/time budget/) });
    // The budget plus one connection's timeout, with slack; the connection count above is the tight check.
    expect(elapsed).toBeLessThan(1600 + withinBound(500));
  });

  it('an x509v3-sign-rsa key sent in the key-exchange reply is an error naming the type, never "0 bits"', async () => {
    const servers = await startHostileSsh(1, { knownHostKeys: ['ssh-ed25519'], madeUp: 0, behaviour: 'x509' });
    closers.push(() => servers.close());
    const facts = await audit(servers.ports[0]!, 2000);
    expect(facts.hostKeys).toEqual([]);
    expect(facts.hostKeyErrors).toEqual([
      expect.stringMatching(/host key of type x509v3-sign-rsa \(SHA256:[A-Za-z0-9+/]{43}\), whose size cocoscan cannot read/),
    ]);
  });

  it('a server that trickles one byte at a time hits the deadline', async () => {
    const port = await rawServer((socket) => {
      const bytes = Buffer.concat([Buffer.from('SSH-2.0-Slow_1.0\r\n'), hostileKexinit({ madeUp: 10 })]);
      let at = 0;
      const timer = setInterval(() => socket.write(bytes.subarray(at, ++at)), 20);
      socket.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const facts = await audit(port, 1000);
    expect(facts.helloError).toMatch(/sent its identification but no key-exchange packet within 1 s/);
    expect(Date.now() - started).toBeLessThan(withinBound(1000));
  });

  it('20 hostile ports through the SSH probe: evidence at most 64 KB per port and marked truncated, findings a few KB, errors not passes', async () => {
    const servers = await startHostileSsh(20, { knownHostKeys: ['ssh-ed25519', 'x509v3-sign-rsa'] });
    closers.push(() => servers.close());
    const connection = connectionFileSchema.parse({
      connection: { name: 'hostile', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
      gateways: [{ name: 'hostile-gw', host: '127.0.0.1' }],
      flows: servers.ports.map((port, i) => ({ name: `ssh${i}`, protocol: 'ssh', port })),
      scan: { tcpPorts: '22', probeTimeoutSeconds: 1, connectionsPerHost: 32 },
    });
    const profile = await loadProfile();
    const started = Date.now();
    const { report, artefacts } = await runCheck({
      connection,
      profile: { ...profile, probes: profile.probes.filter((p) => p.meta.id === 'ssh') },
      privileged: false,
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    const files = artefacts.filter((a) => /\/ssh-\d+\.json$/.test(a.path));
    expect(files).toHaveLength(20);
    for (const file of files) {
      expect(file.bytes).toBeLessThanOrEqual(MAX_SSH_EVIDENCE_BYTES);
      const summary = JSON.parse(readArtefact(file).toString('utf8')) as { truncated?: boolean; kexinitOmitted?: { hostKey?: number } };
      expect(summary.truncated).toBe(true);
      expect(summary.kexinitOmitted?.hostKey).toBe(MADE_UP_HOST_KEY_ALGORITHMS + 2 - 64);
    }
    const ssh = report.findings.filter((f) => f.probe === 'ssh');
    expect(ssh).toHaveLength(20 * 9);
    for (const finding of ssh) expect(JSON.stringify(finding).length).toBeLessThan(6 * 1024);
    const hostKeys = ssh.filter((f) => f.id === 'ssh.host-keys');
    expect(hostKeys.every((f) => f.status === 'error')).toBe(true);
    expect(hostKeys[0]!.message).toMatch(/341 offered host-key algorithm\(s\) cocoscan does not know.*x509v3-sign-rsa.*… and 336 more/);
    const warnings = ssh.find((f) => f.id === 'ssh.algorithm-warnings')!;
    expect(warnings.status).toBe('fail');
    expect(warnings.message).toMatch(/341 algorithm\(s\) not in cocoscan's table.*… and 336 more/);
  }, 30_000);
});

describe('SSH host certificates and security keys are read, never left out of the verdict', () => {
  const sshOnly = async (ports: number[]) => {
    const connection = connectionFileSchema.parse({
      connection: { name: 'certs', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
      gateways: [{ name: 'cert-gw', host: '127.0.0.1' }],
      flows: ports.map((port, i) => ({ name: `ssh${i}`, protocol: 'ssh', port })),
      scan: { tcpPorts: '22', probeTimeoutSeconds: 2 },
    });
    const profile = await loadProfile();
    const { report } = await runCheck({
      connection,
      profile: { ...profile, probes: profile.probes.filter((p) => p.meta.id === 'ssh') },
      privileged: false,
    });
    return report.findings.find((f) => f.id === 'ssh.host-keys')!;
  };

  it('Ed25519 plus an RSA certificate carrying a 1024-bit key fails, naming the certificate key', async () => {
    const certificate = 'rsa-sha2-512-cert-v01@openssh.com';
    const servers = await startHostileSsh(1, {
      knownHostKeys: ['ssh-ed25519', certificate],
      madeUp: 0,
      behaviour: 'keys',
      hostKeyBlobs: new Map([
        ['ssh-ed25519', ed25519KeyBlob()],
        [certificate, hostCertificate('ssh-rsa-cert-v01@openssh.com', rsaKeyFields(1024))],
      ]),
    });
    closers.push(() => servers.close());
    const facts = await audit(servers.ports[0]!);
    expect(facts.hostKeyPlan?.queries).toEqual(['ssh-ed25519', certificate]);
    expect(facts.hostKeys.map((k) => `${k.type}/${k.keyType}/${k.bits}`)).toEqual([
      'ssh-ed25519/ssh-ed25519/256',
      'ssh-rsa-cert-v01@openssh.com/ssh-rsa/1024',
    ]);
    const finding = await sshOnly(servers.ports);
    expect(finding.status).toBe('fail');
    expect(finding.message).toMatch(/RSA certificate key \(ssh-rsa-cert-v01@openssh\.com\) of 1024 bits/);
  }, 30_000);

  it('a certificate whose key the server never sends is an error naming it, not a pass on the Ed25519 key alone', async () => {
    const servers = await startHostileSsh(1, {
      knownHostKeys: ['ssh-ed25519', 'rsa-sha2-256-cert-v01@openssh.com'],
      madeUp: 0,
      behaviour: 'keys',
      hostKeyBlobs: new Map([['ssh-ed25519', ed25519KeyBlob()]]),
    });
    closers.push(() => servers.close());
    const finding = await sshOnly(servers.ports);
    expect(finding.status).toBe('error');
    expect(finding.message).toMatch(/rsa-sha2-256-cert-v01@openssh\.com: .*did not finish its part of the key exchange/);
  }, 30_000);
});
