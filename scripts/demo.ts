/**
 * `npm run demo`: starts a small demo gateway on 127.0.0.1 (in-process servers: a declared HTTPS flow,
 * a declared SSH flow and an undeclared "admin console"), checks it with the real CLI and real nmap,
 * and says where the report is. The gateway is non-compliant on purpose: no firewall, one stray port.
 * `npm run demo -- --profile cyber-essentials` checks the same gateway against another built-in profile.
 * Its runs go to a history of their own (demo-out/history), never the user's; the gateway keeps its keys,
 * certificate and ports from one demo to the next, so a second run compares with the first and finds no change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server, Socket } from 'node:net';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { main } from '../src/cli/main.ts';

const root = resolve(import.meta.dirname, '..');
// COCOSCAN_DEMO_OUT: another folder for the demo's files (the test of the demo uses a temporary one).
const outRoot = resolve(process.env.COCOSCAN_DEMO_OUT ?? join(root, 'demo-out'));
const PREFERRED = { https: 47443, ssh: 47422, admin: 47480 };
const BLOCK = '47400-47499';

/** The demo gateway's TLS key and certificate: made once, and again only when it is due to expire within a week. */
function certificate(dir: string): { key: Buffer; cert: Buffer } {
  const certFile = join(dir, 'demo.crt');
  const fresh =
    existsSync(certFile) && new Date(new X509Certificate(readFileSync(certFile)).validTo).getTime() > Date.now() + 7 * 86_400_000;
  if (!fresh) makeCertificate(dir);
  return { key: readFileSync(join(dir, 'demo.key')), cert: readFileSync(certFile) };
}

/** The demo SSH service's host key, kept: a new key on every demo would be a change (the host key changed). */
function sshHostKey(dir: string): string {
  const file = join(dir, 'ssh-host.key');
  if (!existsSync(file)) {
    const key = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    writeFileSync(file, key, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

function makeCertificate(dir: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-sha256',
      '-days',
      '30',
      '-keyout',
      join(dir, 'demo.key'),
      '-out',
      join(dir, 'demo.crt'),
      '-subj',
      '/CN=demo-gateway',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
}

const sockets = new Set<Socket>();
function track(server: Server): Server {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return server;
}

async function listen(server: Server, preferred: number): Promise<number> {
  const attempt = (port: number) =>
    new Promise<number>((done, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => done((server.address() as { port: number }).port));
    });
  try {
    return await attempt(preferred);
  } catch {
    return attempt(0);
  }
}

async function startGateway(dir: string) {
  const tls = certificate(dir);
  const https = track(createHttpsServer(tls, (_req, res) => res.end('case sync endpoint\n')));
  const admin = track(createHttpServer((_req, res) => res.end('Acme gateway admin console\n')));
  // An SSH service that still offers password log-on: the SSH probe should say so.
  const hostKey = sshHostKey(dir);
  const ssh = track(
    new ssh2.Server({ hostKeys: [hostKey], ident: 'AcmeGateway_2.1' }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => ctx.reject(['publickey', 'password']));
    }),
  );
  // The ports of the previous demo first (when the preferred ones were taken, another port is a change too).
  const portsFile = join(dir, 'ports.json');
  const previous = existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as typeof PREFERRED) : PREFERRED;
  const ports = {
    https: await listen(https, previous.https),
    ssh: await listen(ssh, previous.ssh),
    admin: await listen(admin, previous.admin),
  };
  writeFileSync(portsFile, JSON.stringify(ports));
  const inBlock = Object.entries(ports).every(([name, port]) => port === PREFERRED[name as keyof typeof PREFERRED]);
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([https, admin, ssh].map((s) => new Promise((done) => s.close(done))));
  };
  return { ports, tcpPorts: inBlock ? BLOCK : Object.values(ports).join(','), stop };
}

const work = join(outRoot, 'gateway');
mkdirSync(work, { recursive: true });
const gateway = await startGateway(work);
const connectionFile = join(outRoot, 'connection.yaml');
writeFileSync(
  connectionFile,
  `# Written by npm run demo: the demo gateway on 127.0.0.1.
connection:
  name: demo-acme
  connectedSystem: Case Management System
  connectingSystem: Acme Case Portal (demo)
  organisation: Acme Ltd
  scope: The demo gateway on 127.0.0.1 and the services it exposes
gateways:
  - name: demo-gw
    host: 127.0.0.1
flows:
  - name: case-sync
    protocol: https
    port: ${gateway.ports.https}
  - name: admin-ssh
    protocol: ssh
    port: ${gateway.ports.ssh}
onwardConnections:
  - name: nightly-backup
    description: Encrypted nightly backup of the case portal database to Acme's own data centre
scan:
  tcpPorts: "${gateway.tcpPorts}"
`,
);

const profileAt = process.argv.indexOf('--profile');
const profile = profileAt > 0 ? process.argv[profileAt + 1] : undefined;
const out = join(outRoot, profile ? `report-${profile.replace(/[^a-zA-Z0-9_-]+/g, '_')}` : 'report');
// The demo's runs are kept in a history of their own, never in the user's (--history there, not $COCOSCAN_HISTORY).
const history = join(outRoot, 'history');
const args = ['check', connectionFile, '--out', out, '--history', history, ...(profile ? ['--profile', profile] : [])];
process.stderr.write(
  `Demo gateway on 127.0.0.1: https ${gateway.ports.https}, ssh ${gateway.ports.ssh} (declared), admin console ${gateway.ports.admin} (not declared)\n`,
);
process.stderr.write(`Running: cocoscan ${args.join(' ')}\n\n`);
let code: number;
try {
  code = await main(['node', 'cocoscan', ...args]);
} finally {
  await gateway.stop();
}
if (code === 0 || code === 1 || code === 4) {
  process.stdout.write(
    `\nThe demo gateway is non-compliant on purpose (no firewall, an undeclared admin console), so the check exited ${code}.\n` +
      `Open ${join(out, 'report.html')} in a browser; statement.md, report.json and evidence/ are beside it.\n`,
  );
  process.exitCode = 0;
} else {
  process.stderr.write(`\nThe demo check failed with exit code ${code}; see the message above.\n`);
  process.exitCode = code;
}
