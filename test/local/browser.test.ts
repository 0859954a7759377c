import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
function available(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const ready = available(CHROMIUM, ['--version']) && available('nmap', ['--version']);
if (!ready) console.warn('[browser] skipping the headless Chromium test: needs Debian chromium and nmap (.ci/run installs them)');

describe.skipIf(!ready)('report.html in a real headless Chromium', () => {
  const sockets = new Set<Socket>();
  let server: Server;
  let browser: BrowserContext;
  let reportUrl: string;

  beforeAll(async () => {
    // An undeclared service whose banner carries a script: it must show as text and never run.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      // No protocol nmap knows, so its light version detection keeps the banner in the service fingerprint
      // (a "220 … ESMTP" greeting would be named smtp, and the banner would never reach the report).
      socket.end(
        '<script>window.__cocoscanPwned = 1; document.title = "pwned"</script> <a href="http://evil/">x</a> <img src="http://evil/p.png"> hello\r\n',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const dir = await tempDir();
    const file = await writeConnection(
      dir,
      `connection: { name: browser, mojSystem: Case Management System, thirdPartySystem: Acme Case Portal, organisation: Acme Ltd }
gateways: [ { name: lo, host: 127.0.0.1 } ]
flows: [ { name: web, protocol: https, port: 9 } ]
scan: { tcpPorts: "${port}", probeTimeoutSeconds: 2 }
snmp: { timeoutSeconds: 0.5 }
`,
    );
    const result = await runCli(['check', file, '--out', join(dir, 'out'), '--no-progress']);
    expect(result.code).toBe(1);
    reportUrl = pathToFileURL(join(dir, 'out', 'report.html')).href;
    // A fresh profile folder each run, and no background networking: this machine has no network to offer.
    browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'cocoscan-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('shows the summary and a failing row, and shows a hostile banner as text that never runs', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    });
    await page.goto(reportUrl);
    await expect.poll(() => page.locator('section.summary').isVisible()).toBe(true);
    expect(await page.locator('section.summary h2').innerText()).toBe('Summary');
    // The scorecard is the first thing after the header, above the summary and every list of findings.
    expect(await page.evaluate(() => document.querySelector('body > header')?.nextElementSibling?.id)).toBe('scorecard');
    const cardTop = (await page.locator('section.scorecard').boundingBox())!.y;
    expect(cardTop).toBeLessThan((await page.locator('section.summary').boundingBox())!.y);
    const cardLine = page.locator('section.scorecard tr', { has: page.locator('td', { hasText: /^CoCo-8$/ }) });
    expect(await cardLine.locator('.compliance').innerText()).toBe('No');
    expect(await cardLine.locator('td').last().innerText()).toMatch(/^lo: Undeclared port \d+\/tcp is open/);
    // The ports swept are drawn, inline, under the page's content-security policy.
    const ports = page.locator('svg.ports').first();
    expect(await ports.isVisible()).toBe(true);
    expect((await ports.boundingBox())!.width).toBeGreaterThan(100);
    expect(await page.locator('svg.ports rect').count()).toBeGreaterThan(0);
    // So is the verdict timeline of the history (this run its only column), each cell with its letter.
    const timeline = page.locator('svg.timeline');
    expect(await timeline.isVisible()).toBe(true);
    expect((await timeline.boundingBox())!.width).toBeGreaterThan(100);
    expect(await page.locator('svg.timeline text').filter({ hasText: /^N$/ }).count()).toBeGreaterThan(0);
    expect(blocked).toEqual([]);
    expect(await page.locator('p.marking').first().innerText()).toBe('OFFICIAL');
    const coco8 = page.locator('table.statement tr', { has: page.locator('td', { hasText: /^CoCo-8$/ }) });
    expect(await coco8.isVisible()).toBe(true);
    expect(await coco8.locator('.compliance').innerText()).toBe('No');
    // nmap keeps the banner in its service fingerprint, with its own escaping (\x20 for spaces).
    const banner = page.locator('pre', { hasText: '<script>window' }).first();
    expect(await banner.isVisible()).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __cocoscanPwned?: number }).__cocoscanPwned)).toBeUndefined();
    expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(0);
    // The banner's link and image are text too: no element points outside the page.
    expect(await page.evaluate(() => document.querySelectorAll('img, iframe, object, embed, a[href]:not([href^="#"])').length)).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    expect(dialogs).toEqual([]);
    // And it prints: a PDF comes out of the print layout.
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });
});
