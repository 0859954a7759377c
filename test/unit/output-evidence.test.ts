import { parseTestProfile } from '../helpers/test-profile.ts';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { EvidenceStore, readArtefact } from '../../src/evidence-store.ts';
import { verifyReportFolder } from '../../src/output/verify.ts';
import { renderReportFiles, writeReportFolder } from '../../src/output/write-report.ts';
import { runCheck } from '../../src/run-check.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';
import { tempDir } from '../helpers/cli.ts';

const EXPOSURE = parseTestProfile(
  `id: net
version: "1"
title: Exposure only
sections:
  - id: c
    title: C
    rows:
      - { ref: CoCo-8, title: Declared flows only, method: automated, decidedBy: [exposure.undeclared-port] }
`,
  'net.yaml',
);

describe('evidence layout', () => {
  it("gateways named like the layout's own files (each alone in its sweep, so each has its own sweep file) get folders of their own", async () => {
    const connection = connectionFileSchema.parse({
      connection: { name: 'layout', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
      gateways: [
        { name: 'manifest.sha256', host: '127.0.0.1' },
        { name: 'nmap-sweep.xml', host: '::1' },
      ],
      flows: [{ name: 'web', protocol: 'https', port: 443 }],
    });
    const { report, artefacts } = await runCheck({ connection, profile: EXPOSURE, exec: fakeNmap('open-gateway.xml'), privileged: true });
    const out = join(await tempDir(), 'report');
    await writeReportFolder(out, await renderReportFiles(report, artefacts));
    const paths = artefacts.map((a) => a.path);
    expect(paths).toContain('evidence/gateways/manifest.sha256/nmap-sweep.xml');
    expect(paths).toContain('evidence/gateways/nmap-sweep.xml/nmap-sweep.xml');
    const check = execFileSync('sha256sum', ['-c', 'evidence/manifest.sha256'], { cwd: out, encoding: 'utf8' });
    expect(check).toContain('evidence/gateways/manifest.sha256/nmap-sweep.xml: OK');
    expect(await verifyReportFolder(out)).toMatchObject({ ok: true, extra: [], missing: [], changed: [] });
  });

  it("refuses run-wide artefacts named like the folder's own files", () => {
    const store = new EvidenceStore();
    expect(() => store.add(['manifest.sha256'], 'x')).toThrow(/reserved/);
    expect(() => store.add(['Gateways'], 'x')).toThrow(/reserved/);
    expect(() => store.add(['..', 'x'], 'x')).toThrow(/unsafe/);
  });
});

describe('evidence caps', () => {
  it('a port-level artefact keeps 64 KiB and says it was cut', () => {
    const store = new EvidenceStore();
    const path = store.add(['gw', 'ssh-22.json'], 'A'.repeat(300_000));
    const [artefact] = store.list();
    expect(path).toBe('evidence/gateways/gw/ssh-22.json');
    expect(artefact!.bytes).toBeLessThan(64 * 1024 + 200);
    expect(readArtefact(artefact!).toString()).toMatch(
      /\[cocoscan: truncated: 65536 of 300000 bytes kept \(the cap of 65536 bytes per artefact\)\]\n$/,
    );
  });

  it('the run total is capped, whatever the number of artefacts', () => {
    const store = new EvidenceStore({ portArtefactBytes: 64 * 1024, artefactBytes: 1024 * 1024, totalBytes: 1024 * 1024 });
    for (let port = 1; port <= 500; port += 1) store.add(['gw', `ssh-${port}.json`], 'B'.repeat(100_000));
    // Past the cap only a one-line note per artefact is kept.
    expect(store.totalBytes).toBeLessThanOrEqual(1024 * 1024 + 500 * 200);
    expect(
      store
        .list()
        .filter((a) => a.bytes > 200)
        .reduce((n, a) => n + a.bytes, 0),
    ).toBeLessThanOrEqual(1024 * 1024);
    const last = store.list().find((a) => a.path.endsWith('/ssh-500.json'))!;
    expect(readArtefact(last).toString()).toMatch(/^\[cocoscan: not kept: the run's evidence reached its cap of 1048576 bytes/);
  });

  it('small artefacts are kept byte for byte', () => {
    const store = new EvidenceStore();
    store.add(['gw', 'tls-443.json'], '{"ok":true}');
    expect(readArtefact(store.list()[0]!).toString()).toBe('{"ok":true}');
  });
});
