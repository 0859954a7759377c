import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';

function hasNmap(): boolean {
  try {
    execFileSync('nmap', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const nmapPresent = hasNmap();
if (!nmapPresent) console.warn('[local] skipping loopback tests: nmap is not installed (.ci/run installs it)');

const sockets = new Set<Socket>();

/**
 * A banner that tries markup, Markdown links and images, terminal escapes (OSC 8 link, CSI, C1 CSI) and a bidi
 * override. It speaks no protocol nmap knows, so light version detection keeps it in the service fingerprint (a
 * "220 … ESMTP" greeting is named smtp, and nmap then keeps none of it).
 */
const BANNER =
  '<script>alert("owned")</script> [x](http://evil) ![i](http://evil/p.png) ' +
  '\u001b]8;;http://evil\u0007link\u001b]8;;\u0007 \u001b[2J \u009b31m \u202eydaer ready\r\n';
/** ESC, other C0 controls but LF, DEL, C1 controls and bidirectional controls. */
const HIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

async function listen(handler: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe.skipIf(!nmapPresent)('real nmap against in-process hostile services on 127.0.0.1', () => {
  const servers: Server[] = [];
  let bannerPort = 0;
  let declaredPort = 0;

  beforeAll(async () => {
    // An undeclared service whose banner is markup: it must reach the report only as text.
    const hostile = await listen((socket) => {
      socket.on('error', () => undefined);
      socket.end(BANNER);
    });
    // The declared "ssh" flow answers with an SSH banner.
    const ssh = await listen((socket) => {
      socket.on('error', () => undefined);
      socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
      setTimeout(() => socket.destroy(), 2000);
    });
    servers.push(hostile.server, ssh.server);
    bannerPort = hostile.port;
    declaredPort = ssh.port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('names the undeclared port, escapes its banner in HTML and Markdown, and keeps it in the evidence', async () => {
    const dir = await tempDir();
    const file = await writeConnection(
      dir,
      `connection: { name: hostile, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways: [ { name: lo, host: 127.0.0.1 } ]
flows: [ { name: admin, protocol: ssh, port: ${declaredPort} } ]
scan: { tcpPorts: "${bannerPort},${declaredPort}", udpTopPorts: 0 }
`,
    );
    const out = join(dir, 'out');
    const result = await runCli(['check', file, '--out', out]);
    expect(result.code).toBe(1);
    // The terminal summary and anything on stderr carry no escape sequence or bidi control from the banner.
    expect(result.stdout).toContain('Automated rows:');
    expect(result.stdout).not.toMatch(HIDDEN);
    expect(result.stderr).not.toMatch(HIDDEN);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
    const undeclared = report.findings.find((f) => f.id === 'exposure.undeclared-port' && f.status === 'fail');
    expect(undeclared?.target.port).toBe(bannerPort);
    expect(report.findings.find((f) => f.id === 'exposure.protocol-match')?.status).toBe('pass');
    expect(report.rows.find((r) => r.ref === 'CoCo-8')?.comment).toContain(`${bannerPort}/tcp`);

    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script>alert');
    const md = await readFile(join(out, 'statement.md'), 'utf8');
    // Raw excerpts sit in fenced code blocks, where Markdown shows text; everywhere else markup is escaped.
    const outsideFences = md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, '');
    expect(outsideFences).not.toContain('<script>');
    // The only links are the table of contents' own, to headings of the page (`](#…)`).
    expect(outsideFences).not.toMatch(/(^|[^\\])!?\[[^\]]*\]\((?!#[a-z0-9-]+\))/);
    expect(outsideFences).toContain('](#');
    expect(outsideFences).not.toMatch(/https?:\/\//);
    expect(md).not.toMatch(HIDDEN);
    expect(html).not.toMatch(HIDDEN);
    expect(md).toMatch(/^`{3,}text\n.*<script>alert/m);
    const xml = await readFile(join(out, `evidence/gateways/lo/nmap-sweep.xml`), 'utf8');
    expect(xml).toContain(`portid="${bannerPort}"`);
  });
});
