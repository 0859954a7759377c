/**
 * What the package tests (test/package/) share: commands run as a user types them, and the demo gateway, smaller
 * (a declared HTTPS flow and an undeclared "admin console" on 127.0.0.1) with a connection file for it.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** npm run from inside `npm test` would inherit its npm_* settings; the commands here run as a user types them. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, ...extra };
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? userEnv(),
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, stdout, stderr: stderr || (error && code === null ? error.message : '') });
      },
    );
  });
}

export async function succeed(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

export interface PackageGateway {
  ports: { https: number; admin: number };
  /** A connection file for the gateway, in the folder given to startGateway. */
  connectionFile: string;
  stop: () => Promise<void>;
}

/** The demo's gateway, smaller: a declared HTTPS flow and an undeclared "admin console", both on 127.0.0.1. */
export async function startGateway(dir: string): Promise<PackageGateway> {
  const key = join(dir, 'gw.key');
  const cert = join(dir, 'gw.crt');
  await succeed(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256', '-days', '30'].concat([
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=package-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { timeoutMs: 20_000 },
  );
  const sockets = new Set<Socket>();
  const track = (server: Server) =>
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
  const https = track(
    createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => res.end('case sync endpoint\n')),
  );
  const admin = track(createHttpServer((_req, res) => res.end('Acme gateway admin console\n')));
  const listen = (server: Server) =>
    new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
  const ports = { https: await listen(https), admin: await listen(admin) };
  const connectionFile = join(dir, 'connection.yaml');
  await writeFile(
    connectionFile,
    `connection:
  name: package-demo
  connectedSystem: Case Management System
  connectingSystem: Acme Case Portal (package test)
  organisation: Acme Ltd
gateways:
  - name: demo-gw
    host: 127.0.0.1
flows:
  - name: case-sync
    protocol: https
    port: ${ports.https}
scan:
  tcpPorts: "${ports.https},${ports.admin}"
  udpTopPorts: 0
`,
  );
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([https, admin].map((server) => new Promise((done) => server.close(done))));
  };
  return { ports, connectionFile, stop };
}
