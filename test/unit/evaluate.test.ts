import { describe, expect, it } from 'vitest';
import type { Finding, FindingStatus } from '../../src/findings.ts';
import { evaluateRow, findingKey } from '../../src/profile/evaluate.ts';
import type { ProfileRow } from '../../src/profile/load.ts';
import type { FindingId } from '../../src/probe/registry.ts';
import { applyWaivers, evaluateRows } from '../../src/check/evaluate.ts';
import type { Profile } from '../../src/profile/load.ts';
import type { ReportFinding } from '../../src/report/schema.ts';
import { runExitCode } from '../../src/run-check.ts';
import type { Waiver } from '../../src/waivers/waivers.ts';

const row: ProfileRow = {
  ref: 'CoCo-8',
  section: 'conditions',
  title: 'Only declared flows',
  heading: false,
  method: 'automated',
  rules: [
    { finding: 'exposure.undeclared-port', onFail: 'No', required: true },
    { finding: 'exposure.declared-port', onFail: 'Partial', required: true },
    { finding: 'host.firewall-policy', onFail: 'No', required: false },
    { finding: 'tls.hsts', onFail: 'Note', required: true },
  ],
  attest: 'the ISA lists the flows.',
};

let port = 1000;
function finding(id: FindingId, status: FindingStatus, message = `${id} ${status}`): Finding {
  port += 1;
  return {
    id,
    probe: 'exposure',
    target: { gateway: 'gw', host: '192.0.2.1', port, transport: 'tcp' },
    status,
    severity: 'high',
    message,
    evidence: { source: 'nmap', time: '2026-01-01T00:00:00.000Z', artefacts: ['evidence/gw/nmap-sweep.xml'] },
  };
}

describe('row verdicts', () => {
  it('is Yes when every deciding finding passes, citing the evidence', () => {
    const verdict = evaluateRow(row, [
      finding('exposure.undeclared-port', 'pass', 'only declared ports'),
      finding('exposure.declared-port', 'pass'),
    ]);
    expect(verdict.compliance).toBe('Yes');
    expect(verdict.comment).toContain('gw: only declared ports; gw: exposure.declared-port pass [evidence: evidence/gw/nmap-sweep.xml].');
    expect(verdict.comment).toContain('Still to confirm by a person: the ISA lists the flows.');
    expect(verdict.findings).toHaveLength(2);
  });

  it('is No when any failing finding has onFail No, even beside errors', () => {
    const verdict = evaluateRow(row, [
      finding('exposure.undeclared-port', 'fail', 'port 8080 open'),
      finding('exposure.declared-port', 'error'),
    ]);
    expect(verdict.compliance).toBe('No');
    expect(verdict.comment).toContain('port 8080 open');
  });

  it('is Partial when every failure is marked partial', () => {
    expect(evaluateRow(row, [finding('exposure.undeclared-port', 'pass'), finding('exposure.declared-port', 'fail')]).compliance).toBe(
      'Partial',
    );
  });

  it('is Not assessed, with the reason, when something could not be tested and nothing failed', () => {
    const verdict = evaluateRow(row, [
      finding('exposure.undeclared-port', 'pass'),
      finding('exposure.declared-port', 'not_tested', 'UDP needs root'),
    ]);
    expect(verdict.compliance).toBe('Not assessed');
    expect(verdict.comment).toContain('UDP needs root');
  });

  it('is Not assessed when no probe produced anything, and never Yes', () => {
    const verdict = evaluateRow(row, [finding('firewall.filtering', 'pass')]);
    expect(verdict.compliance).toBe('Not assessed');
    expect(verdict.comment).toMatch(/No probe produced a result/);
  });

  it('is N/A when every deciding finding is not applicable', () => {
    expect(evaluateRow(row, [finding('exposure.undeclared-port', 'not_applicable')]).compliance).toBe('N/A');
  });

  it('leaves manual rows for a person, with their guidance', () => {
    const verdict = evaluateRow({ ...row, method: 'manual', rules: [], guidance: 'Describe it.' }, [
      finding('exposure.undeclared-port', 'fail'),
    ]);
    expect(verdict).toEqual({ compliance: null, comment: 'Describe it.', findings: [] });
  });

  it('cites an optional finding that could not be tested without changing the verdict', () => {
    const verdict = evaluateRow(row, [
      finding('exposure.undeclared-port', 'pass'),
      finding('host.firewall-policy', 'not_tested', 'no SSH credentials'),
    ]);
    expect(verdict.compliance).toBe('Yes');
    expect(verdict.comment).toContain('Not tested (does not change the verdict): gw: no SSH credentials');
    expect(evaluateRow(row, [finding('host.firewall-policy', 'not_tested')]).compliance).toBe('Not assessed');
    expect(
      evaluateRow(row, [finding('exposure.undeclared-port', 'pass'), finding('host.firewall-policy', 'fail', 'INPUT ACCEPT')]).compliance,
    ).toBe('No');
  });

  it('names a Note failure in the comment and keeps the verdict', () => {
    const verdict = evaluateRow(row, [finding('exposure.undeclared-port', 'pass'), finding('tls.hsts', 'fail', 'no HSTS header')]);
    expect(verdict.compliance).toBe('Yes');
    expect(verdict.comment).toContain('Note: gw: no HSTS header');
  });

  describe('a fail answered by another finding that passes (unlessPasses)', () => {
    const coco9: ProfileRow = {
      ...row,
      ref: 'CoCo-9',
      rules: [
        { finding: 'firewall.filtering', onFail: 'No', required: true, unlessPasses: 'host.firewall-policy' },
        { finding: 'host.firewall-policy', onFail: 'No', required: false },
      ],
      attest: undefined,
    };
    const on = (gateway: string, f: Finding): Finding => ({ ...f, target: { gateway, host: '192.0.2.1' } });
    const resets = (gateway = 'gw') =>
      on(gateway, finding('firewall.filtering', 'fail', 'Only 0 of 998 undeclared TCP ports were filtered'));
    const ruleset = (status: FindingStatus, gateway = 'gw') =>
      on(gateway, {
        ...finding('host.firewall-policy', status, `ruleset ${status}`),
        evidence: { source: 'ssh', time: '2026-01-01T00:00:00.000Z', artefacts: ['nft.txt'] },
      });

    it('is Yes when the ruleset proves default deny although the external view sees resets, citing both views', () => {
      const verdict = evaluateRow(coco9, [resets(), ruleset('pass')]);
      expect(verdict.compliance).toBe('Yes');
      expect(verdict.comment).toBe(
        'gw: ruleset pass [evidence: nft.txt]. Not a failure of this row, since host.firewall-policy passes for the same gateway: ' +
          'gw: Only 0 of 998 undeclared TCP ports were filtered [evidence: evidence/gw/nmap-sweep.xml].',
      );
      expect(verdict.findings).toHaveLength(2);
    });

    it('is still No when the ruleset fails, could not be read, or passed on another gateway only', () => {
      expect(evaluateRow(coco9, [resets(), ruleset('fail')]).compliance).toBe('No');
      expect(evaluateRow(coco9, [resets(), ruleset('not_tested')]).compliance).toBe('No');
      expect(evaluateRow(coco9, [resets()]).compliance).toBe('No');
      const mixed = evaluateRow(coco9, [resets('a'), ruleset('pass', 'a'), resets('b'), ruleset('not_tested', 'b')]);
      expect(mixed.compliance).toBe('No');
      expect(mixed.comment).toMatch(/^b: Only 0 of 998/);
      expect(mixed.comment).toContain(
        'Not a failure of this row, since host.firewall-policy passes for the same gateway: a: Only 0 of 998',
      );
    });
  });

  it('keys findings by id, gateway and port', () => {
    expect(findingKey({ id: 'exposure.undeclared-port', target: { gateway: 'gw', host: 'h', port: 8080, transport: 'tcp' } })).toBe(
      'exposure.undeclared-port@gw/8080/tcp',
    );
    expect(findingKey({ id: 'firewall.filtering', target: { gateway: 'gw', host: 'h' } })).toBe('firewall.filtering@gw');
  });
});

describe('finding waivers and a row they only partly explain', () => {
  const firewall: ProfileRow = {
    ref: 'CoCo-9',
    section: 'conditions',
    title: 'A firewall protects the system',
    heading: false,
    method: 'automated',
    rules: [{ finding: 'firewall.filtering', onFail: 'No', required: true }],
  };
  const on = (gateway: string, status: FindingStatus): ReportFinding => {
    const f: Finding = {
      id: 'firewall.filtering',
      probe: 'firewall',
      target: { gateway, host: '192.0.2.1' },
      status,
      severity: 'high',
      message: `${gateway} ${status}`,
      evidence: { source: 'nmap', time: '2026-01-01T00:00:00.000Z' },
    };
    return { key: findingKey(f), ...f };
  };
  const waiver: Waiver = {
    finding: 'firewall.filtering',
    justification: 'resets are how our firewall refuses',
    approvedBy: 'A',
    plan: 'p',
    expires: '2027-01-01',
  };

  it('a waiver accepts the failure it names, never a gateway that could not be tested: the row still counts', () => {
    // gw-a fails (the accepted risk); gw-b was unreachable, so nothing is known of its firewall.
    const findings = [on('gw-a', 'fail'), on('gw-b', 'error')];
    const rows = evaluateRows({ rows: [firewall] } as unknown as Profile, findings, ['gw-a', 'gw-b']);
    expect(rows[0]!.compliance).toBe('No');
    applyWaivers([waiver], rows, findings, new Date('2026-11-22T00:00:00Z'));
    expect(findings.map((f) => f.waiver?.status ?? null)).toEqual(['active', null]);
    expect(rows[0]!.waiver).toBeUndefined();
    expect(runExitCode(rows)).not.toBe(0);
  });

  it('the same waiver keeps the row out of the exit code when every gateway was tested', () => {
    const findings = [on('gw-a', 'fail'), on('gw-b', 'pass')];
    const rows = evaluateRows({ rows: [firewall] } as unknown as Profile, findings, ['gw-a', 'gw-b']);
    applyWaivers([waiver], rows, findings, new Date('2026-11-22T00:00:00Z'));
    expect(rows[0]!.waiver).toMatchObject({ status: 'active', scope: 'findings' });
    expect(runExitCode(rows)).toBe(0);
  });
});
