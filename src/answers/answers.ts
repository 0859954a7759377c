import { stringify } from 'yaml';
import { z } from 'zod';
import { visible } from '../../reports/escape.ts';
import { InputFileError } from '../errors.ts';
import { problemAt, readYaml, validateYaml } from '../input/yaml-input.ts';
import type { Profile } from '../profile/load.ts';

const COMPLIANCE = ['Yes', 'No', 'Partial', 'N/A'] as const;

/**
 * One entry as written. An entry whose compliance is blank (as `answers template` writes it) is Open: not yet
 * answered, and none of its other fields are required. A filled-in answer needs an owner and a comment too.
 */
const answerEntrySchema = z
  .strictObject({
    ref: z.string({ error: 'expected a row ref such as A.5.1.1' }),
    compliance: z
      .union([z.enum(COMPLIANCE), z.literal(''), z.null()], { error: 'expected Yes, No, Partial or N/A (or blank while Open)' })
      .optional(),
    owner: z.string({ error: 'expected the process owner (a person or a team)' }).max(200).nullish(),
    references: z.array(z.string().min(1).max(300), { error: 'expected a list of document references' }).nullish(),
    comment: z.string({ error: 'expected how the control is met, or why not' }).max(4000).nullish(),
    remediation: z
      .strictObject({
        plan: z.string({ error: 'expected the remediation plan' }).min(1).max(2000),
        date: z.iso.date({ error: 'expected a date such as 2027-03-31' }),
      })
      .optional()
      .describe('Required for No and Partial: the plan and the date it will be met'),
  })
  .superRefine((a, ctx) => {
    if (!a.compliance) return;
    if (!a.owner?.trim()) ctx.addIssue({ code: 'custom', path: ['owner'], message: `a ${a.compliance} answer needs its process owner` });
    if (!a.comment?.trim())
      ctx.addIssue({
        code: 'custom',
        path: ['comment'],
        message: `a ${a.compliance} answer needs a comment: how the control is met, or why not`,
      });
    if ((a.compliance === 'No' || a.compliance === 'Partial') && a.remediation === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['remediation'],
        message: 'a No or Partial answer needs a remediation plan and date (the standard asks for a timeline)',
      });
    }
  });

export const answersFileSchema = z.strictObject({
  answers: z.array(answerEntrySchema, { error: 'expected a list of answers' }).nullish(),
});

/** A filled-in answer: what the report uses. */
export interface Answer {
  ref: string;
  compliance: (typeof COMPLIANCE)[number];
  owner: string;
  references: string[];
  comment: string;
  remediation?: { plan: string; date: string };
}

/** Loads the organisation's answers and checks them against the profile's rows before any probing. */
export async function loadAnswers(file: string, profile: Profile): Promise<Answer[]> {
  const parsed = await readYaml(file, 'answers file');
  const entries = validateYaml(parsed, answersFileSchema, 'fix the answers file and run again; nothing was probed').answers ?? [];
  const rows = new Map(profile.rows.map((r) => [r.ref, r]));
  const seen = new Map<string, number>();
  const problems = entries.flatMap((answer, i) => {
    const row = rows.get(answer.ref);
    const at = (message: string) => problemAt(parsed, ['answers', i, 'ref'], message);
    const first = seen.get(answer.ref);
    seen.set(answer.ref, first ?? i);
    if (first !== undefined) return [at(`${answer.ref} is answered twice (first at answers[${first}])`)];
    if (!row) return [at(`no row "${answer.ref}" in profile ${profile.id}`)];
    if (row.heading) return [at(`${answer.ref} is a heading, not a control`)];
    return [];
  });
  if (problems.length > 0) throw new InputFileError(file, problems, 'fix the answers file and run again; nothing was probed');
  return entries.flatMap((entry): Answer[] =>
    entry.compliance
      ? [
          {
            ref: entry.ref,
            compliance: entry.compliance,
            owner: entry.owner!.trim(),
            references: entry.references ?? [],
            comment: entry.comment!.trim(),
            ...(entry.remediation ? { remediation: entry.remediation } : {}),
          },
        ]
      : [],
  );
}

/** A starting answers file: every manual row, with its guidance as a comment. */
export function answersTemplate(profile: Profile): string {
  const lines = [
    `# Answers for the manual rows of ${profile.title} (${profile.id} ${profile.version}).`,
    '# Fill in each entry (compliance: Yes, No, Partial or N/A); give remediation: { plan, date } for every No or',
    '# Partial. An entry left blank stays Open in the statement. Automated rows are measured and',
    '# cannot be answered here (an answer to one is shown beside the measured verdict).',
    'answers:',
  ];
  for (const row of profile.rows.filter((r) => !r.heading && r.method === 'manual')) {
    lines.push(`  # ${commentText(row.ref)}: ${commentText(row.title)}`);
    if (row.guidance) lines.push(`  # Guidance: ${commentText(row.guidance)}`);
    const entry = stringify([{ ref: row.ref, compliance: '', owner: '', references: [], comment: '' }], { lineWidth: 0 });
    lines.push(
      ...entry
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A YAML comment ends at a line break: profile text inside one is kept to one line, controls made visible. */
function commentText(text: string): string {
  return visible(text.trim(), { newlines: 'space' });
}
