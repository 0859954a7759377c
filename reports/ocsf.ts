import type { ReportFinding, RunReport } from '../src/report/schema.ts';
import { jsonText } from './escape.ts';

/** The OCSF release these events follow (Compliance Finding, class 2003, as that release defines it). */
export const OCSF_VERSION = '1.2.0';

const SEVERITY_ID: ReadonlyMap<string, number> = new Map([
  ['info', 1],
  ['low', 2],
  ['medium', 3],
  ['high', 4],
  ['critical', 5],
]);

/** compliance.status_id: 1 Pass, 2 Warning ("did not yield a result due to missing information"), 3 Fail, 99 Other. */
const COMPLIANCE_STATUS: ReadonlyMap<string, [number, string]> = new Map<string, [number, string]>([
  ['pass', [1, 'Pass']],
  ['fail', [3, 'Fail']],
  ['error', [2, 'Warning']],
  ['not_tested', [2, 'Warning']],
  ['not_applicable', [99, 'Not applicable']],
]);

/**
 * OCSF Compliance Finding events (class_uid 2003, OCSF 1.2.0), one JSON object a line, for a SIEM. Only fields
 * cocoscan knows are filled: the standard is the profile, the requirements are the statement rows the finding
 * decides, the resource is the gateway. A finding that could not be tested is a compliance Warning, never a Pass.
 */
export function renderOcsf(report: RunReport): string {
  return report.findings.map((f) => `${jsonText(JSON.stringify(event(report, f)))}\n`).join('');
}

function event(report: RunReport, f: ReportFinding) {
  const time = Date.parse(f.evidence.time);
  const severityId = SEVERITY_ID.get(f.severity) ?? 0;
  const [statusId, status] = COMPLIANCE_STATUS.get(f.status) ?? [0, 'Unknown'];
  const rows = report.rows.filter((r) => r.findings.includes(f.key)).map((r) => r.ref);
  return {
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2003,
    class_name: 'Compliance Finding',
    type_uid: 200301,
    type_name: 'Compliance Finding: Create',
    severity_id: severityId,
    time: Number.isFinite(time) ? time : Date.parse(report.startedAt),
    message: f.message,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'cocoscan', vendor_name: 'cocoscan', version: report.tool.version },
      correlation_uid: `${report.connection.connection.name}@${report.startedAt}`,
    },
    finding_info: {
      uid: `${f.key}@${report.startedAt}`,
      title: f.id,
      desc: f.message,
      types: [f.probe],
    },
    compliance: {
      standards: [`${report.profile.title} ${report.profile.version}`],
      ...(rows.length > 0 ? { control: rows[0], requirements: rows } : {}),
      status_id: statusId,
      status,
      ...(f.evidence.actual !== undefined ? { status_detail: f.evidence.actual } : {}),
    },
    resource: {
      name: f.target.gateway,
      type: 'Network gateway',
      uid: f.target.port !== undefined ? `${f.target.host}:${f.target.port}/${f.target.transport ?? 'tcp'}` : f.target.host,
    },
  };
}
