import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputFileError, ProfileNotFoundError } from '../../src/errors.ts';
import { builtinProfiles, loadProfile, parseProfile } from '../../src/profile/load.ts';
import { DEFAULT_STATEMENT } from '../../src/profile/statement.ts';
import { PROBES, findingCatalogue } from '../../src/probe/registry.ts';

const MINIMAL = `id: test
version: "1"
title: Test profile
sections:
  - id: s
    title: Section
    rows:
      - ref: R1
        title: Row one
        method: automated
        decidedBy: [exposure.undeclared-port]
      - ref: R2
        title: Row two
        method: manual
        guidance: Answer it.
`;

function problems(text: string): string[] {
  try {
    parseProfile(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return (error as InputFileError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the profile to be rejected');
}

describe('profile loading', () => {
  it('loads the MoJ profile with every condition and statement row', async () => {
    const profile = await loadProfile('moj-coco');
    const refs = profile.rows.map((r) => r.ref);
    for (let n = 1; n <= 13; n += 1) expect(refs).toContain(`CoCo-${n}`);
    // Every control row of the standard's A.2 table, from the reference text in shared/.
    const standard = readFileSync(new URL('../fixtures/standard-a2-refs.txt', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    for (const ref of standard) expect(refs).toContain(ref);
    expect(profile.rows.filter((r) => r.method === 'automated').map((r) => r.ref)).toEqual([
      'A.1.2.2-1',
      'A.1.2.2-3',
      'CoCo-2',
      'CoCo-8',
      'CoCo-9',
      'CoCo-10',
      'CoCo-11',
      'A.10.4.1',
      'A.10.6.1',
      'A.11.4.1',
      'A.11.4.2',
      'A.11.5.1',
      'A.12.3.1',
      'A.12.6.1',
    ]);
    expect(profile.probes.map((p) => p.meta.id)).toEqual([
      'exposure',
      'firewall',
      'tls',
      'ssh',
      'rdp',
      'snmp',
      'ike',
      'host',
      'antivirus',
      'patch',
      'hosting',
      'changes',
    ]);
    expect(profile.thresholds.firewall).toEqual({ minFilteredShare: 0.9 });
    expect(profile.thresholds.rdp).toEqual({ requireNla: true, weakEncryptionMethods: ['none', '40-bit', '56-bit'] });
    // CoCo-13 stays for a person: the hosting findings only support it.
    expect(profile.rows.find((r) => r.ref === 'CoCo-13')).toMatchObject({
      method: 'manual',
      rules: [],
      supportedBy: ['hosting.country', 'hosting.database-age'],
    });
  });

  it('keeps only the probes a profile uses; their thresholds come from the profile alone', () => {
    const profile = parseProfile(MINIMAL, 'test.yaml');
    expect(profile.probes.map((p) => p.meta.id)).toEqual(['exposure']);
    expect(profile.thresholds.firewall).toBeUndefined();
    const withFirewall = MINIMAL.replace('exposure.undeclared-port', 'firewall.filtering');
    expect(problems(withFirewall)).toEqual([
      expect.stringMatching(/^thresholds\.firewall\.minFilteredShare: missing: the profile sets every threshold/),
    ]);
    const set = parseProfile(
      withFirewall.replace('sections:', 'thresholds:\n  firewall: { minFilteredShare: 0.8 }\nsections:'),
      'test.yaml',
    );
    expect(set.thresholds.firewall).toEqual({ minFilteredShare: 0.8 });
  });

  it('every shipped profile sets every threshold of the probes it uses', async () => {
    for (const name of await builtinProfiles()) {
      const profile = await loadProfile(name);
      for (const probe of profile.probes)
        expect(probe.meta.thresholds.safeParse(profile.thresholds[probe.meta.id]).success, `${name}: ${probe.meta.id}`).toBe(true);
    }
  });

  it('rejects an unknown finding id', () => {
    expect(problems(MINIMAL.replace('exposure.undeclared-port', 'exposure.no-such-check'))).toEqual([
      expect.stringMatching(/^row R1: unknown finding id "exposure.no-such-check"/),
    ]);
  });

  it('rejects a duplicate row', () => {
    expect(problems(MINIMAL.replace('ref: R2', 'ref: R1'))).toEqual([expect.stringMatching(/duplicate row ref "R1"/)]);
    expect(
      problems(
        MINIMAL.replace(
          'decidedBy: [exposure.undeclared-port]',
          'decidedBy: [{ finding: exposure.undeclared-port, unlessPasses: tls.hsts }]',
        ),
      ),
    ).toEqual(['sections[0].rows[0].decidedBy[0].unlessPasses: "tls.hsts" must be another finding listed in the same row\'s decidedBy']);
  });

  it('rejects bad and unknown thresholds', () => {
    const withThresholds = (block: string) => MINIMAL.replace('sections:', `thresholds:\n${block}\nsections:`);
    expect(problems(withThresholds('  firewall: { minFilteredShare: 2 }'))).toEqual([
      'thresholds.firewall.minFilteredShare: expected a share from 0.5 to 1',
    ]);
    expect(problems(withThresholds('  firewall: { minFiltered: 0.9 }'))).toEqual([
      'thresholds.firewall: unknown threshold(s): minFiltered',
    ]);
    expect(problems(withThresholds('  telepathy: { maxAgeHours: 4 }'))).toEqual(['thresholds.telepathy: no probe is called "telepathy"']);
  });

  it('rejects rows whose method and finding ids disagree', () => {
    expect(problems(MINIMAL.replace('        decidedBy: [exposure.undeclared-port]\n', ''))).toEqual([
      'sections[0].rows[0].decidedBy: an automated row needs at least one finding id',
    ]);
    expect(problems(MINIMAL.replace('        guidance: Answer it.', '        decidedBy: [firewall.filtering]'))).toEqual([
      expect.stringMatching(/^sections\[0\]\.rows\[1\]\.decidedBy: a manual row/),
    ]);
  });

  it('names the built-in profiles when one is unknown', async () => {
    await expect(loadProfile('no-such-profile')).rejects.toThrow(ProfileNotFoundError);
    await expect(loadProfile('no-such-profile')).rejects.toMatchObject({ hint: expect.stringContaining('moj-coco') });
  });

  it('ships only valid profiles', async () => {
    const names = readdirSync(new URL('../../profiles/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) await expect(loadProfile(name.replace(/\.yaml$/, ''))).resolves.toBeDefined();
  });
});

describe('the Cyber Essentials profile', () => {
  it('loads, names only known findings and overrides the thresholds Cyber Essentials sets', async () => {
    const profile = await loadProfile('cyber-essentials');
    const known = findingCatalogue(PROBES);
    const automated = profile.rows.filter((r) => r.method === 'automated');
    expect(automated.length).toBeGreaterThanOrEqual(5);
    for (const row of automated) for (const rule of row.rules) expect(known.has(rule.finding), `${row.ref}: ${rule.finding}`).toBe(true);
    expect(profile.sections.map((s) => s.title)).toEqual(
      expect.arrayContaining([
        'Firewalls',
        'Secure configuration',
        'Security update management',
        'User access control',
        'Malware protection',
      ]),
    );
    // The 14-day window for critical and high-risk updates, and no MoJ 7-day or 4-hour figure left behind.
    expect(profile.thresholds.patch).toMatchObject({ criticalDays: 14, highDays: 14, unratedDays: 14 });
    expect(profile.thresholds.antivirus).toMatchObject({ maxSignatureAgeHours: 24 });
    expect(profile.requires).toEqual(['scope']);
    expect(profile.probes.map((p) => p.meta.id)).not.toContain('changes');
  });

  it('has its own statement words, none of them the MoJ ones', async () => {
    const [ce, moj] = await Promise.all([loadProfile('cyber-essentials'), loadProfile('moj-coco')]);
    expect(ce.statement.title).toBe('Cyber Essentials technical controls statement');
    expect(moj.statement.parties.connectedSystem).toBe('MoJ IT system');
    expect(moj.statement.headings.onwardConnections).toBe('Onward connections (CoCo-3)');
    const words = JSON.stringify(ce.statement);
    expect(words).not.toMatch(/MoJ|CoCo|Code of Connection/);
    for (const row of ce.rows)
      expect(`${row.title} ${row.guidance ?? ''} ${row.attest ?? ''}`, row.ref).not.toMatch(/MoJ|CoCo|Code of Connection|Accreditor/);
  });
});

describe('statement words and required connection fields in a profile', () => {
  it('fills generic words when a profile gives none', () => {
    const profile = parseProfile(MINIMAL, 'test.yaml');
    expect(profile.statement).toEqual(DEFAULT_STATEMENT);
    expect(profile.requires).toEqual([]);
  });

  it('keeps the words a profile gives and fills in the rest', () => {
    const profile = parseProfile(`${MINIMAL}statement:\n  title: Widget audit\n  parties: { connectingSystem: Widget }\n`, 'test.yaml');
    expect(profile.statement.title).toBe('Widget audit');
    expect(profile.statement.parties).toMatchObject({
      connectingSystem: 'Widget',
      connectedSystem: DEFAULT_STATEMENT.parties.connectedSystem,
    });
    expect(profile.statement.columns).toEqual(DEFAULT_STATEMENT.columns);
  });

  it('rejects unknown statement words, empty ones and unknown required fields', () => {
    const found = problems(`${MINIMAL}statement:\n  title: ""\n  headings: { annex: X }\nrequires: [scope, password]\n`);
    expect(found.some((p) => p.startsWith('statement.title'))).toBe(true);
    expect(found.some((p) => p.startsWith('statement.headings') && p.includes('annex'))).toBe(true);
    expect(found.some((p) => p.startsWith('requires[1]') && p.includes('scope, contact'))).toBe(true);
  });
});
