// net-snmp publishes no types: the declarations cocoscan wrote for it ship with the package (build-assets.mjs copies
// them), and this reference, kept in dist/src/index.d.ts, brings them to a consumer's compiler. An ambient module
// declaration cannot be imported.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./snmp/net-snmp.d.ts" preserve="true" />
/**
 * cocoscan as a library (`import { runCheck } from 'cocoscan'`): load and validate a connection file and a profile,
 * run the check, render and write the report. The CLI (src/cli/main.ts) is built from these same pieces.
 */
export { main } from './cli/main.ts';
export { TOOL_VERSION } from './version.ts';

export { loadConnectionFile } from './connection/load.ts';
export { connectionFileSchema, type ConnectionFile, type Flow, type Gateway, type SshCredentials } from './connection/schema.ts';

export {
  builtinProfiles,
  DEFAULT_PROFILE,
  loadProfile,
  parseProfile,
  type Profile,
  type ProfileRow,
  type RowRule,
} from './profile/load.ts';
export { checkProfileRequirements } from './profile/requirements.ts';
export { loadWaivers, type Waiver } from './waivers/waivers.ts';
export { answersTemplate, loadAnswers, type Answer } from './answers/answers.ts';

export { runCheck, type CheckOptions, type CheckResult } from './run-check.ts';
export type { Baseline } from './check/compare.ts';
export type { ActivityEvent } from './facts/facts.ts';
export type { Artefact } from './evidence-store.ts';
export { PROBES } from './probe/registry.ts';

export {
  parseStoredReport,
  REPORT_SCHEMA_VERSION,
  runReportSchema,
  type ReportFinding,
  type ReportRow,
  type RunReport,
} from './report/schema.ts';
export { FINDING_STATUSES, SEVERITIES, type Finding, type FindingStatus, type Severity } from './findings.ts';
export { publishedSchemas } from './schemas.ts';

export { MANIFEST_PATH, renderReportFiles, writeReportFolder } from './output/write-report.ts';
export { verifyReportFolder, type VerifyResult } from './output/verify.ts';
export { renderCsv } from '../reports/csv.ts';
export { renderDocx } from '../reports/docx.ts';
export { renderHtml } from '../reports/html.ts';
export { renderJson } from '../reports/json.ts';
export { renderMarkdown } from '../reports/markdown.ts';
export { renderTextSummary } from '../reports/text.ts';

export {
  AmbiguousHostError,
  CocoscanError,
  ExitCode,
  InputFileError,
  InternalError,
  OutputError,
  ProfileNotFoundError,
  ToolMissingError,
  UsageError,
  type InputProblem,
} from './errors.ts';
