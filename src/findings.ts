import { z } from 'zod';

export const FINDING_STATUSES = ['pass', 'fail', 'error', 'not_tested', 'not_applicable'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const targetSchema = z.strictObject({
  gateway: z.string().describe('Gateway name from the connection file'),
  host: z.string().describe('Host that was probed'),
  port: z.number().int().min(1).max(65535).optional(),
  transport: z.enum(['tcp', 'udp']).optional(),
  flow: z.string().optional().describe('Declared flow this finding is about, if any'),
});
export type FindingTarget = z.infer<typeof targetSchema>;

export const evidenceSchema = z.strictObject({
  source: z.string().describe('What produced the evidence, e.g. "nmap 7.93 -sS -sV"'),
  time: z.string().describe('When the evidence was gathered (ISO 8601)'),
  expected: z.string().optional().describe('What the profile expects'),
  actual: z.string().optional().describe('What was observed'),
  raw: z.string().optional().describe('A short raw excerpt; attacker-controlled text, never trusted'),
  artefacts: z.array(z.string()).optional().describe('Files under evidence/ that hold the full raw data'),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const findingSchema = z.strictObject({
  id: z.string().describe('Finding id, "<probe>.<check>"'),
  probe: z.string(),
  target: targetSchema,
  status: z.enum(FINDING_STATUSES),
  severity: z.enum(SEVERITIES),
  message: z.string(),
  evidence: evidenceSchema,
  data: z.record(z.string(), z.unknown()).optional().describe('Structured detail for other tools (ports, counts, …)'),
});
export type Finding = z.infer<typeof findingSchema>;

/** Raw excerpts are capped so one hostile banner cannot bloat a report. */
export const MAX_RAW_EXCERPT = 2000;

export function excerpt(text: string, limit = MAX_RAW_EXCERPT): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}… [${text.length - limit} more characters in the artefact]`;
}
