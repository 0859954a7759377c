import type { InputProblem } from '../errors.ts';
import type { ProfileRow } from './load.ts';
import type { ProfileFile } from './schema.ts';

/**
 * The rule every row about one concern shares: a finding that decides one row about exposure decides every
 * row about exposure, the same way. Checked by the loader, so a finding added to one row only is refused.
 *  - a row tagged with a concern cites every finding of the concern;
 *  - a row that cites a finding of a concern is tagged with it;
 *  - every row of a concern cites each of its findings with the same onFail and required.
 */
export function checkConcerns(raw: ProfileFile, rows: readonly ProfileRow[], known: (id: string) => boolean): InputProblem[] {
  const problems: InputProblem[] = [];
  const concerns = new Map(Object.entries(raw.concerns));
  const concernOf = new Map<string, string>();
  for (const [id, concern] of concerns) {
    for (const finding of concern.findings) {
      if (!known(finding)) problems.push({ path: `concerns.${id}`, message: `unknown finding id "${finding}"` });
      const other = concernOf.get(finding);
      if (other) problems.push({ path: `concerns.${id}`, message: `finding "${finding}" already belongs to concern "${other}"` });
      else concernOf.set(finding, id);
    }
  }
  const tags = rowConcerns(raw);
  const firstRule = new Map<string, { ref: string; rule: string }>();
  for (const row of rows) {
    const tagged = tags.get(row.ref) ?? [];
    for (const id of tagged) {
      const concern = concerns.get(id);
      if (!concern) {
        problems.push({ path: `row ${row.ref}`, message: `unknown concern "${id}" (known: ${[...concerns.keys()].join(', ') || 'none'})` });
        continue;
      }
      const missing = concern.findings.filter((finding) => !row.rules.some((rule) => rule.finding === finding));
      if (missing.length > 0) {
        problems.push({
          path: `row ${row.ref}`,
          message: `a row about ${id} cites every finding of the concern; add ${missing.join(', ')}`,
        });
      }
    }
    for (const rule of row.rules) {
      const id = concernOf.get(rule.finding);
      if (!id) continue;
      if (!tagged.includes(id)) {
        problems.push({
          path: `row ${row.ref}`,
          message:
            `cites ${rule.finding}, a finding of concern "${id}": tag the row "concerns: [${id}]" ` +
            `and cite all of ${concerns.get(id)!.findings.join(', ')}`,
        });
        continue;
      }
      const shape = `onFail ${rule.onFail}, required ${rule.required}`;
      const first = firstRule.get(rule.finding);
      if (!first) firstRule.set(rule.finding, { ref: row.ref, rule: shape });
      else if (first.rule !== shape) {
        problems.push({
          path: `row ${row.ref}`,
          message: `cites ${rule.finding} with ${shape}, row ${first.ref} with ${first.rule}: every row about ${id} is decided the same way`,
        });
      }
    }
  }
  return problems;
}

function rowConcerns(raw: ProfileFile): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const section of raw.sections) for (const row of section.rows) tags.set(row.ref, row.concerns ?? []);
  return tags;
}
