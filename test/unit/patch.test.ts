import { parseTestProfile } from '../helpers/test-profile.ts';
import { readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CocoscanError } from '../../src/errors.ts';
import { loadConnectionFile } from '../../src/connection/load.ts';
import type { CommandOutcome } from '../../src/host/commands.ts';
import type { Exec } from '../../src/exec.ts';
import { findRelease } from '../../src/patch/os-support.ts';
import * as patchParsers from '../../src/patch/parse.ts';
import {
  lastAptUpgrade,
  newestMtime,
  parseApkPending,
  parseAptUpgradable,
  parseDnfSecurityInfo,
  parseDnfSecurityList,
  parseOsRelease,
} from '../../src/patch/parse.ts';
import { runCheck } from '../../src/run-check.ts';
import { tempDir } from '../helpers/cli.ts';
import type { FindingIdOf } from '../../src/probe/contract.ts';
import type patchProbe from '../../probes/patch/index.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/patch/${name}`, import.meta.url), 'utf8');

describe('patch fact readers', () => {
  it('apt list --upgradable: security archive updates are told apart', () => {
    const updates = parseAptUpgradable(fixture('apt-upgradable-debian12.txt'));
    expect(updates.length).toBe(fixture('apt-upgradable-debian12.txt').trim().split('\n').length - 1);
    const apt = updates.find((u) => u.name === 'apt');
    expect(apt).toMatchObject({ origin: 'oldstable-security', version: '2.6.2', from: '2.6.1', security: true });
    expect(updates.find((u) => u.name === 'appstream')?.security).toBe(false);
  });

  it('dnf updateinfo list and info: advisories with severity and date', () => {
    const list = parseDnfSecurityList(fixture('dnf-updateinfo-list-rhel9.txt'));
    expect(list.map((u) => [u.name, u.advisory, u.severity])).toEqual([
      ['kernel', 'RHSA-2026:4321', 'Important'],
      ['kernel-core', 'RHSA-2026:4321', 'Important'],
      ['libxml2', 'RHSA-2026:5010', 'Moderate'],
      ['tzdata', 'RHSA-2026:5577', 'Low'],
    ]);
    const info = parseDnfSecurityInfo(fixture('dnf-updateinfo-info-rhel9.txt'));
    expect(info.get('RHSA-2026:4321')).toEqual({ issued: new Date('2026-10-02T09:14:21Z'), severity: 'Important' });
  });

  it('apk, os-release, apt lists and history', () => {
    expect(parseApkPending(fixture('apk-version-pending.txt')).map((u) => `${u.name} ${u.from} ${u.version}`)).toEqual([
      'busybox 1.36.1-r29 1.36.1-r31',
      'musl 1.2.5-r8 1.2.5-r9',
      'openssl 3.3.2-r1 3.3.3-r0',
    ]);
    expect(parseOsRelease(fixture('os-release-debian12.txt'))).toMatchObject({ id: 'debian', versionId: '12' });
    expect(parseOsRelease(fixture('os-release-rhel9.txt'))).toMatchObject({ id: 'rhel', versionId: '9.5' });
    expect(newestMtime(fixture('apt-lists-debian12.txt'))).toBeInstanceOf(Date);
    expect(
      lastAptUpgrade('Start-Date: 2026-11-22  08:55:58\nUpgrade: openssl:amd64 (3.0.19, 3.0.22)\nEnd-Date: 2026-11-22  08:56:07\n', 60),
    ).toEqual(new Date('2026-11-22T07:56:07Z'));
  });

  it('the support table knows the releases and their dates', () => {
    expect(findRelease('rhel', '9.5')?.supportEnds).toBe('2032-05-31');
    expect(findRelease('alpine', '3.20.3')?.name).toBe('Alpine Linux 3.20');
    expect(findRelease('debian', '12')?.extendedEnds).toBe('2028-06-30');
    expect(findRelease('plan9', '4')).toBeUndefined();
  });
});

const PROFILE = parseTestProfile(
  `id: coco11
version: "1"
title: CoCo-11 only
sections:
  - id: conditions
    title: Conditions
    rows:
      - ref: CoCo-11
        title: Patch regime
        method: automated
        decidedBy:
          - patch.overdue-updates
          - { finding: patch.undated-updates, onFail: Partial }
          - { finding: patch.package-lists, onFail: Partial, required: false }
          - { finding: patch.os-support, required: false }
          - { finding: patch.reboot-required, onFail: Note, required: false }
          - { finding: patch.service-banners, onFail: Note, required: false }
`,
  'coco11.yaml',
);

const NOW = '2026-11-22T12:00:00.000Z';

function outcome(name: string, stdout: string, status: CommandOutcome['status'] = 'ok'): CommandOutcome {
  return { name, command: name, status, exitCode: status === 'ok' ? 0 : 127, stdout, stderr: status === 'ok' ? '' : 'not found' };
}

async function checkWith(commands: CommandOutcome[] | undefined, others: { collectedAt: string; commands: CommandOutcome[] }[] = []) {
  const dir = await tempDir();
  const all = commands ? [{ collectedAt: '2026-11-22T11:50:00.000Z', commands }, ...others] : [];
  const reports = all.length > 0 ? `\n    agentReports: [ ${all.map((_, i) => `{ path: report${i}.json }`).join(', ')} ]` : '';
  for (const [i, { collectedAt, commands: given }] of all.entries()) {
    const report = {
      format: 'cocoscan-agent-report',
      version: 1,
      agentVersion: '0.1.0',
      host: 'gw',
      collectedAt,
      utcOffsetMinutes: 0,
      commands: Object.fromEntries(given.map((c) => [c.name, c])),
    };
    await writeFile(join(dir, `report${i}.json`), JSON.stringify(report));
  }
  await writeFile(
    join(dir, 'connection.yaml'),
    'connection: { name: p, mojSystem: M, thirdPartySystem: T, organisation: O }\ngateways:\n' +
      `  - name: gw\n    host: 127.0.0.1${reports}\nflows: [ { name: web, protocol: https, port: 443 } ]\n`,
  );
  const connection = await loadConnectionFile(join(dir, 'connection.yaml'));
  const { report } = await runCheck({ connection, profile: PROFILE, now: () => new Date(NOW) });
  return {
    row: report.rows[0]!,
    finding: (id: FindingIdOf<typeof patchProbe>) => report.findings.find((f) => f.id === id)!,
    observations: report.observations ?? [],
  };
}

const fresh = (seconds: number) => `${Math.floor(new Date(NOW).getTime() / 1000) - seconds} /var/cache/dnf/baseos/repodata/repomd.xml\n`;

describe('os-release families', () => {
  it('reads ID_LIKE from os-release', () => {
    expect(parseOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\n')?.idLike).toEqual(['ubuntu', 'debian']);
  });
});

describe('CoCo-11 from host facts (clock injected)', () => {
  it('a pending security update older than its window: No, naming the package and its age', async () => {
    const { row, finding, observations } = await checkWith([
      outcome('os-release', fixture('os-release-rhel9.txt')),
      outcome('dnf-security-list', fixture('dnf-updateinfo-list-rhel9.txt')),
      outcome('dnf-security-info', fixture('dnf-updateinfo-info-rhel9.txt')),
      outcome('dnf-lists', fresh(3600)),
      outcome('apt-upgradable', '', 'missing'),
    ]);
    expect(row.compliance).toBe('No');
    expect(finding('patch.overdue-updates').message).toContain(
      'kernel 5.14.0-503.40.1.el9_5 (RHSA-2026:4321, Important, issued 2026-10-02, 51 days ago, window 7 days)',
    );
    // libxml2 (Moderate, 12 days, window 28) and tzdata (Low, 2 days) are within their windows.
    expect(finding('patch.overdue-updates').message).not.toContain('libxml2');
    expect(finding('patch.os-support').message).toContain('Red Hat Enterprise Linux 9 is supported until 2032-05-31');
    expect(observations.filter((o) => o.kind === 'pending-updates')).toEqual([
      { kind: 'pending-updates', gateway: 'gw', pending: 4, securityPending: 4 },
    ]);
    expect(finding('patch.overdue-updates').data).toMatchObject({ pending: 4, securityPending: 4 });
  });

  it('no pending update and fresh lists: Yes', async () => {
    const { row } = await checkWith([
      outcome('os-release', fixture('os-release-rhel9.txt')),
      outcome('dnf-security-list', ''),
      outcome('dnf-security-info', ''),
      outcome('dnf-lists', fresh(3600)),
    ]);
    expect(row.compliance, row.comment).toBe('Yes');
  });

  it('a listing of pending updates in a format the reader does not know is never "none pending" (dnf5 on Fedora 41)', async () => {
    // dnf5 prints a table (Name, Type, Severity, Package, Issued), not dnf4's "ID Severity/Sec. package" lines.
    const dnf5 =
      'Name                     Type     Severity                                 Package              Issued\n' +
      'FEDORA-2026-0a1b2c3d4e   security Critical     openssl-1:3.2.4-1.fc41.x86_64 2026-10-01 09:00:00\n';
    const { row, finding } = await checkWith([
      outcome('os-release', fixture('os-release-rhel9.txt')),
      outcome('dnf-security-list', dnf5),
      outcome('dnf-security-info', ''),
      outcome('dnf-lists', fresh(3600)),
    ]);
    expect(row.compliance, row.comment).toBe('Not assessed');
    expect(finding('patch.overdue-updates')).toMatchObject({ status: 'error' });
    expect(finding('patch.overdue-updates').message).toContain('2 lines of the dnf listing of pending updates could not be read');
    expect(finding('patch.undated-updates')).toMatchObject({ status: 'error' });
  });

  it('a report dated weeks after the check does not outrank a current one as the newest', async () => {
    const current = [
      outcome('os-release', fixture('os-release-rhel9.txt')),
      outcome('dnf-security-list', fixture('dnf-updateinfo-list-rhel9.txt')),
      outcome('dnf-security-info', fixture('dnf-updateinfo-info-rhel9.txt')),
      outcome('dnf-lists', fresh(3600)),
    ];
    const clean = [
      outcome('os-release', fixture('os-release-rhel9.txt')),
      outcome('dnf-security-list', ''),
      outcome('dnf-lists', fresh(60)),
    ];
    const { row, finding } = await checkWith(current, [{ collectedAt: '2026-12-20T00:00:00.000Z', commands: clean }]);
    expect(row.compliance, row.comment).toBe('No');
    expect(finding('patch.overdue-updates').evidence.source).toContain('report0.json');
  });

  it('the headers apt and apk print above their listings are not unread lines', async () => {
    const apt = await checkWith([
      outcome('os-release', fixture('os-release-debian12.txt')),
      outcome('apt-upgradable', 'Listing... Done\n'),
      outcome('apt-lists', fresh(3600)),
    ]);
    expect(apt.finding('patch.overdue-updates').status).toBe('pass');
    const apk = await checkWith([outcome('apk-pending', 'Installed:                                Available:\n')]);
    expect(apk.finding('patch.overdue-updates').status).toBe('pass');
  });

  it('pending Debian security updates of unknown age: Partial, saying why', async () => {
    const { row, finding } = await checkWith([
      outcome('os-release', fixture('os-release-debian12.txt')),
      outcome('apt-upgradable', fixture('apt-upgradable-debian12.txt')),
      outcome('apt-lists', fresh(7200)),
    ]);
    expect(row.compliance).toBe('Partial');
    expect(finding('patch.undated-updates').message).toMatch(
      new RegExp(
        String.raw`pending security update\(s\) of unknown age \(apt says which updates come from a security archive, ` +
          String.raw`but its package lists do not date them\): .*apt 2\.6\.1 → 2\.6\.2 \(oldstable-security\)`,
      ),
    );
    expect(finding('patch.os-support').message).toContain('in extended support (security fixes) until 2028-06-30');
  });

  it('an end-of-support release: No', async () => {
    const { row, finding } = await checkWith([
      outcome('os-release', fixture('os-release-debian10.txt')),
      outcome('apt-upgradable', 'Listing...\n'),
      outcome('apt-lists', fresh(60)),
    ]);
    expect(row.compliance).toBe('No');
    expect(finding('patch.os-support').message).toContain('Debian 10 (buster) has been out of support since 2024-06-30');
  });

  it('Alpine: pending updates cannot be told secure or dated', async () => {
    const { row, finding } = await checkWith([
      outcome('os-release', fixture('os-release-alpine320.txt')),
      outcome('apk-pending', fixture('apk-version-pending.txt')),
    ]);
    expect(finding('patch.undated-updates').message).toContain(
      'apk says neither which updates are security fixes nor when they were released',
    );
    expect(finding('patch.os-support').status).toBe('fail');
    expect(row.compliance).toBe('No');
  });

  it('a kernel newer than the running one: a reboot is owed (a note)', async () => {
    const { row, finding } = await checkWith([
      outcome('os-release', fixture('os-release-rhel9.txt')),
      outcome('dnf-security-list', ''),
      outcome('dnf-lists', fresh(60)),
      outcome('kernel', '5.14.0-503.38.1.el9_5.x86_64\n'),
      outcome(
        'boot-kernels',
        'config-5.14.0-503.38.1.el9_5.x86_64\nvmlinuz-5.14.0-503.38.1.el9_5.x86_64\nvmlinuz-5.14.0-503.40.1.el9_5.x86_64\n',
      ),
    ]);
    expect(finding('patch.reboot-required').message).toContain(
      'kernel 5.14.0-503.38.1.el9_5.x86_64 runs while 5.14.0-503.40.1.el9_5.x86_64 is installed',
    );
    expect(row.compliance).toBe('Yes');
    expect(row.comment).toContain('Note:');
  });

  it('no facts at all: Not assessed, saying what to provide', async () => {
    const { row, observations } = await checkWith(undefined);
    expect(observations.filter((o) => o.kind === 'pending-updates')).toEqual([]);
    expect(row.compliance).toBe('Not assessed');
    expect(row.comment).toContain('give gateways[].ssh credentials or a cocoscan agent report');
  });
});

/** Every Date anywhere in a parser's result. */
function datesIn(value: unknown, found: Date[] = []): Date[] {
  if (value instanceof Date) found.push(value);
  else if (value instanceof Map) for (const v of value.values()) datesIn(v, found);
  else if (Array.isArray(value)) for (const v of value) datesIn(v, found);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) datesIn(v, found);
  return found;
}

/** Lines in the shapes of apt, dnf, apk, stat, history and /boot output, recombined with noise. */
const patchLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    'Listing...',
    'openssl/stable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]',
    'constructor/__proto__ toString valueOf [upgradable from: hasOwnProperty]',
    'RHSA-2026:4321 Important/Sec. kernel-5.14.0-503.40.1.el9_5.x86_64',
    'constructor __proto__/Sec. toString',
    '===============================================================================',
    '  Update ID: RHSA-2026:4321',
    '  Update ID: __proto__',
    '    Updated: 2026-10-02 09:14:21',
    '    Updated: 2026-13-45 99:99:99',
    '     Issued: 0000-00-00',
    '   Severity: Important',
    '   Severity: constructor',
    'busybox-1.36.1-r29 < 1.36.1-r31',
    '1763800000 /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease',
    '99999999999 /var/cache/dnf/x/repodata/repomd.xml',
    'Start-Date: 2026-11-22  08:55:58',
    'Upgrade: openssl:amd64 (3.0.19, 3.0.22)',
    'End-Date: 2026-99-99  99:99:99',
    '',
    'required',
    'not-required',
    'vmlinuz-6.1.0-28-amd64',
    'ID=debian',
    'VERSION_ID="12"',
    'openssl\t3.0.15-1~deb12u1\tii ',
  ),
);
const patchText = fc.array(patchLine, { maxLength: 40 }).map((lines) => lines.join('\n'));

describe('patch parsers under any input (fast-check)', () => {
  const parsers = Object.entries(patchParsers as Record<string, unknown>).filter(
    (entry): entry is [string, (text: string, n?: number) => unknown] => typeof entry[1] === 'function',
  );

  it('no input makes a parser throw anything but a typed error, or return an Invalid Date', () => {
    expect(parsers.length).toBeGreaterThanOrEqual(10);
    fc.assert(
      fc.property(patchText, fc.integer({ min: -1440, max: 1440 }), (text, offset) => {
        for (const [name, parse] of parsers) {
          let result: unknown;
          try {
            result = parse(text, offset);
          } catch (error) {
            expect(error, name).toBeInstanceOf(CocoscanError);
            continue;
          }
          for (const date of datesIn(result)) expect(Number.isFinite(date.getTime()), `${name}: ${String(date)}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an advisory date out of range is unknown, not an Invalid Date', () => {
    const info = parseDnfSecurityInfo('===\n  Update ID: RHSA-1\n    Updated: 2026-13-45 99:99:99\n   Severity: Important\n');
    expect(info.get('RHSA-1')).toEqual({ issued: undefined, severity: 'Important' });
  });

  it('advisory ids named like prototype members are plain keys', () => {
    const info = parseDnfSecurityInfo('===\n  Update ID: constructor\n    Updated: 2026-10-02 09:14:21\n');
    expect(info.get('constructor')?.issued?.toISOString()).toBe('2026-10-02T09:14:21.000Z');
    expect(info.get('toString')).toBeUndefined();
    expect(info.get('__proto__')).toBeUndefined();
  });
});

describe('banner products named like prototype members', () => {
  const profile = parseTestProfile(
    `id: banners
version: "1"
title: banners
sections:
  - id: s
    title: S
    rows:
      - ref: E
        title: Exposure
        method: automated
        decidedBy: [exposure.undeclared-port]
      - ref: CoCo-11
        title: Patch regime
        method: automated
        decidedBy: [patch.overdue-updates, { finding: patch.service-banners, onFail: Note, required: false }]
`,
    'banners.yaml',
  );
  const recorded = readFileSync(new URL('../fixtures/nmap/open-gateway.xml', import.meta.url), 'utf8');

  for (const product of ['constructor', '__proto__', 'toString']) {
    it(`a service whose banner says "${product}" is simply not compared`, async () => {
      const xml = recorded
        .replace(/product="nginx" version="1\.22\.1"/g, `product="${product}" version="1.0"`)
        .replace(/<address addr="[^"]+" addrtype="ipv4"\/>/g, '<address addr="127.0.0.1" addrtype="ipv4"/>');
      const exec: Exec = (command, args, options) => {
        const base = { command, args, signal: null, stderr: '', durationMs: 1, exitCode: 0 };
        if (args[0] === '--version') return Promise.resolve({ ...base, stdout: 'Nmap version 7.93 ( https://nmap.org )\n' });
        const out = args[args.indexOf('-oX') + 1];
        if (out && out !== '-') writeFileSync(out, xml);
        options.onStdout?.('');
        return Promise.resolve({ ...base, stdout: '' });
      };
      const dir = await tempDir();
      const commands = [
        outcome('os-release', fixture('os-release-debian12.txt')),
        outcome('apt-upgradable', 'Listing...\n'),
        outcome('apt-lists', fresh(60)),
        outcome('dpkg-packages', 'openssh-server\t1:9.2p1-2+deb12u10\tii \n'),
      ];
      const report = {
        format: 'cocoscan-agent-report',
        version: 1,
        agentVersion: '0.1.0',
        host: 'gw',
        collectedAt: '2026-11-22T11:50:00.000Z',
        utcOffsetMinutes: 0,
        commands: Object.fromEntries(commands.map((c) => [c.name, c])),
      };
      await writeFile(join(dir, 'report.json'), JSON.stringify(report));
      await writeFile(
        join(dir, 'connection.yaml'),
        'connection: { name: p, mojSystem: M, thirdPartySystem: T, organisation: O }\ngateways:\n' +
          '  - name: gw\n    host: 127.0.0.1\n    agentReports: [ { path: report.json } ]\n' +
          'flows: [ { name: web, protocol: https, port: 443 } ]\nscan: { udpTopPorts: 0 }\n',
      );
      const connection = await loadConnectionFile(join(dir, 'connection.yaml'));
      const { report: result } = await runCheck({ connection, profile, exec, privileged: true, now: () => new Date(NOW) });
      const banners = result.findings.find((f) => f.id === 'patch.service-banners')!;
      expect(banners.status, banners.message).toBe('pass');
      expect(banners.message).toContain('22/tcp OpenSSH 9.2p1 Debian 2+deb12u10 matches openssh-server');
      expect(banners.message).not.toContain(product);
    });
  }
});
