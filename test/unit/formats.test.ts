import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { declarationLines } from '../../src/connection/lines.ts';
import { parseYaml } from '../../src/input/yaml-input.ts';
import { loadProfile } from '../../src/profile/load.ts';
import type { ReportRow, RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { renderJunit } from '../../reports/junit.ts';
import { renderSarif, type SarifSource } from '../../reports/sarif.ts';
import { renderJsonLines } from '../../reports/jsonl.ts';
import { renderOcsf } from '../../reports/ocsf.ts';
import { BOM, renderFindingsCsv } from '../../reports/findings-csv.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const FIXTURES = join(ROOT, 'test/fixtures/formats');

/** The connection file as a user writes it: the SARIF results point at its lines. */
const CONNECTION_YAML = `connection:
  name: cms-acme
  connectedSystem: Case Management System
  connectingSystem: Acme Case Portal
  organisation: Acme Ltd
gateways:
  - name: acme-gw-1
    host: 127.0.0.1
flows:
  - name: case-sync
    protocol: https
    port: 443
  - name: admin
    protocol: ssh
    port: 22
scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 }
snmp: { timeoutSeconds: 0.5 }
`;

const parsed = parseYaml(CONNECTION_YAML, 'connection.yaml', 'connection file');
const source: SarifSource = { uri: 'connections/acme.yaml', lines: declarationLines(parsed) };
let report: RunReport;

beforeAll(async () => {
  const clock = [new Date('2026-11-22T10:00:00Z'), new Date('2026-11-22T10:00:05Z')];
  let tick = 0;
  ({ report } = await runCheck({
    connection: connectionFileSchema.parse(parsed.data),
    profile: await loadProfile(),
    exec: fakeNmap('open-gateway.xml'),
    now: () => clock[Math.min(tick++, 1)]!,
    privileged: true,
  }));
});

const HOSTILE = 'evil\u001b[31m\u0000 ]]> <script>alert(1)</script> & "q" \u202e\ufffe\ud800 =cmd|x';

/** Every failed finding and every row comment carries text a hostile gateway could send back. */
function hostile(r: RunReport): RunReport {
  return {
    ...r,
    rows: r.rows.map((row) => (row.compliance === 'No' ? { ...row, comment: `${row.comment} ${HOSTILE}` } : row)),
    findings: r.findings.map((f) => (f.status === 'fail' ? { ...f, message: `${HOSTILE}${f.message}` } : f)),
  };
}

async function xmllint(xml: string): Promise<string> {
  const file = join(await tempDir(), 'junit.xml');
  await writeFile(file, xml);
  return execFileSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit-10.xsd'), file], { encoding: 'utf8', stdio: 'pipe' });
}

type Case = Record<string, unknown> & { name: string };
interface JunitFile {
  testsuites: { tests: string; failures: string; testsuite: { testcase: Case[] }[] };
}
interface SarifResult {
  ruleId: string;
  kind: string;
  level: string;
  message: { text: string };
  partialFingerprints: { cocoscanFindingKey: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
}
interface SarifLog {
  version: string;
  runs: { results: SarifResult[] }[];
}
interface FindingLine {
  id: string;
  message: string;
  rows: string[];
}

const parseJunit = (text: string) => xml.parse(text) as JunitFile;
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => name === 'testsuite' || name === 'testcase',
});

describe('JUnit XML', () => {
  it('validates against junit-10.xsd: a case per row, No/Partial failures, Not assessed errors, manual rows skipped', async () => {
    const text = renderJunit(report);
    await xmllint(text);
    const suites = parseJunit(text).testsuites;
    const cases = suites.testsuite.flatMap((s) => s.testcase);
    const automatedOrManual = report.rows.filter((r) => !r.heading);
    expect(cases).toHaveLength(automatedOrManual.length);
    expect(suites.tests).toBe(String(automatedOrManual.length));
    const byRef = new Map(cases.map((c) => [String(c.name).split(' ')[0], c]));
    expect(byRef.get('CoCo-8')).toMatchObject({ failure: { type: 'No' } });
    expect(String((byRef.get('CoCo-8')!.failure as Record<string, string>)['#text'])).toMatch(/FAIL .* on acme-gw-1 \(127\.0\.0\.1\)/);
    expect(byRef.get('CoCo-1')).toMatchObject({ skipped: { type: 'manual' } });
    const notAssessed = report.rows.find((r) => r.compliance === 'Not assessed')!;
    expect(byRef.get(notAssessed.ref)).toMatchObject({ error: { type: 'Not assessed' } });
    const passed = report.rows.find((r) => r.compliance === 'N/A')!;
    expect(byRef.get(passed.ref)).not.toHaveProperty('failure');
    const failures = report.rows.filter((r) => r.method === 'automated' && (r.compliance === 'No' || r.compliance === 'Partial'));
    expect(suites.failures).toBe(String(failures.length));
  });

  it('a row under an active waiver is skipped, an expired one fails again', () => {
    const waive = (row: ReportRow, status: 'active' | 'expired'): ReportRow =>
      row.ref === 'CoCo-8'
        ? { ...row, waiver: { status, expires: '2026-12-01', approvedBy: 'J', justification: 'x', plan: 'y', scope: 'row' } }
        : row;
    const active = parseJunit(renderJunit({ ...report, rows: report.rows.map((r) => waive(r, 'active')) })).testsuites;
    const expired = parseJunit(renderJunit({ ...report, rows: report.rows.map((r) => waive(r, 'expired')) })).testsuites;
    const find = (s: JunitFile['testsuites']) => s.testsuite.flatMap((t) => t.testcase).find((c) => String(c.name).startsWith('CoCo-8 '));
    expect(find(active)).toMatchObject({ skipped: { type: 'waived', message: 'No, waived until 2026-12-01' } });
    expect(find(expired)).toMatchObject({ failure: { type: 'No' } });
    const unassessed = report.rows.find((r) => r.method === 'automated' && r.compliance === 'Not assessed')!;
    const waivedUnassessed = parseJunit(
      renderJunit({
        ...report,
        rows: report.rows.map((r) =>
          r.ref === unassessed.ref
            ? { ...r, waiver: { status: 'active', expires: '2026-12-01', approvedBy: 'J', justification: 'x', plan: 'y', scope: 'row' } }
            : r,
        ),
      }),
    ).testsuites;
    const unassessedCase = waivedUnassessed.testsuite
      .flatMap((t) => t.testcase)
      .find((c) => String(c.name).startsWith(`${unassessed.ref} `));
    // A waiver never excuses a row that could not be assessed: it stays an error.
    expect(unassessedCase).toMatchObject({ error: { type: 'Not assessed' } });
  });

  it('hostile server text stays data: controls shown as escapes, no markup, still valid against the schema', async () => {
    const text = renderJunit(hostile(report));
    await xmllint(text);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain(']]>');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202e\ufffe]/);
    expect(text).toContain('evil\\x1b[31m\\x00 ]]&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; \\u202e\\ufffe\\ud800');
  });
});

function sarifValidator() {
  return readFile(join(FIXTURES, 'sarif-schema-2.1.0.json'), 'utf8').then((text) => {
    // Draft-04: ajv 8 reads `$id`, and the draft-04 meta-schema is not bundled with it (see SOURCES.md).
    const { $schema: _drop, id, ...schema } = JSON.parse(text) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('date-time', (v: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v));
    ajv.addFormat('uri', (v: string) => URL.canParse(v));
    ajv.addFormat('uri-reference', (v: string) => URL.canParse(v, 'file:///base/'));
    return ajv.compile({ $id: id as string, ...schema });
  });
}

describe('SARIF 2.1.0', () => {
  it('validates against the OASIS schema; a result per failing finding, at the line declaring its flow or gateway', async () => {
    const validate = await sarifValidator();
    const sarif = JSON.parse(renderSarif(report, source)) as SarifLog;
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...sarif, version: '2.0.0' })).toBe(false);
    const results = sarif.runs[0]!.results;
    const failing = report.findings.filter((f) => f.status === 'fail');
    expect(results.filter((r) => r.kind === 'fail').map((r) => r.partialFingerprints.cocoscanFindingKey)).toEqual(
      failing.map((f) => f.key),
    );
    const undeclared = results.find((r) => r.ruleId === 'exposure.undeclared-port')!;
    expect(undeclared.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'connections/acme.yaml' },
      region: { startLine: 7 },
    });
    expect(undeclared.level).toBe('error');
    const onFlow = results.find((r) => r.partialFingerprints.cocoscanFindingKey === 'ssh.kex@acme-gw-1/22/tcp')!;
    expect(onFlow).toMatchObject({ kind: 'open', level: 'none' });
    expect(onFlow.locations[0]!.physicalLocation.region.startLine).toBe(13);
    for (const r of results.filter((x) => x.kind === 'open')) expect(r.level).toBe('none');
    expect(source.lines.flows.get('case-sync')).toBe(10);
    expect(source.lines.flows.get('admin')).toBe(13);
  });

  it('hostile server text is JSON data, terminal controls escaped, and the file still validates', async () => {
    const validate = await sarifValidator();
    const text = renderSarif(hostile(report), source);
    expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    const sarif = JSON.parse(text) as SarifLog;
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    expect(sarif.runs[0]!.results[0]!.message.text).toContain('<script>alert(1)</script>');
  });
});

describe('JSON Lines and the finding-level CSV', () => {
  it('JSON Lines: one finding a line, each naming its run and rows', () => {
    const lines = renderJsonLines(hostile(report)).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(report.findings.length);
    const first = JSON.parse(lines[0]!) as FindingLine;
    expect(first).toMatchObject({ tool: 'cocoscan', connection: 'cms-acme', profile: report.profile.id, key: report.findings[0]!.key });
    const undeclared = lines.map((l) => JSON.parse(l) as FindingLine).find((f) => f.id === 'exposure.undeclared-port')!;
    expect(undeclared).toMatchObject({ status: 'fail', gateway: 'acme-gw-1', port: 8080, transport: 'tcp' });
    expect(undeclared.rows).toContain('CoCo-8');
    expect(undeclared.message.startsWith(HOSTILE)).toBe(true);
    expect(lines.join('')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('findings.csv starts with a BOM, has one line per finding, and defuses formulas', () => {
    const csv = renderFindingsCsv({
      ...report,
      findings: report.findings.map((f, i) =>
        i === 0 ? { ...f, message: '=HYPERLINK("http://x")', target: { ...f.target, host: '\t@SUM(1)' } } : f,
      ),
    });
    expect(csv.startsWith(`${BOM}Finding key,Finding id,Status,Severity,Gateway,Host,Port`)).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(report.findings.length + 2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(lines[1]).toContain(`'\\x09@SUM(1)`);
    expect(csv).toContain('exposure.undeclared-port@acme-gw-1/8080/tcp,exposure.undeclared-port,FAIL');
  });
});

interface OcsfEvent {
  message: string;
  time: unknown;
  compliance: { standards: string[] };
  finding_info: { uid: string };
}

describe('OCSF Compliance Finding events', () => {
  it('one class 2003 event a finding, with the fields OCSF 1.2.0 requires and honest compliance statuses', () => {
    const events = renderOcsf(hostile(report))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as OcsfEvent);
    expect(events).toHaveLength(report.findings.length);
    for (const e of events) {
      for (const field of [
        'activity_id',
        'category_uid',
        'class_uid',
        'metadata',
        'severity_id',
        'time',
        'type_uid',
        'compliance',
        'finding_info',
      ])
        expect(e, field).toHaveProperty(field);
      expect(e).toMatchObject({
        class_uid: 2003,
        category_uid: 2,
        type_uid: 200301,
        metadata: { version: '1.2.0', product: { name: 'cocoscan' } },
      });
      expect(e.compliance.standards).toEqual([`${report.profile.title} ${report.profile.version}`]);
      expect(typeof e.time).toBe('number');
    }
    const byKey = new Map(events.map((e) => [e.finding_info.uid.replace(/@2026-11-22T10:00:00\.000Z$/, ''), e]));
    expect(byKey.get('exposure.undeclared-port@acme-gw-1/8080/tcp')).toMatchObject({
      severity_id: 4,
      compliance: { status_id: 3, status: 'Fail' },
      resource: { name: 'acme-gw-1', uid: '127.0.0.1:8080/tcp' },
    });
    // Could not be tested: a Warning (no result for lack of information), never a Pass.
    expect(byKey.get('ssh.kex@acme-gw-1/22/tcp')).toMatchObject({ compliance: { status_id: 2, status: 'Warning' } });
    expect(byKey.get('exposure.undeclared-port@acme-gw-1/8080/tcp')!.message.startsWith(HOSTILE)).toBe(true);
  });
});
