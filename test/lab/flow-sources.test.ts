/**
 * A flow open only to given sources (issue 16 item 12), on real nftables rulesets in namespace gateways read over
 * SSH: the scanner (10.213.x.1) is outside the declared 10.99.0.0/16, so the external view cannot reach the flow by
 * design, and the ruleset decides whether the port refuses every other source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { labGateway, runLabCheck } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the flow sources lab tests: ${lab.reason}`);

/** The budget of a lab test that runs a whole check with SSH sessions, sized for a loaded 2-core machine. */
const LOADED_MACHINE_MS = 240_000;

const nftInput = (rule: string) => `table inet cocoscan_fw {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport 22 accept
    ${rule}
  }
}
`;

async function check(gateways: LabGateway[], sources = '10.99.0.0/16'): Promise<RunReport> {
  const run = await runLabCheck({
    name: 'flowsources',
    gateways: gateways.map((g) => labGateway(g, { ssh: true })),
    flows: ['{ name: admin, protocol: ssh, port: 22 }', `{ name: api, protocol: https, port: 8443, sources: [${sources}] }`],
    tcpPorts: '1-1024,8443',
  });
  return run.report;
}

const finding = (report: RunReport, id: string, gateway: string) =>
  report.findings.find((f) => f.id === id && f.target.gateway === gateway && (f.target.port ?? 8443) === 8443);

describe.skipIf(!lab.ok)('a flow open only to given sources (real nftables, scanner outside them)', () => {
  const gateways: LabGateway[] = [];
  let restricted: LabGateway;
  let wide: LabGateway;
  let self: LabGateway;
  let report: RunReport;
  let selfReport: RunReport;

  beforeAll(async () => {
    const services = [
      { kind: 'sshd', port: 22, ssh: 'default' },
      { kind: 'nginx-https', port: 8443 },
    ] as const;
    [restricted, wide] = await Promise.all([
      startLabGateway({ name: 'src-exact', services: [...services], nftRuleset: nftInput('ip saddr 10.99.0.0/16 tcp dport 8443 accept') }),
      startLabGateway({ name: 'src-wide', services: [...services], nftRuleset: nftInput('ip saddr 10.96.0.0/12 tcp dport 8443 accept') }),
    ]);
    // The lab's links are all in 10.213.0.0/16: a flow open to it is open to the scanner too.
    self = await startLabGateway({
      name: 'src-self',
      services: [...services],
      nftRuleset: nftInput('ip saddr 10.213.0.0/16 tcp dport 8443 accept'),
    });
    gateways.push(restricted, wide, self);
    [report, selfReport] = await Promise.all([check([restricted, wide]), check([self], '10.213.0.0/16')]);
  }, LOADED_MACHINE_MS);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
  });

  it('says the external view could not reach the flow by design, not that it could not be assessed', () => {
    for (const gateway of [restricted, wide]) {
      for (const id of ['exposure.declared-port', 'exposure.protocol-match']) {
        const seen = finding(report, id, gateway.name);
        expect(seen?.status, `${id} on ${gateway.name}`).toBe('not_applicable');
        expect(seen?.message).toContain(
          'restricted to 10.99.0.0/16 by design; the scanner is not among them; the ruleset, when read, is the evidence (the sweep saw filtered)',
        );
      }
    }
  });

  it('does not hold the TLS settings of the unreachable flow against the gateway: CoCo-8 is assessed', () => {
    for (const gateway of [restricted, wide]) {
      const tls = finding(report, 'tls.protocols', gateway.name);
      expect(tls?.status).toBe('not_applicable');
      expect(tls?.message).toContain('restricted to 10.99.0.0/16 by design; the scanner is not among them; its TLS can only be inspected');
    }
    expect(report.rows.find((r) => r.ref === 'CoCo-8')?.compliance).toBe('Yes');
  });

  it('passes the ruleset that accepts the port only from the declared block, over IPv4 and IPv6', () => {
    const seen = finding(report, 'host.flow-sources', restricted.name);
    expect(seen?.status).toBe('pass');
    expect(seen?.message).toBe(
      `${restricted.name} accepts flow api only from 10.99.0.0/16: ` +
        'tcp/8443 IPv4: nftables refuses every other source. IPv6: nftables refuses every other source',
    );
  });

  it('fails the ruleset that accepts a wider block, naming it', () => {
    const seen = finding(report, 'host.flow-sources', wide.name);
    expect(seen?.status).toBe('fail');
    expect(seen?.message).toBe(
      `${wide.name} accepts flow api from sources other than 10.99.0.0/16: ` +
        'tcp/8443 IPv4: nftables accepts 10.96.0.0/12. IPv6: nftables refuses every other source',
    );
    // The default deny still holds on both gateways: one flow's rule too wide makes CoCo-9 Partial, citing it.
    const coco9 = report.rows.find((r) => r.ref === 'CoCo-9');
    expect(coco9?.compliance).toBe('Partial');
    expect(coco9?.comment).toContain('accepts flow api from sources other than 10.99.0.0/16');
  });

  it('judges a flow whose sources hold the scanner as any other: it answers, its TLS is read, its ruleset restricts it', () => {
    expect(finding(selfReport, 'exposure.declared-port', self.name)?.status).toBe('pass');
    expect(finding(selfReport, 'exposure.protocol-match', self.name)?.status).toBe('pass');
    expect(finding(selfReport, 'tls.protocols', self.name)?.status).toBe('pass');
    expect(finding(selfReport, 'host.flow-sources', self.name)?.message).toBe(
      `${self.name} accepts flow api only from 10.213.0.0/16: ` +
        'tcp/8443 IPv4: nftables refuses every other source. IPv6: nftables refuses every other source',
    );
  });
});
