/**
 * The host ruleset read per address family and in rule order (issue 16 item 5), and CoCo-9 decided by both
 * firewall views (item 8), on real nftables and iptables rulesets in namespace gateways read over SSH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { labGateway, runLabCheck } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the host firewall lab tests: ${lab.reason}`);

/** The budget of a lab test that runs whole checks with SSH sessions, sized for a loaded 2-core machine. */
const LOADED_MACHINE_MS = 240_000;

const nftInput = (family: string, policy: string, rules: string[]) => `table ${family} cocoscan_fw {
  chain input {
    type filter hook input priority 0; policy ${policy};
    iif lo accept
    ct state established,related accept
    tcp dport 22 accept
${rules.map((r) => `    ${r}\n`).join('')}  }
}
`;
const iptables = (rules: string[]) =>
  [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    ...rules,
    'COMMIT',
    '',
  ].join('\n');

async function check(name: string, gateways: LabGateway[]): Promise<RunReport> {
  const run = await runLabCheck({
    name,
    gateways: gateways.map((g) => labGateway(g, { ssh: true })),
    flows: ['{ name: admin, protocol: ssh, port: 22 }'],
  });
  return run.report;
}

const finding = (report: RunReport, id: string, gateway: string) =>
  report.findings.find((f) => f.id === id && f.target.gateway === gateway);

describe.skipIf(!lab.ok)('host firewall per family and in order, and CoCo-9 from both views (real nftables and iptables)', () => {
  const gateways: LabGateway[] = [];
  let v4only: LabGateway;
  let catchAll: LabGateway;
  let iptablesOpen: LabGateway;
  let resets: LabGateway;

  let open: RunReport;
  let reset: RunReport;

  beforeAll(async () => {
    const sshd = [{ kind: 'sshd', port: 22, ssh: 'default' }] as const;
    [v4only, catchAll, iptablesOpen, resets] = await Promise.all([
      startLabGateway({ name: 'fw-v4only', services: [...sshd], nftRuleset: nftInput('ip', 'drop', []) }),
      startLabGateway({ name: 'fw-catchall', services: [...sshd], nftRuleset: nftInput('inet', 'drop', ['accept']) }),
      startLabGateway({
        name: 'fw-ipt',
        services: [...sshd],
        iptables: {
          ipv4: iptables(['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', '-A INPUT -j ACCEPT']),
          ipv6: iptables(['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT']),
        },
      }),
      startLabGateway({
        name: 'fw-resets',
        services: [...sshd],
        nftRuleset: nftInput('inet', 'accept', ['meta l4proto tcp reject with tcp reset', 'reject']),
      }),
    ]);
    gateways.push(v4only, catchAll, iptablesOpen, resets);
    // One run for the gateways whose rulesets are open, one for the gateway whose CoCo-9 row is judged alone.
    [open, reset] = await Promise.all([check('fwfamilies', [v4only, catchAll, iptablesOpen]), check('fwresets', [resets])]);
  }, LOADED_MACHINE_MS);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
  });

  it('fails a table ip with policy drop: the box is open over IPv6, and the message names the family', () => {
    const v4 = finding(open, 'host.firewall-policy', v4only.name);
    expect(v4?.status).toBe('fail');
    expect(v4?.message).toMatch(
      /does not deny by default: IPv6 open to undeclared ports\. IPv4 denies by default: nftables, table ip cocoscan_fw/,
    );
    expect(v4?.message).toContain('IPv6 accepts by default: nftables, no chain hooks input for IPv6: other ports accept');
  });

  it('fails a policy drop followed by a catch-all accept, in nftables and in iptables (read with ip6tables-save too)', () => {
    const after = finding(open, 'host.firewall-policy', catchAll.name);
    expect(after?.status).toBe('fail');
    expect(after?.message).toContain(
      'IPv4 and IPv6 accept by default: nftables, table inet cocoscan_fw, chain input (policy drop): other ports accept; tcp/22 accept',
    );
    const ipt = finding(open, 'host.firewall-policy', iptablesOpen.name);
    expect(ipt?.status).toBe('fail');
    expect(ipt?.message).toMatch(
      /IPv4 open to undeclared ports\. IPv4 accepts by default: .*iptables, filter INPUT \(policy DROP\): other ports accept/,
    );
    expect(ipt?.message).toMatch(/IPv6 denies by default: .*other ports drop; tcp\/22 accept/);
    expect(open.artefacts.map((a) => a.path)).toContain(`evidence/gateways/${iptablesOpen.name}/host/ip6tables-save.txt`);
  });

  it('gives CoCo-9 Yes for a default-deny ruleset that rejects with TCP resets, citing both views', () => {
    const host = finding(reset, 'host.firewall-policy', resets.name);
    expect(host?.status).toBe('pass');
    expect(host?.message).toContain(
      'IPv4 and IPv6 deny by default: nftables, table inet cocoscan_fw, chain input (policy accept): other ports reject; tcp/22 accept',
    );
    expect(finding(reset, 'firewall.filtering', resets.name)?.status).toBe('fail');
    const coco9 = reset.rows.find((r) => r.ref === 'CoCo-9');
    expect(coco9?.compliance).toBe('Yes');
    expect(coco9?.comment).toContain('host firewall denies by default');
    expect(coco9?.comment).toMatch(
      /Not a failure of this row, since host\.firewall-policy passes for the same gateway: .*answered with a TCP reset/,
    );
  });
});
