/**
 * `npm run demo`: starts a small demo gateway on 127.0.0.1 (in-process servers: a declared HTTPS flow,
 * a declared SSH flow and an undeclared "admin console"), checks it with the real CLI and real nmap,
 * and says where the report is. The gateway is non-compliant on purpose: no firewall, one stray port.
 * `npm run demo -- --profile cyber-essentials` checks the same gateway against another built-in profile.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server, Socket } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { main } from '../src/cli/main.ts';

const root = resolve(import.meta.dirname, '..');
const outRoot = join(root, 'demo-out');
const PREFERRED = { https: 47443, ssh: 47422, admin: 47480 };
const BLOCK = '47400-47499';

function certificate(dir: string): { key: Buffer; cert: Buffer } {
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
  return { key: readFileSync(join(dir, 'demo.key')), cert: readFileSync(join(dir, 'demo.crt')) };
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
  const hostKey = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const ssh = track(
    new ssh2.Server({ hostKeys: [hostKey], ident: 'AcmeGateway_2.1' }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => ctx.reject(['publickey', 'password']));
    }),
  );
  const ports = {
    https: await listen(https, PREFERRED.https),
    ssh: await listen(ssh, PREFERRED.ssh),
    admin: await listen(admin, PREFERRED.admin),
  };
  const inBlock = Object.entries(ports).every(([name, port]) => port === PREFERRED[name as keyof typeof PREFERRED]);
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([https, admin, ssh].map((s) => new Promise((done) => s.close(done))));
  };
  return { ports, tcpPorts: inBlock ? BLOCK : Object.values(ports).join(','), stop };
}

const work = join(outRoot, 'gateway');
rmSync(work, { recursive: true, force: true });
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
const args = ['check', connectionFile, '--out', out, ...(profile ? ['--profile', profile] : [])];
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
