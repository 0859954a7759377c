import { describe, expect, it } from 'vitest';
import type { FindingStatus } from '../../src/findings.ts';
import type { Verdict } from '../../src/probe/contract.ts';

/** What one verdict of a case must be; fields left out are not checked. `params` is matched as a subset. */
export interface ExpectedVerdict<Id extends string> {
  id: Id;
  status: FindingStatus;
  /** The target's port, when the verdict is about one. */
  port?: number;
  params?: Record<string, string | number | RegExp>;
  /** Matched against `evidence.actual`. */
  actual?: string | RegExp;
}

interface BaseCase<F> {
  name: string;
  facts: F;
  /** Defaults to the table's thresholds. */
  thresholds?: unknown;
  /** Defaults to the table's `now`. */
  now?: Date;
}

/** A case whose every verdict passes (or does not apply). */
export type ValidCase<F> = BaseCase<F>;
/** A case with the verdicts it must give; verdicts for ids not listed are not checked. */
export interface InvalidCase<F, Id extends string> extends BaseCase<F> {
  verdicts: ExpectedVerdict<Id>[];
}

export interface JudgeTable<F, T, Id extends string> {
  judge: (facts: F, thresholds: T, now: Date) => Verdict<Id>[];
  thresholds: T;
  now: Date;
  valid: ValidCase<F>[];
  invalid: InvalidCase<F, Id>[];
}

/**
 * A table of cases for one judge, in the style of ESLint's RuleTester: `valid` facts give only passes (or
 * not_applicable), `invalid` facts give the listed verdicts. Every case also checks that the judge is pure
 * (the same facts give the same verdicts twice, and the facts are not changed).
 */
export function judgeTable<F, T, Id extends string>(title: string, table: JudgeTable<F, T, Id>): void {
  const run = (c: BaseCase<F>) => table.judge(c.facts, (c.thresholds ?? table.thresholds) as T, c.now ?? table.now);
  describe(title, () => {
    describe('valid', () => {
      for (const c of table.valid) {
        it(c.name, () => {
          const verdicts = checkedRun(c, run);
          expect(verdicts.length, 'a valid case gives at least one verdict').toBeGreaterThan(0);
          for (const v of verdicts)
            expect({ id: v.id, status: v.status, port: v.target.port }).toMatchObject({
              status: expect.stringMatching(/^(pass|not_applicable)$/),
            });
        });
      }
    });
    describe('invalid', () => {
      for (const c of table.invalid) {
        it(c.name, () => {
          const verdicts = checkedRun(c, run);
          for (const expected of c.verdicts) {
            const candidates = verdicts.filter(
              (v) => v.id === expected.id && (expected.port === undefined || v.target.port === expected.port),
            );
            expect(candidates.length, `a verdict ${expected.id}${expected.port ? ` on port ${expected.port}` : ''}`).toBeGreaterThan(0);
            expect(
              candidates.map((v) => v.status),
              `status of ${expected.id}`,
            ).toContain(expected.status);
            const verdict = candidates.find((v) => v.status === expected.status)!;
            for (const [name, value] of Object.entries(expected.params ?? {})) {
              const actual = verdict.params?.[name];
              if (value instanceof RegExp) expect(String(actual), `param ${name} of ${expected.id}`).toMatch(value);
              else expect(actual, `param ${name} of ${expected.id}`).toEqual(value);
            }
            if (expected.actual !== undefined) {
              if (expected.actual instanceof RegExp) expect(verdict.evidence.actual ?? '').toMatch(expected.actual);
              else expect(verdict.evidence.actual).toEqual(expected.actual);
            }
          }
        });
      }
    });
  });
}

function checkedRun<F>(c: BaseCase<F>, run: (c: BaseCase<F>) => Verdict[]): Verdict[] {
  const before = structuredClone(c.facts);
  const first = run(c);
  expect(c.facts, 'the judge does not change its facts').toEqual(before);
  expect(run(c), 'the judge gives the same verdicts for the same facts').toEqual(first);
  return first;
}
