import { describe, expect, it } from 'vitest';
import { applyWaivers } from '../../src/check/evaluate.ts';
import type { FindingTarget } from '../../src/findings.ts';
import { findingKey, findingKeyPrefix } from '../../src/profile/evaluate.ts';
import type { ReportFinding, ReportRow } from '../../src/report/schema.ts';
import { describeFindingTarget, describeTarget, matchesTarget, parseTargetSpec, TARGET_SPEC_PATTERN, targetKey } from '../../src/target.ts';
import type { Waiver } from '../../src/waivers/waivers.ts';

const at = (gateway: string, port?: number, transport?: 'tcp' | 'udp'): FindingTarget => ({
  gateway,
  host: '192.0.2.1',
  ...(port !== undefined ? { port } : {}),
  ...(transport ? { transport } : {}),
});

describe('one target, spelled for each reader', () => {
  it.each([
    [at('gw'), 'gw', 'gw'],
    [at('gw', 443), 'gw/443/tcp', 'gw 443/tcp'],
    [at('gw', 443, 'tcp'), 'gw/443/tcp', 'gw 443/tcp'],
    [at('gw', 161, 'udp'), 'gw/161/udp', 'gw 161/udp'],
    [at('__proto__', 22), '__proto__/22/tcp', '__proto__ 22/tcp'],
    [{ ...at('gw'), transport: 'udp' as const }, 'gw', 'gw'],
  ])('%o: key %s, described %s', (target, key, described) => {
    expect(targetKey(target)).toBe(key);
    expect(describeTarget(target)).toBe(described);
  });

  it('finding keys in report.json are unchanged: <id>@<gateway>[/<port>/<transport>]', () => {
    const before = (id: string, t: FindingTarget) => `${id}@${t.gateway}${t.port ? `/${t.port}/${t.transport ?? 'tcp'}` : ''}`;
    for (const target of [
      at('gw'),
      at('gw', 8080),
      at('gw', 8080, 'tcp'),
      at('gw', 161, 'udp'),
      at('constructor', 1),
      { ...at('a.b-c', 65535, 'udp'), flow: 'x' },
    ]) {
      expect(findingKey({ id: 'exposure.undeclared-port', target })).toBe(before('exposure.undeclared-port', target));
    }
    expect(findingKey({ id: 'firewall.filtering', target: at('gw') })).toBe('firewall.filtering@gw');
    expect(findingKey({ id: 'changes.notifiable', target: at('gw', 22) }).startsWith(findingKeyPrefix('changes.notifiable'))).toBe(true);
    expect(findingKey({ id: 'changes.notifiable-x', target: at('gw') }).startsWith(findingKeyPrefix('changes.notifiable'))).toBe(false);
  });
});

describe("a waiver file's target", () => {
  it.each([
    ['gw', { gateway: 'gw' }],
    ['gw/8080', { gateway: 'gw', port: 8080 }],
    ['gw/161/udp', { gateway: 'gw', port: 161, transport: 'udp' }],
    ['acme-gw.1/443/tcp', { gateway: 'acme-gw.1', port: 443, transport: 'tcp' }],
  ])('%s reads as %o', (spec, parsed) => {
    expect(TARGET_SPEC_PATTERN.test(spec)).toBe(true);
    expect(parseTargetSpec(spec)).toEqual(parsed);
  });

  it.each(['', '/443', 'gw/', 'gw/443/sctp', 'gw/123456', 'gw 443/tcp', 'gw/443/tcp/x', '-gw'])(
    '"%s" is not a target the waiver file accepts',
    (spec) => {
      expect(TARGET_SPEC_PATTERN.test(spec)).toBe(false);
    },
  );

  it.each([
    ['gw', at('gw'), true],
    ['gw', at('gw', 8080, 'udp'), true],
    ['gw', at('gw2'), false],
    ['gw/8080', at('gw', 8080), true],
    ['gw/8080', at('gw', 8080, 'udp'), true],
    ['gw/8080', at('gw', 8081), false],
    ['gw/8080', at('gw'), false],
    // A port is a number: a leading zero names the same port (it used to match nothing, silently).
    ['gw/08080', at('gw', 8080), true],
    ['gw/8080/tcp', at('gw', 8080), true],
    ['gw/8080/udp', at('gw', 8080), false],
    ['gw/161/udp', at('gw', 161, 'udp'), true],
    ['constructor', at('__proto__'), false],
    ['constructor/1', at('constructor', 1), true],
  ] as const)('%s covers %o: %s', (spec, target, covered) => {
    expect(matchesTarget(parseTargetSpec(spec), target)).toBe(covered);
  });

  it('applyWaivers matches findings by their target', () => {
    const finding = (gateway: string, port?: number, transport?: 'tcp' | 'udp'): ReportFinding => {
      const target = at(gateway, port, transport);
      return {
        id: 'exposure.undeclared-port',
        key: findingKey({ id: 'exposure.undeclared-port', target }),
        probe: 'exposure',
        target,
        status: 'fail',
        severity: 'high',
        message: 'm',
        evidence: { source: 's', time: 't' },
      };
    };
    const findings = [finding('gw', 8080), finding('gw', 8080, 'udp'), finding('gw', 9090), finding('gw2', 8080)];
    const waiver: Waiver = {
      finding: 'exposure.undeclared-port',
      target: 'gw/8080/tcp',
      justification: 'j',
      approvedBy: 'a',
      plan: 'p',
      expires: '2027-01-01',
    };
    const rows: ReportRow[] = [];
    const summary = applyWaivers([waiver], rows, findings, new Date('2026-11-22T00:00:00Z'));
    expect(findings.map((f) => f.waiver?.status ?? null)).toEqual(['active', null, null, null]);
    expect(summary.unmatched).toEqual([]);
  });
});

describe('describeFindingTarget', () => {
  it.each<[FindingTarget, string]>([
    [{ gateway: 'gw', host: '192.0.2.1' }, 'gw (192.0.2.1)'],
    [{ gateway: 'gw', host: '192.0.2.1', port: 443, flow: 'web' }, 'gw (192.0.2.1) 443/tcp [web]'],
    [{ gateway: 'gw', host: 'fd00::2', port: 161, transport: 'udp' }, 'gw (fd00::2) 161/udp'],
  ])('%o reads %s', (target, text) => {
    expect(describeFindingTarget(target)).toBe(text);
  });
});
