import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../reports/html.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { HOSTILE_SHOWN, hostileReport } from '../helpers/hostile-report.ts';

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

/** A desktop window and a phone (an iPhone 12 to 15's CSS pixels). */
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'mobile', width: 390, height: 844 },
];
const MAX_SHOT_HEIGHT = 2400;

describe.skipIf(!ready)('report.html in a real headless Chromium', () => {
  const sockets = new Set<Socket>();
  let server: Server;
  let browser: BrowserContext;
  let reportUrl: string;
  let hostileUrl: string;
  let shots: string;

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
    // Hostile text in every string of a report, as a gateway or an input file might send it.
    await writeFile(join(dir, 'hostile.html'), renderHtml(await hostileReport()));
    hostileUrl = pathToFileURL(join(dir, 'hostile.html')).href;
    shots = process.env.COCOSCAN_SCREENSHOTS ?? (await mkdtemp(join(tmpdir(), 'cocoscan-screenshots-')));
    await mkdir(shots, { recursive: true });
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

  it.each(VIEWPORTS)(
    'lays out every section within a $name width ($width px): a screenshot of each, nothing wider than the page',
    async (viewport) => {
      for (const [kind, url] of [
        ['report', reportUrl],
        ['hostile', hostileUrl],
      ] as const) {
        const { page, problems } = await openPage(browser, viewport, url);
        const parts = await page.evaluate(() =>
          [...document.querySelectorAll('body > header, body > nav, body > section')].map((el) => el.id || el.tagName.toLowerCase()),
        );
        expect(parts.length, kind).toBeGreaterThanOrEqual(10);
        expect(await overflowing(page), `${kind} at ${viewport.name}`).toEqual([]);
        expect(problems, `${kind} at ${viewport.name}: console errors or blocked content`).toEqual([]);
        // Screenshots through a taller window of the same width (the layout depends on the width alone): each part
        // scrolled to the top, and a tall one (the evidence of every finding) shown from its top.
        await page.setViewportSize({ width: viewport.width, height: MAX_SHOT_HEIGHT });
        const written: string[] = [];
        for (const [index, part] of parts.entries()) {
          const locator = page.locator('body > header, body > nav, body > section').nth(index);
          await locator.evaluate((el) => el.scrollIntoView({ block: 'start' }));
          const box = (await locator.boundingBox())!;
          expect(box.width, `${kind} ${part} has a width`).toBeGreaterThan(0);
          const name = `${kind}-${viewport.name}-${String(index).padStart(2, '0')}-${part.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 40)}.png`;
          const top = Math.max(0, box.y);
          await page.screenshot({
            path: join(shots, name),
            clip: { x: box.x, y: top, width: box.width, height: Math.min(box.height, MAX_SHOT_HEIGHT - top) },
          });
          written.push(join(shots, name));
        }
        console.log(
          `[browser] ${kind} at ${viewport.width}x${viewport.height}: ${written.length} screenshots in ${shots}\n  ${written.join('\n  ')}`,
        );
        await page.close();
      }
    },
  );

  it('shows hostile text in every section as text: no element, attribute or link comes from the data', async () => {
    const { page, problems } = await openPage(browser, VIEWPORTS[0]!, hostileUrl);
    const parts = await page.evaluate(
      (shown) =>
        [...document.querySelectorAll('head > title, body > header, body > nav, body > section')].map((el) => ({
          part: el.id || el.tagName.toLowerCase(),
          shows: (el.textContent ?? '').includes(shown),
        })),
      HOSTILE_SHOWN,
    );
    expect(parts.length).toBeGreaterThanOrEqual(12);
    expect(parts.filter((p) => !p.shows)).toEqual([]);
    const injected = await page.evaluate(() => ({
      elements: document.querySelectorAll('script, img, iframe, object, embed, link, base, form, input, meta[http-equiv="refresh"]').length,
      styles: document.querySelectorAll('style').length,
      handlers: [...document.querySelectorAll('*')].flatMap((el) => el.getAttributeNames().filter((name) => name.startsWith('on'))),
      links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')!).filter((href) => !href.startsWith('#')),
      brokenLinks: [...document.querySelectorAll('a[href^="#"]')].filter((a) => !document.getElementById(a.getAttribute('href')!.slice(1)))
        .length,
      title: document.title,
      pwned: (window as unknown as { __cocoscanPwned?: number }).__cocoscanPwned,
    }));
    expect(injected).toMatchObject({ elements: 0, styles: 1, handlers: [], links: [], brokenLinks: 0, pwned: undefined });
    expect(injected.title).toContain(HOSTILE_SHOWN);
    expect(problems).toEqual([]);
    await page.close();
  });
});

/** A page at the viewport's size, with every console error, uncaught error and blocked load or dialog recorded. */
async function openPage(browser: BrowserContext, viewport: { width: number; height: number }, url: string) {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (request.url() !== url) problems.push(`request: ${request.url()}`);
  });
  await page.setViewportSize(viewport);
  await page.goto(url);
  return { page, problems };
}

/**
 * What sticks out of the page sideways: the page and each section scrolling wider than they are, and any element
 * (outside a table's own scroll box) whose right edge passes the window's.
 */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) found.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
    if (document.body.scrollWidth > document.body.clientWidth)
      found.push(`body: ${document.body.scrollWidth} > ${document.body.clientWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>('body > header, body > nav, body > section')) {
      if (el.scrollWidth > el.clientWidth) found.push(`${el.id || el.tagName}: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    for (const el of document.querySelectorAll('body *')) {
      if (el.closest('.scroll')) continue;
      const right = el.getBoundingClientRect().right;
      if (right > root.clientWidth + 0.5)
        found.push(`${el.tagName.toLowerCase()}.${el.className}: right edge ${Math.round(right)} > ${root.clientWidth}`);
      if (found.length > 20) break;
    }
    return found;
  });
}
