import { z } from 'zod';
import { REQUIRABLE_CONNECTION_FIELDS, statementSchema } from './statement.ts';

export const COMPLIANCE_VALUES = ['Yes', 'No', 'Partial', 'N/A', 'Not assessed'] as const;
export type Compliance = (typeof COMPLIANCE_VALUES)[number];

const findingRule = z.union([
  z.string({ error: 'expected a finding id such as exposure.undeclared-port' }),
  z.strictObject({
    finding: z.string({ error: 'expected a finding id' }),
    onFail: z
      .enum(['No', 'Partial', 'Note'], { error: 'expected "No", "Partial" or "Note"' })
      .default('No')
      .describe('What a failure of this finding does to the row: No, Partial, or Note (named in the comment, verdict unchanged)'),
    required: z
      .boolean()
      .default(true)
      .describe(
        'false: when this finding could not be tested (no credentials, say), the row is still judged on the others; the reason is cited',
      ),
    unlessPasses: z
      .string({ error: 'expected a finding id listed in the same row' })
      .optional()
      .describe(
        'Another finding of the row: when it passes for the same gateway, a fail of this one does not decide the row; both are cited',
      ),
  }),
]);

const rowSchema = z
  .strictObject({
    ref: z.string({ error: 'expected a row reference such as A.10.4.1' }).min(1).max(40),
    title: z.string({ error: 'expected a short title' }).min(1).max(300),
    heading: z.boolean().default(false),
    method: z.enum(['automated', 'manual'], { error: 'expected "automated" or "manual"' }).optional(),
    decidedBy: z.array(findingRule).optional(),
    guidance: z.string().max(2000).optional(),
    attest: z.string().max(1000).optional().describe('The part of the control no probe can see, left for a person to confirm'),
    supportedBy: z
      .array(z.string({ error: 'expected a finding id' }))
      .min(1, { error: 'list at least one finding id, or leave supportedBy out' })
      .optional()
      .describe(
        'On a manual row: findings cited beside it as supporting evidence; the row stays for a person to answer, whatever they say',
      ),
    concerns: z
      .array(z.string({ error: 'expected a concern id such as exposure' }))
      .optional()
      .describe('The concerns (profile `concerns`) this row is about: it cites every finding of each, with the same rule as the others'),
  })
  .superRefine((row, ctx) => {
    if (row.heading) {
      if (row.method || row.decidedBy || row.concerns || row.supportedBy)
        ctx.addIssue({ code: 'custom', message: 'a heading row has no method, decidedBy, supportedBy or concerns' });
      return;
    }
    if (!row.method) ctx.addIssue({ code: 'custom', path: ['method'], message: 'missing: expected "automated" or "manual"' });
    if (row.method === 'automated' && (!row.decidedBy || row.decidedBy.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['decidedBy'], message: 'an automated row needs at least one finding id' });
    }
    if (row.method === 'automated' && row.supportedBy) {
      ctx.addIssue({
        code: 'custom',
        path: ['supportedBy'],
        message: 'supportedBy is for a manual row; on an automated row list the findings in decidedBy (onFail: Note cites one only)',
      });
    }
    if (row.method === 'manual' && row.decidedBy) {
      ctx.addIssue({
        code: 'custom',
        path: ['decidedBy'],
        message: 'a manual row is answered by a person; remove decidedBy or make it automated',
      });
    }
  });

export const profileSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'expected a lower-case id such as moj-coco' }),
  version: z.string({ error: 'expected a version string such as "1.0.0"' }).min(1).max(40),
  title: z.string().min(1).max(300),
  description: z.string().max(4000).optional(),
  source: z.string().max(1000).optional(),
  thresholds: z.record(z.string(), z.unknown()).default({}),
  statement: statementSchema.default(() => statementSchema.parse({})),
  requires: z
    .array(z.enum(REQUIRABLE_CONNECTION_FIELDS, { error: `expected a connection field: ${REQUIRABLE_CONNECTION_FIELDS.join(', ')}` }))
    .default([])
    .describe('Connection fields (connection.<field>) a connection file must give to be checked against this profile'),
  concerns: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'expected a lower-case concern id such as exposure' }),
      z.strictObject({
        title: z.string().min(1).max(300),
        findings: z.array(z.string({ error: 'expected a finding id' })).min(1, { error: 'a concern needs at least one finding id' }),
      }),
    )
    .default({})
    .describe(
      'Findings that decide every row about the same thing: a row that cites one of them is tagged with the concern and cites them all',
    ),
  sections: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9-]+$/, { error: 'expected a lower-case section id' }),
        title: z.string().min(1).max(300),
        rows: z.array(rowSchema).min(1, { error: 'a section needs at least one row' }),
      }),
    )
    .min(1, { error: 'a profile needs at least one section' }),
});

export type ProfileFile = z.output<typeof profileSchema>;
