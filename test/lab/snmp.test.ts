import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { LAB_SNMP_CUSTOM_COMMUNITY, LAB_SNMP_V3, labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the SNMP lab tests: ${lab.reason}`);

async function check(gateway: LabGateway, v3: boolean, declareSnmp = true, communities?: string[]): Promise<RunReport> {
  const dir = await tempDir();
  const file = await writeConnection(
    dir,
    `connection: { name: ${gateway.name}, mojSystem: Case Management System, thirdPartySystem: Acme Case Portal, organisation: Acme Ltd }
gateways: [ { name: ${gateway.name}-gw, host: ${gateway.address} } ]
flows: [ ${declareSnmp ? '{ name: monitoring, protocol: snmp, port: 161, transport: udp }' : '{ name: case-sync, protocol: https, port: 443 }'} ]
scan: { tcpPorts: "1-100", udpTopPorts: 0 }
snmp:
  timeoutSeconds: 1
${communities ? `  communities: [${communities.join(', ')}]` : ''}
${v3 ? `  v3: { user: ${LAB_SNMP_V3.user}, authProtocol: sha256, authKeyEnv: LAB_SNMP_AUTH, privProtocol: aes, privKeyEnv: LAB_SNMP_PRIV }` : ''}
`,
  );
  const out = join(dir, 'out');
  const result = await runCli(['check', file, '--out', out, '--no-progress']);
  expect(result.stderr).toBe('');
  const text = await readFile(join(out, 'report.json'), 'utf8');
  // Passphrases come from the environment and never reach the report.
  expect(text).not.toContain(LAB_SNMP_V3.authKey);
  expect(text).not.toContain(LAB_SNMP_V3.privKey);
  return JSON.parse(text) as RunReport;
}

const finding = (report: RunReport, id: string) => report.findings.find((f) => f.id === id);

describe.skipIf(!lab.ok)('SNMP probe against real snmpd in lab gateways', () => {
  let publicAgent: LabGateway;
  let v3Agent: LabGateway;
  let viewAgent: LabGateway;
  let customAgent: LabGateway;

  beforeAll(async () => {
    process.env.LAB_SNMP_AUTH = LAB_SNMP_V3.authKey;
    process.env.LAB_SNMP_PRIV = LAB_SNMP_V3.privKey;
    [publicAgent, v3Agent, viewAgent, customAgent] = await Promise.all([
      startLabGateway({ name: 'snmppub', services: [{ kind: 'snmpd', port: 161, snmp: 'v2c-public' }] }),
      startLabGateway({ name: 'snmpv3', services: [{ kind: 'snmpd', port: 161, snmp: 'v3-only' }] }),
      startLabGateway({ name: 'snmpview', services: [{ kind: 'snmpd', port: 161, snmp: 'v1-ifmib-view' }] }),
      startLabGateway({ name: 'snmpcust', services: [{ kind: 'snmpd', port: 161, snmp: 'custom-community' }] }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([publicAgent?.stop(), v3Agent?.stop(), viewAgent?.stop(), customAgent?.stop()]);
  });

  it('fails the v2c "public" agent, naming the community and version, and A.11.4.2 is No', async () => {
    const report = await check(publicAgent, false);
    const community = finding(report, 'snmp.community');
    expect(community?.status).toBe('fail');
    expect(community?.message).toContain('community "public" with v2c');
    expect(community?.message).toContain('community "public" with v1');
    expect(community?.message).toMatch(/sysDescr=Linux/);
    expect(report.rows.find((r) => r.ref === 'A.11.4.2')?.compliance).toBe('No');
    // A real snmpd's software table is walked to its end: a count without "+", no truncation.
    expect(community?.evidence.raw).toMatch(/\n[1-9]\d* installed software entries \(hrSWInstalled; \d+ request\(s\)\)/);
    expect(community?.data).toMatchObject({ software: { truncated: false, stop: 'end-of-subtree' } });
  });

  it('fails CoCo-8 when SNMP answers and no flow declares it', async () => {
    const report = await check(publicAgent, false, false);
    expect(finding(report, 'snmp.undeclared')?.status).toBe('fail');
    const coco8 = report.rows.find((r) => r.ref === 'CoCo-8');
    expect(coco8?.compliance).toBe('No');
    expect(coco8?.comment).toContain('SNMP answers on 161/udp, which no flow declares');
  });

  it('passes v3 authPriv with SHA-256 and AES, with no community answered', async () => {
    const report = await check(v3Agent, true);
    expect(finding(report, 'snmp.community')?.status).toBe('pass');
    expect(finding(report, 'snmp.community')?.message).toContain('silence does not prove SNMP is off');
    expect(finding(report, 'snmp.v3-security')?.status).toBe('pass');
    // Passed because snmpd refused the lower levels, not because they went unanswered.
    expect(finding(report, 'snmp.v3-security')?.evidence.actual).toMatch(
      /noAuthNoPriv: refused \(the agent refused: .*; authNoPriv: refused \(the agent refused: /,
    );
    expect(finding(report, 'snmp.v3-crypto')?.status).toBe('pass');
    expect(finding(report, 'snmp.undeclared')?.status).toBe('pass');
    expect(report.rows.find((r) => r.ref === 'A.11.4.2')?.compliance).toBe('Yes');
  });

  it('issue 16 item 1: a v1 "public" restricted by VACM to the interfaces fails, naming the subtree it reads', async () => {
    const report = await check(viewAgent, false);
    const community = finding(report, 'snmp.community');
    expect(community?.status).toBe('fail');
    // noSuchName for the system group is an answer: the community is proven, and v2c (no access) stays silent.
    expect(community?.message).toContain('accepts community "public" with v1 in clear text');
    expect(community?.message).not.toContain('with v2c');
    expect(community?.message).toContain('the agent revealed nothing of the system group');
    expect(community?.message).toContain('the community reads 1.3.6.1.2.1.2 (interfaces)');
    expect(community?.data).toMatchObject({ readable: { subtrees: ['1.3.6.1.2.1.2'], truncated: false, stop: 'end-of-mib' } });
    expect(report.rows.find((r) => r.ref === 'A.11.4.2')?.compliance).toBe('No');
  });

  it('issue 16 item 3: an agent with a non-default community on an undeclared 161 is found by engine discovery', async () => {
    const report = await check(customAgent, false, false);
    expect(finding(report, 'snmp.community')?.status).toBe('pass');
    const undeclared = finding(report, 'snmp.undeclared');
    expect(undeclared?.status).toBe('fail');
    expect(undeclared?.message).toContain('SNMP answers on 161/udp, which no flow declares');
    expect(undeclared?.evidence.actual).toMatch(/^SNMP answered on 161\/udp \(engine discovery; SNMPv3 engine id 8000[0-9a-f]+\)$/);
    expect(report.rows.find((r) => r.ref === 'CoCo-8')?.compliance).toBe('No');
  });

  it("issue 16 item 13: the organisation's own community, accepted, is clear text: A.11.4.2 Partial", async () => {
    const report = await check(customAgent, false, true, [LAB_SNMP_CUSTOM_COMMUNITY]);
    // The organisation's own community is named by its place in the connection file only, in every finding.
    expect(JSON.stringify(report.findings)).not.toContain(LAB_SNMP_CUSTOM_COMMUNITY);
    expect(finding(report, 'snmp.community')?.status).toBe('pass');
    const cleartext = finding(report, 'snmp.cleartext');
    expect(cleartext?.status).toBe('fail');
    expect(cleartext?.message).toContain('accepts community "(community 1 of the connection file)" with v2c');
    expect(cleartext?.message).toContain('travels in clear text');
    expect(finding(report, 'snmp.undeclared')?.status).toBe('pass');
    expect(report.rows.find((r) => r.ref === 'A.11.4.2')?.compliance).toBe('Partial');
    // nmap identifies this snmpd by its SNMPv3 probe; where it cannot, the SNMP probe's own answer decides
    // (the exposure table test covers that path). Either way SNMP is what answers on the declared flow.
    const protocol = report.findings.find((f) => f.id === 'exposure.protocol-match' && f.target.port === 161);
    expect(protocol?.status).toBe('pass');
  });
});
