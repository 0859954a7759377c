import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { describeCause, InputFileError, isInternalFault, UsageError } from '../../src/errors.ts';
import { defineGatewayProbe, type AnyProbe } from '../../src/probe/contract.ts';
import { findingBuilder } from '../../src/probe/finding-builder.ts';
import { parseProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { demoProbeMeta } from '../helpers/demo-probe.ts';

/** The JavaScript engine's own words: none may be a finding's message. */
const RAW =
  /Invalid string length|Cannot read properties|Unexpected token|Maximum call stack|is not a function|TypeError|RangeError|SyntaxError/;

function throwingProbe(id: string, fault: () => never): AnyProbe {
  return defineGatewayProbe({
    meta: {
      id,
      title: `Probe ${id}`,
      description: 'A probe for this test only: it stops on a fault.',
      reads: [],
      thresholds: z.object({}),
      findings: { [`${id}.check`]: { severity: 'high', title: `Check of ${id}`, messages: { pass: 'fine' } } },
    },
    gather: () => Promise.resolve().then(fault),
    judge: () => [],
  });
}

const PROBES = [
  throwingProbe('typeerror', () => {
    const value = undefined as unknown as { banner: { length: number } };
    return value.banner.length as never;
  }),
  throwingProbe('rangeerror', () => {
    throw new RangeError('Invalid string length');
  }),
  throwingProbe('syntaxerror', () => JSON.parse('{not json') as never),
  throwingProbe('library', () => {
    throw new Error('Timed out while waiting for handshake');
  }),
  throwingProbe('refused', () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:22'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 22,
      syscall: 'connect',
    });
  }),
];

const PROFILE = `
id: messages-test
version: "1"
title: Messages test
sections:
  - id: conditions
    title: Conditions
    rows:
${PROBES.map((p) => `      - { ref: R-${p.meta.id}, title: Row ${p.meta.id}, method: automated, decidedBy: [${p.meta.id}.check] }`).join('\n')}
`;

const connection = connectionFileSchema.parse({
  connection: { name: 'faults', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
  gateways: [{ name: 'gw', host: '127.0.0.1' }],
  flows: [{ name: 'admin', protocol: 'ssh', port: 22 }],
});

describe('a probe that stops on a fault', () => {
  it('gives an error finding that says what to do; the raw message is in the evidence only', async () => {
    const profile = parseProfile(PROFILE, 'messages-test.yaml', PROBES);
    const { report } = await runCheck({ connection, profile, now: () => new Date('2026-11-22T10:00:00Z'), privileged: false });
    const byProbe = new Map(report.findings.map((f) => [f.probe, f]));

    for (const id of ['typeerror', 'rangeerror', 'syntaxerror']) {
      const finding = byProbe.get(id)!;
      expect(finding.status).toBe('error');
      expect(finding.message).not.toMatch(RAW);
      expect(finding.message).toContain(`the ${id} probe stopped on an internal fault; the details are in the evidence; re-run`);
    }
    expect(byProbe.get('typeerror')!.evidence.raw).toMatch(/^TypeError: Cannot read properties of undefined/);
    expect(byProbe.get('rangeerror')!.evidence.raw).toMatch(/^RangeError: Invalid string length/);
    expect(byProbe.get('syntaxerror')!.evidence.raw).toMatch(/^SyntaxError: /);

    const refused = byProbe.get('refused')!;
    expect(refused.status).toBe('error');
    expect(refused.message).toContain('the connection to 127.0.0.1 port 22 was refused: nothing listens there or a firewall rejects it');
    expect(refused.evidence.raw).toContain('connect ECONNREFUSED 127.0.0.1:22');
    const library = byProbe.get('library')!;
    expect(library.message).toContain(
      'the library probe failed: Timed out while waiting for handshake; re-run, and if it repeats, check the gateway',
    );
    // Rows cite the findings' messages, so they are free of raw text too.
    for (const row of report.rows) expect(row.comment).not.toMatch(RAW);
  });
});

describe('the finding builder', () => {
  const meta = demoProbeMeta({ fail: 'value {value}, {constructor}' });
  const build = findingBuilder(meta, () => new Date(0));

  it('moves a raw JavaScript message a probe passed as a reason to the evidence', () => {
    const finding = build({
      id: 'demo.check',
      target: { gateway: 'g', host: 'h' },
      status: 'error',
      params: { reason: "the certificate cannot be parsed: Cannot read properties of undefined (reading 'notAfter')" },
      evidence: { source: 's', raw: 'banner' },
    });
    expect(finding.message).toBe(
      'Demo check: could not be checked: the certificate cannot be parsed: an internal fault stopped it; the details are in the evidence; ' +
        're-run, and report it to the cocoscan maintainers if it repeats',
    );
    expect(finding.evidence.raw).toContain("Cannot read properties of undefined (reading 'notAfter')");
    expect(finding.evidence.raw).toContain('banner');
  });

  it.each([
    ['ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:47002', 'the connection to 127.0.0.1 port 47002 was refused'],
    ['getaddrinfo ENOTFOUND gw.example', 'the name gw.example does not resolve'],
    ['connect EHOSTUNREACH 10.9.9.9:22', 'there is no route to 10.9.9.9 port 22'],
    ["ENOENT: no such file or directory, open '/etc/cocoscan/key'", '/etc/cocoscan/key does not exist'],
    ['read ECONNRESET', 'the connection to the gateway was reset'],
  ])('puts a Node system error a probe quoted ("%s") in plain words, the original in the evidence', (quoted, plain) => {
    const finding = build({
      id: 'demo.check',
      target: { gateway: 'g', host: 'h' },
      status: 'error',
      params: { reason: `the key exchange failed: ${quoted}` },
      evidence: { source: 's' },
    });
    expect(finding.message).toContain(`the key exchange failed: ${plain}`);
    expect(finding.message).not.toContain(quoted);
    expect(finding.evidence.raw).toContain(quoted);
  });

  it('keeps every engine message out of the finding message, wherever it sits in a reason', () => {
    const engine = fc.constantFrom(
      'Invalid string length',
      "TypeError: Cannot read properties of undefined (reading 'x')",
      'Unexpected token < in JSON at position 0',
      'Maximum call stack size exceeded',
      'x.map is not a function',
      'RangeError: Invalid time value',
      'TypeError: Converting circular structure to JSON',
      'RangeError: Invalid code point 1114112',
      'Invalid count value: -1',
      'TypeError: Cannot mix BigInt and other types, use explicit conversions',
      'TypeError [ERR_INVALID_ARG_TYPE]: something a library said',
      'SyntaxError: anything at all after the name of an engine error',
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), engine, fc.string({ maxLength: 40 }), (before, raw, after) => {
        const reason = `${before}${raw}${after}`;
        const finding = build({
          id: 'demo.check',
          target: { gateway: 'g', host: 'h' },
          status: 'error',
          params: { reason },
          evidence: { source: 's' },
        });
        expect(finding.message).not.toContain(raw);
        expect(finding.message).toContain('internal fault');
        expect(finding.evidence.raw).toContain(reason.slice(0, 1000));
      }),
      { numRuns: 300 },
    );
  });

  it("leaves a server's words in other parameters as they are: never reworded into cocoscan's own diagnosis", () => {
    const banner = 'connect ECONNREFUSED 10.0.0.1:22 x.map is not a function';
    const finding = build({
      id: 'demo.check',
      target: { gateway: 'g', host: 'h' },
      status: 'fail',
      params: { value: banner },
      evidence: { source: 's' },
    });
    expect(finding.message).toContain(banner);
    expect(finding.message).not.toContain('internal fault');
  });

  it('never fills a template from an inherited name', () => {
    const finding = build({
      id: 'demo.check',
      target: { gateway: 'g', host: 'h' },
      status: 'fail',
      params: { value: 1 },
      evidence: { source: 's' },
    });
    expect(finding.message).toBe('value 1, {constructor}');
  });
});

describe('describeCause', () => {
  const system = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${code} ENGINE-TEXT`), { code, ...extra });

  it.each([
    ['ECONNREFUSED', { address: '10.0.0.1', port: 443 }, 'the connection to 10.0.0.1 port 443 was refused'],
    ['ECONNRESET', {}, 'the connection to the gateway was reset'],
    ['ETIMEDOUT', { address: '10.0.0.1' }, 'no answer from 10.0.0.1 in time'],
    ['EHOSTUNREACH', { address: '10.0.0.1' }, 'there is no route to 10.0.0.1'],
    ['ENETUNREACH', { address: '10.0.0.1' }, 'the network of 10.0.0.1 cannot be reached'],
    ['EADDRNOTAVAIL', {}, 'is not available on this scanner'],
    ['ENOTFOUND', { hostname: 'gw.example' }, 'the name gw.example does not resolve'],
    ['EACCES', { path: '/etc/key' }, 'permission denied on /etc/key'],
    ['EPERM', {}, 'need root'],
    ['ENOENT', { path: '/nope' }, '/nope does not exist'],
    ['EPIPE', {}, 'closed the connection'],
  ])('%s becomes a sentence with a next step', (code, extra, expected) => {
    const text = describeCause(system(code, extra));
    expect(text).toContain(expected);
    expect(text).toContain(`(${code})`);
    expect(text).not.toContain('ENGINE-TEXT');
    expect(text).toMatch(/;/);
  });

  it('keeps cocoscan errors (with their hint) and hides engine messages', () => {
    expect(describeCause(new UsageError('bad flag', 'use --help'))).toBe('bad flag; use --help');
    expect(describeCause(new InputFileError('f.yaml', []))).toBe('f.yaml: 0 problems');
    expect(describeCause(new TypeError("Cannot read properties of undefined (reading 'x')"))).not.toMatch(RAW);
    expect(describeCause(new Error('Maximum call stack size exceeded'))).not.toMatch(RAW);
    expect(describeCause('a thrown string')).toContain('internal fault');
    expect(describeCause(new Error('the agent sent no reply'))).toBe('the agent sent no reply');
    expect(isInternalFault(new RangeError('Invalid string length'))).toBe(true);
    expect(isInternalFault(system('ECONNRESET'))).toBe(false);
  });
});
