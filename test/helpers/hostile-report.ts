import { connectionFileSchema } from '../../src/connection/schema.ts';
import { loadProfile } from '../../src/profile/load.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { fakeNmap } from './fake-nmap.ts';

/**
 * What a hostile gateway or input file might put into text a report shows: markup, an attribute breakout,
 * controls and a bidirectional override, template syntax of the common engines, a prototype key, and closing
 * tags of the elements whose content is special (style, pre, table).
 */
export const HOSTILE_TEXT =
  ' <script>alert(1)</script> "><img src=x onerror=alert(1)> {{7*7}} ${7*7} <%= 7*7 %> __proto__ ' +
  '\u0000\u0007\u001b[31m\u009b\u202e\u2028 </style></pre></table>';

/** HOSTILE_TEXT as a reader must see it: every hidden character written as an escape, nothing else changed. */
export const HOSTILE_SHOWN =
  ' <script>alert(1)</script> "><img src=x onerror=alert(1)> {{7*7}} ${7*7} <%= 7*7 %> __proto__ ' +
  '\\x00\\x07\\x1b[31m\\x9b\\u202e\\u2028 </style></pre></table>';

/** Fields whose values are enumerations the renderers branch on; every other string in the report is hostile. */
const ENUMS = new Set(['status', 'compliance', 'method', 'source', 'kind', 'verdict', 'effect', 'scanType', 'transport']);
/** A waiver's scope is an enumeration too; the connection's scope is text. */
const SCOPES = new Set(['row', 'findings']);

/**
 * A real run's report (nmap answered from a recording) with HOSTILE_TEXT appended to every string in it, at any
 * depth: names, keys, ids and references change together, so rows still find their findings. A changes list, a
 * waiver on every automated row, a waiver that matched nothing and a finding whose data has a `__proto__` key are
 * added, so every section of every format has hostile text to show.
 */
export async function hostileReport(): Promise<RunReport> {
  const connection = connectionFileSchema.parse({
    connection: {
      name: 'cms-acme',
      connectedSystem: 'Case Management System',
      connectingSystem: 'Acme Case Portal',
      organisation: 'Acme Ltd',
      scope: 'The case-sync gateway',
      contact: 'ops@acme.example',
    },
    gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
    flows: [{ name: 'case-sync', protocol: 'https', port: 443 }],
    onwardConnections: [{ name: 'backup', description: 'Nightly backup', destination: 'vault' }],
    scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
    snmp: { timeoutSeconds: 0.5 },
  });
  const clock = [new Date('2026-11-22T10:00:00Z'), new Date('2026-11-22T10:00:05Z')];
  let tick = 0;
  const { report } = await runCheck({
    connection,
    profile: await loadProfile(),
    exec: fakeNmap('open-gateway.xml'),
    now: () => clock[Math.min(tick++, 1)]!,
    privileged: true,
  });
  const full: RunReport = {
    ...report,
    connection: { ...report.connection, connection: { ...report.connection.connection, marking: 'OFFICIAL-SENSITIVE' } },
    changes: {
      since: { id: 'run-1', startedAt: '2026-11-21T10:00:00Z', kind: 'previous' },
      items: [
        { kind: 'port-opened', subject: 'acme-gw-1 8080/tcp', before: null, after: 'http', regression: true },
        { kind: 'verdict-changed', subject: 'CoCo-9', before: 'Yes', after: 'No', regression: true },
      ],
    },
    rows: report.rows.map((r) =>
      r.method === 'automated' && !r.heading
        ? {
            ...r,
            waiver: {
              status: 'expired' as const,
              expires: '2026-11-01',
              approvedBy: 'J. Smith',
              justification: 'Moving',
              plan: 'VPN',
              scope: 'row' as const,
            },
          }
        : r,
    ),
    findings: report.findings.map((f, i) => (i === 0 ? { ...f, data: { ...(JSON.parse('{"__proto__": "polluted"}') as object) } } : f)),
    summary: { ...report.summary, waivers: { active: 0, expired: 1, unmatched: ['tls.cbc-suites (expires 2027-01-01)'] } },
  };
  return hostile(full, '') as RunReport;
}

function hostile(value: unknown, key: string): unknown {
  if (typeof value === 'string') return ENUMS.has(key) || (key === 'scope' && SCOPES.has(value)) ? value : value + HOSTILE_TEXT;
  if (Array.isArray(value)) return value.map((item) => hostile(item, key));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, hostile(item, name)]));
}
