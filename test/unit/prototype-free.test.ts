import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { answersTemplate, loadAnswers } from '../../src/answers/answers.ts';
import { InputFileError, InternalError } from '../../src/errors.ts';
import type { Finding } from '../../src/findings.ts';
import { fillTemplate, findingBuilder } from '../../src/probe/finding-builder.ts';
import { evaluateRow } from '../../src/profile/evaluate.ts';
import { loadProfile, parseProfile, type Profile } from '../../src/profile/load.ts';
import { loadWaivers } from '../../src/waivers/waivers.ts';
import { statusLabel } from '../../reports/view-model.ts';
import { tempDir } from '../helpers/cli.ts';
import { demoProbeMeta } from '../helpers/demo-probe.ts';

/** Names every plain object answers to through its prototype. */
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

let profile: Profile;
let dir: string;
beforeAll(async () => {
  profile = await loadProfile();
  dir = await tempDir();
});

async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  const error = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return (error as InputFileError).problems.map((p) => p.message);
}

describe('names inherited from Object.prototype are unknown names', () => {
  const meta = demoProbeMeta({ fail: 'port {port}' });

  it.each(INHERITED)('finding builder: a finding id "%s" is an undeclared id (InternalError), not a crash', (id) => {
    // Widened to string: the run-time check is for ids that reach the builder untyped.
    const build = findingBuilder<string>(meta, () => new Date(0));
    expect(() => build({ id, target: { gateway: 'g', host: 'h' }, status: 'error', evidence: { source: 's' } })).toThrow(InternalError);
  });

  it.each(INHERITED)('message templates: {%s} is left as it is', (name) => {
    expect(fillTemplate(`x {${name}} y`, { port: 1 })).toBe(`x {${name}} y`);
  });

  it.each(INHERITED)('profile: a threshold block for "%s" is refused, never ignored', (name) => {
    const text = `id: t
version: "1"
title: T
thresholds:
  ${name}: { tls: { minRsaBits: 1 } }
sections:
  - id: s
    title: S
    rows:
      - { ref: R1, title: T, method: automated, decidedBy: [exposure.undeclared-port] }
`;
    expect(() => parseProfile(text, 't.yaml')).toThrow(InputFileError);
    try {
      parseProfile(text, 't.yaml');
    } catch (error) {
      expect((error as InputFileError).problems.map((p) => p.message)).toEqual([`no probe is called "${name}"`]);
    }
  });

  it.each(INHERITED)('profile: a row decided by finding "%s" is refused as an unknown finding id', (name) => {
    const text = `id: t
version: "1"
title: T
sections:
  - id: s
    title: S
    rows:
      - { ref: R1, title: T, method: automated, decidedBy: ["${name}"] }
`;
    expect(() => parseProfile(text, 't.yaml')).toThrow(/1 problem/);
  });

  it.each(INHERITED)('waivers: ref or finding "%s" is refused', async (name) => {
    const file = join(dir, `waivers-${name}.yaml`);
    await writeFile(
      file,
      `waivers:
  - { ref: "${name}", justification: j, approvedBy: a, plan: p, expires: 2027-01-01 }
  - { finding: "${name}", justification: j, approvedBy: a, plan: p, expires: 2027-01-01 }
`,
    );
    expect(await problemsOf(loadWaivers(file, profile))).toEqual([`no row "${name}" in profile moj-coco`, `unknown finding id "${name}"`]);
  });

  it.each(INHERITED)('answers: ref "%s" is refused', async (name) => {
    const file = join(dir, `answers-${name}.yaml`);
    await writeFile(file, `answers:\n  - { ref: "${name}", compliance: "Yes", owner: o, comment: c }\n`);
    expect(await problemsOf(loadAnswers(file, profile))).toEqual([`no row "${name}" in profile moj-coco`]);
  });

  it.each(INHERITED)('row verdicts: a finding "%s" decides nothing', (name) => {
    const row = profile.rows.find((r) => r.ref === 'CoCo-8')!;
    const finding: Finding = {
      id: name,
      probe: 'x',
      target: { gateway: 'g', host: 'h' },
      status: 'fail',
      severity: 'high',
      message: 'm',
      evidence: { source: 's', time: 't' },
    };
    expect(evaluateRow(row, [finding])).toMatchObject({ compliance: 'Not assessed', findings: [] });
  });

  it.each(INHERITED)('report view: a status "%s" read back from a file is shown as it is', (name) => {
    expect(statusLabel(name)).toBe(name);
    expect(statusLabel('not_tested')).toBe('NOT TESTED');
  });
});

describe('answers template', () => {
  it('keeps profile guidance inside its comment, whatever line breaks it holds', () => {
    const injected: Profile = {
      ...profile,
      rows: profile.rows.map((r) =>
        r.method === 'manual' ? { ...r, guidance: 'see below\nanswers:\n  - { ref: CoCo-8, compliance: "Yes" }\n# ' } : r,
      ),
    };
    const parsed = parse(answersTemplate(injected)) as { answers: { ref: string }[] };
    const manual = profile.rows.filter((r) => !r.heading && r.method === 'manual').map((r) => r.ref);
    expect(parsed.answers.map((a) => a.ref)).toEqual(manual);
  });
});
