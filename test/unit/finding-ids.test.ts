import { parseTestProfile } from '../helpers/test-profile.ts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import ssh from '../../probes/ssh/index.ts';
import { AV_FINDING_IDS, type AvFindingId } from '../../src/av/findings.ts';
import { defineFindings, defineGatewayProbe, findingIds, type FindingIdOf, type Verdict } from '../../src/probe/contract.ts';
import { findingBuilder } from '../../src/probe/finding-builder.ts';
import { findingCatalogue, isFindingId, PROBES, type FindingId } from '../../src/probe/registry.ts';
import { InputFileError } from '../../src/errors.ts';

// The `@ts-expect-error` lines are the type-level tests: `npm test` runs `tsc --noEmit` over test/, and tsc
// fails on an expect-error line that has no error. So each of them proves that a misspelt id does not compile.

const target = { gateway: 'g', host: 'h' };
const evidence = { source: 'test' };

const demoFindings = defineFindings({
  'demo.check': { severity: 'high', title: 'Demo check', messages: { pass: 'fine', fail: 'not fine' } },
});

const demo = defineGatewayProbe({
  meta: {
    id: 'demo',
    title: 'Demo probe',
    description: 'A probe for this test only.',
    reads: [],
    thresholds: z.object({}),
    findings: demoFindings,
  },
  gather: () => Promise.resolve({}),
  judge() {
    // @ts-expect-error -- 'demo.chek' is not an id the probe declares
    const typo = (): Verdict<'demo.check'> => ({ id: 'demo.chek', target, status: 'pass', evidence });
    void typo;
    return [{ id: 'demo.check', target, status: 'pass', evidence }];
  },
});

type SshVerdict = ReturnType<typeof ssh.judge>[number];

describe('finding ids are typed from the probe metadata', () => {
  it("a probe's judge gives only the ids its probe declares", () => {
    expectTypeOf<SshVerdict['id']>().toEqualTypeOf<FindingIdOf<typeof ssh>>();
    expectTypeOf<'ssh.host-keys'>().toExtend<FindingIdOf<typeof ssh>>();
    expectTypeOf<'ssh.hostkeys'>().not.toExtend<FindingIdOf<typeof ssh>>();
    const inSsh = (): SshVerdict[] => [
      // @ts-expect-error -- a typo of ssh.host-keys in a verdict of the SSH judge
      { id: 'ssh.hostkeys', target, status: 'pass', evidence },
      // @ts-expect-error -- another probe's id is not the SSH judge's to give
      { id: 'tls.hsts', target, status: 'pass', evidence },
      { id: 'ssh.host-keys', target, status: 'pass', evidence },
    ];
    expect(typeof inSsh).toBe('function');
    expect(findingIds(demo.meta.findings)).toEqual(['demo.check']);
  });

  it('FindingId is the union of every shipped probe id, and nothing else', () => {
    expectTypeOf<'ssh.host-keys' | 'tls.hsts' | 'antivirus.update-gaps' | 'changes.notifiable'>().toExtend<FindingId>();
    expectTypeOf<AvFindingId>().toExtend<FindingId>();
    expectTypeOf<'ssh.hostkeys'>().not.toExtend<FindingId>();
    expectTypeOf<string>().not.toExtend<FindingId>();
    // @ts-expect-error -- a misspelt id is not a FindingId
    const misspelt: FindingId = 'exposure.undeclared-ports';
    // @ts-expect-error -- a finding input typed by the union refuses a typo too
    const input: Verdict<FindingId> = { id: 'tls.certifcate-key', target, status: 'pass', evidence };
    expect([misspelt, input.id]).toHaveLength(2);
  });

  it('the run-time list is the same as the typed union: every catalogue id is a FindingId, a typo is not', () => {
    const ids = [...findingCatalogue().keys()];
    expect(ids.length).toBe(PROBES.reduce((n, p) => n + Object.keys(p.meta.findings).length, 0));
    expect(ids.every(isFindingId)).toBe(true);
    expect(AV_FINDING_IDS.every(isFindingId)).toBe(true);
    for (const typo of ['ssh.hostkeys', 'exposure.undeclared-ports', 'constructor', '__proto__', '']) expect(isFindingId(typo)).toBe(false);
  });

  it('the finding builder still refuses an undeclared id that reaches it untyped (defence in depth)', () => {
    const build = findingBuilder<string>(demo.meta, () => new Date(0));
    expect(() => build({ id: 'demo.chek', target, status: 'pass', evidence })).toThrow(/does not declare/);
    expect(build({ id: 'demo.check', target, status: 'pass', evidence }).message).toBe('fine');
  });

  it('profile YAML is still checked on load against the same list', () => {
    const profile = (finding: string) => `id: t
version: "1"
title: T
sections:
  - id: s
    title: S
    rows:
      - { ref: R1, title: T, method: automated, decidedBy: [${finding}] }
`;
    expect(() => parseTestProfile(profile('ssh.host-keys'), 'inline.yaml')).not.toThrow();
    let error: unknown;
    try {
      parseTestProfile(profile('ssh.hostkeys'), 'inline.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).problems.map((p) => p.message).join('\n')).toContain('unknown finding id "ssh.hostkeys"');
  });
});
