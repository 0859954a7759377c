import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.ts';
import type { Finding, FindingStatus } from '../../src/findings.ts';
import { evaluateRow } from '../../src/profile/evaluate.ts';
import { builtinProfiles, loadProfile } from '../../src/profile/load.ts';
import { parseTestProfile } from '../helpers/test-profile.ts';

const CONCERNED = `id: test
version: "1"
title: Test profile
concerns:
  exposure:
    title: What answers
    findings: [exposure.undeclared-port, snmp.undeclared]
sections:
  - id: s
    title: Section
    rows:
      - ref: R1
        title: Row one
        method: automated
        concerns: [exposure]
        decidedBy: [exposure.undeclared-port, snmp.undeclared]
      - ref: R2
        title: Row two
        method: automated
        concerns: [exposure]
        decidedBy: [firewall.filtering, exposure.undeclared-port, snmp.undeclared]
`;

function problems(text: string): string[] {
  try {
    parseTestProfile(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return (error as InputFileError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the profile to be rejected');
}

function finding(id: string, status: FindingStatus): Finding {
  return {
    id,
    probe: id.split('.')[0]!,
    target: { gateway: 'gw', host: '192.0.2.1' },
    status,
    severity: 'high',
    message: `${id} ${status}`,
    evidence: { source: 'test', time: '2026-01-01T00:00:00.000Z' },
  };
}

describe('rows about one concern', () => {
  it('loads rows that cite every finding of their concern the same way', () => {
    expect(parseTestProfile(CONCERNED, 'test.yaml').rows.map((r) => r.ref)).toEqual(['R1', 'R2']);
  });

  it('refuses a row about a concern that leaves one of its findings out', () => {
    expect(
      problems(CONCERNED.replace('[firewall.filtering, exposure.undeclared-port, snmp.undeclared]', '[exposure.undeclared-port]')),
    ).toEqual(['row R2: a row about exposure cites every finding of the concern; add snmp.undeclared']);
  });

  it('refuses a row that cites a finding of a concern without being tagged with it', () => {
    const untagged = CONCERNED.replace('        concerns: [exposure]\n        decidedBy: [firewall', '        decidedBy: [firewall');
    expect(problems(untagged)).toEqual([
      expect.stringMatching(/^row R2: cites exposure.undeclared-port, a finding of concern "exposure": tag the row/),
      expect.stringMatching(/^row R2: cites snmp.undeclared, a finding of concern "exposure"/),
    ]);
  });

  it('refuses rows of one concern that decide by its findings differently', () => {
    const partial = CONCERNED.replace(
      'decidedBy: [firewall.filtering, exposure.undeclared-port, snmp.undeclared]',
      'decidedBy: [firewall.filtering, exposure.undeclared-port, { finding: snmp.undeclared, onFail: Partial }]',
    );
    expect(problems(partial)).toEqual([
      'row R2: cites snmp.undeclared with onFail Partial, required true, row R1 with onFail No, required true: ' +
        'every row about exposure is decided the same way',
    ]);
  });

  it('refuses unknown concerns, unknown findings in a concern and a finding in two concerns', () => {
    const text = CONCERNED.replace(
      '    findings: [exposure.undeclared-port, snmp.undeclared]\n',
      '    findings: [exposure.undeclared-port, snmp.undeclared, exposure.telepathy]\n' +
        '  other:\n    title: Other\n    findings: [snmp.undeclared]\n',
    ).replace('concerns: [exposure]\n        decidedBy: [exposure', 'concerns: [exposure, __proto__]\n        decidedBy: [exposure');
    expect(problems(text)).toEqual([
      'concerns.exposure: unknown finding id "exposure.telepathy"',
      'concerns.other: finding "snmp.undeclared" already belongs to concern "exposure"',
      'row R1: a row about exposure cites every finding of the concern; add exposure.telepathy',
      'row R1: unknown concern "__proto__" (known: exposure, other)',
      expect.stringMatching(/^row R2: a row about exposure cites every finding/),
    ]);
  });

  it('refuses concerns on a heading row', () => {
    const text = CONCERNED.replace('    rows:\n', '    rows:\n      - { ref: H, heading: true, title: Heading, concerns: [exposure] }\n');
    expect(problems(text)).toEqual([expect.stringMatching(/a heading row has no method, decidedBy, supportedBy or concerns/)]);
  });
});

describe('the shipped profiles decide every exposure row alike', () => {
  it('an undeclared SNMP agent makes every row about exposure No, not only CoCo-8', async () => {
    const profile = await loadProfile('moj-coco');
    const findings = [
      finding('exposure.undeclared-port', 'pass'),
      finding('exposure.protocol-match', 'pass'),
      finding('exposure.declared-port', 'pass'),
      finding('tls.protocols', 'pass'),
      finding('firewall.filtering', 'pass'),
      finding('snmp.undeclared', 'fail'),
    ];
    const verdicts = Object.fromEntries(
      profile.rows
        .filter((row) => row.rules.some((rule) => rule.finding === 'exposure.undeclared-port'))
        .map((row) => [row.ref, evaluateRow(row, findings).compliance]),
    );
    expect(verdicts).toEqual({ 'A.1.2.2-1': 'No', 'CoCo-8': 'No', 'A.10.6.1': 'No', 'A.11.4.1': 'No' });
  });

  it('in every shipped profile, a failing finding of any row that cites an exposure finding fails every such row', async () => {
    for (const name of await builtinProfiles()) {
      const profile = await loadProfile(name);
      const exposureRows = profile.rows.filter((row) => row.rules.some((rule) => rule.finding.startsWith('exposure.undeclared')));
      expect(exposureRows.length, name).toBeGreaterThan(0);
      const deciding = new Set(
        exposureRows.flatMap((row) =>
          row.rules.filter((r) => r.onFail === 'No' && r.finding.match(/^(exposure|snmp)\.(undeclared|protocol)/)).map((r) => r.finding),
        ),
      );
      for (const id of deciding) {
        for (const row of exposureRows) expect(evaluateRow(row, [finding(id, 'fail')]).compliance, `${name} ${row.ref} ${id}`).toBe('No');
      }
    }
  });
});
