import { observationSchema } from '../history/observation.ts';
import { z } from 'zod';
import { connectionFileSchema, loadedConnectionSchema } from '../connection/schema.ts';
import { statementSchema } from '../profile/statement.ts';
import { findingSchema, FINDING_STATUSES } from '../findings.ts';
import { COMPLIANCE_VALUES } from '../profile/schema.ts';
import { changeSchema } from '../history/diff.ts';
import { UsageError } from '../errors.ts';

export const REPORT_SCHEMA_VERSION = 1;

const waiverNoteSchema = z.strictObject({
  status: z.enum(['active', 'expired']),
  expires: z.string(),
  approvedBy: z.string(),
  justification: z.string(),
  plan: z.string(),
  scope: z.enum(['row', 'findings']),
});

export const reportFindingSchema = findingSchema.extend({
  key: z.string().describe('Unique within the report: <id>@<gateway>[/<port>/<transport>]'),
  waiver: waiverNoteSchema.optional().describe('A waiver that matched this finding'),
});

/** How many earlier runs a report's verdict timeline shows beside its own (30 columns in all). */
export const MAX_EARLIER_RUNS = 29;

const earlierRunSchema = z.strictObject({
  id: z.string(),
  startedAt: z.string(),
  rows: z.array(z.strictObject({ ref: z.string(), compliance: z.enum(COMPLIANCE_VALUES) })),
});

export const reportRowSchema = z.strictObject({
  ref: z.string(),
  section: z.string(),
  title: z.string(),
  heading: z.boolean(),
  method: z.enum(['automated', 'manual']).nullable().describe('null for headings'),
  compliance: z.enum(COMPLIANCE_VALUES).nullable().describe('null for manual rows and headings: a person answers them'),
  comment: z.string(),
  findings: z.array(z.string()).describe('Keys of the findings behind the verdict'),
  reason: z.string().optional().describe('Key of the finding a reader is shown as the reason for the verdict'),
  effects: z
    .array(z.strictObject({ key: z.string(), effect: z.enum(['No', 'Partial', 'Note']) }))
    .optional()
    .describe('Each failing finding cited, and what the profile says its failure does to this row'),
  gateways: z
    .array(z.strictObject({ gateway: z.string(), compliance: z.enum(COMPLIANCE_VALUES), reason: z.string().optional() }))
    .optional()
    .describe('On an automated row of a connection with several gateways: the verdict for each gateway on its own findings'),
  waiver: waiverNoteSchema.optional().describe('The verdict stands; an active waiver keeps it from failing the exit code until it expires'),
  source: z
    .enum(['measured', 'answered', 'open'])
    .nullable()
    .describe('measured by cocoscan, answered by the organisation (--answers), or still open; null for headings'),
  answer: z
    .strictObject({
      compliance: z.enum(['Yes', 'No', 'Partial', 'N/A']),
      owner: z.string(),
      references: z.array(z.string()),
      comment: z.string(),
      remediation: z.strictObject({ plan: z.string(), date: z.string() }).optional(),
    })
    .optional()
    .describe("The organisation's answer; on an automated row it is shown beside the measured verdict, never instead of it"),
});

const countsSchema = z.record(z.string(), z.number().int().min(0));

export const runReportSchema = z.strictObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.literal('cocoscan'), version: z.string() }),
  profile: z.strictObject({
    id: z.string(),
    version: z.string(),
    title: z.string(),
    sha256: z.string(),
    statement: statementSchema.optional().describe("The statement's words from the profile; renderers use generic ones when it is absent"),
  }),
  startedAt: z.string(),
  finishedAt: z.string(),
  scanner: z.strictObject({
    hostname: z.string(),
    privileged: z.boolean(),
    nmapVersion: z.string().nullable(),
    scanType: z.enum(['syn', 'connect']),
  }),
  provenance: z
    .strictObject({
      commandLine: z.array(z.string()).describe('How cocoscan was run, option values that look like secrets masked'),
      node: z.string(),
      platform: z.string(),
    })
    .describe('How and where the run was made (with tool, profile hash, scanner and times above)'),
  connection: loadedConnectionSchema,
  addresses: z
    .array(
      z.strictObject({
        gateway: z.string().describe('Gateway name from the connection file'),
        host: z.string().describe('The host the connection file gives: an address, or a name'),
        addresses: z.array(z.string()).describe('The address probed: the host itself, or what its name resolved to (A and AAAA)'),
        failure: z.string().optional().describe('Why the name gave no address; the gateway was then not probed'),
      }),
    )
    .optional()
    .describe('The address behind every gateway, resolved once before any probe (absent in reports of earlier cocoscan versions)'),
  summary: z.strictObject({
    verdict: z
      .enum(['compliant', 'not-compliant', 'not-assessed'])
      .describe('not-assessed: no automated row is No or Partial, but at least one could not be assessed (exit code 4)'),
    exitCode: z.union([z.literal(0), z.literal(1), z.literal(4)]),
    automatedRows: countsSchema.describe('Automated rows by compliance value'),
    manualRows: z.number().int().min(0),
    findings: countsSchema.describe(`Findings by status (${FINDING_STATUSES.join(', ')})`),
    waivers: z
      .strictObject({ active: z.number().int(), expired: z.number().int(), unmatched: z.array(z.string()) })
      .optional()
      .describe('Waivers given with --waivers: how many applied, how many had expired, which matched nothing'),
  }),
  history: z
    .strictObject({
      id: z.string(),
      earlierRuns: z
        .array(earlierRunSchema)
        .max(MAX_EARLIER_RUNS)
        .optional()
        .describe('The verdicts of the automated rows in the most recent earlier runs of this connection and profile, oldest first'),
    })
    .optional()
    .describe('Where this run is kept in the history'),
  changes: z
    .strictObject({
      since: z.strictObject({ id: z.string(), startedAt: z.string(), kind: z.enum(['previous', 'baseline']) }),
      items: z.array(changeSchema),
    })
    .optional()
    .describe('What changed since the previous run of this connection, or since the approved baseline'),
  sections: z.array(z.strictObject({ id: z.string(), title: z.string() })),
  rows: z.array(reportRowSchema),
  findings: z.array(reportFindingSchema),
  observations: z
    .array(observationSchema)
    .optional()
    .describe('What the probes saw of each gateway, typed, for comparison with a later run (absent in reports of cocoscan before 0.2)'),
  artefacts: z.array(z.strictObject({ path: z.string(), sha256: z.string(), bytes: z.number().int().min(0) })),
});

export type RunReport = z.infer<typeof runReportSchema>;

/**
 * A report read back: as written, except that its connection may still use the party names of earlier
 * versions (mojSystem, thirdPartySystem), which are folded into the generic ones as a connection file's are.
 */
const storedReportSchema = runReportSchema.extend({ connection: connectionFileSchema });
export type ReportRow = z.infer<typeof reportRowSchema>;
export type ReportFinding = z.infer<typeof reportFindingSchema>;

/** Issues shown when a report read back is not a report; the rest are counted. */
const MAX_ISSUES_SHOWN = 5;

/**
 * Validates a report.json read back (history, diff, --baseline) against the published report schema
 * (schemas/report.schema.json is generated from runReportSchema). `text` is the file's content; a file that
 * is not JSON or not a report is a UsageError naming the file and the first problems, never a crash later.
 */
export function parseStoredReport(text: string, file: string): RunReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // The parser's own words describe the file, not a fault in cocoscan.
    throw new UsageError(
      `${file} is not JSON (${visible(error instanceof Error ? error.message : String(error))}), so it is not a cocoscan report`,
      READ_BACK_HINT,
    );
  }
  const result = storedReportSchema.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const shown = issues
    .slice(0, MAX_ISSUES_SHOWN)
    .map((issue) => visible(`${issue.path.length ? issue.path.map(String).join('.') : '(top level)'}: ${issue.message}`));
  const more = issues.length > MAX_ISSUES_SHOWN ? `; and ${issues.length - MAX_ISSUES_SHOWN} more` : '';
  throw new UsageError(`${file} is not a cocoscan report (schemas/report.schema.json): ${shown.join('; ')}${more}`, READ_BACK_HINT);
}

/** Key names in the problems come from the file: controls and direction overrides are shown escaped, and long text cut. */
function visible(text: string): string {
  const escaped = text.replace(
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}

const READ_BACK_HINT =
  'name another run (list them with: cocoscan history), or move that folder out of the history if it was edited or damaged';
