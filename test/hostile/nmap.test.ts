import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exposureFacts } from '../../probes/exposure/gather.ts';
import { judgeExposure, MAX_UNDECLARED_LISTED } from '../../probes/exposure/judge.ts';
import { judgeFiltering } from '../../probes/firewall/judge.ts';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import type { Exec, ExecResult } from '../../src/exec.ts';
import type { FactDeps } from '../../src/facts/facts.ts';
import { collectSweeps, type SweepFact } from '../../src/facts/sweep.ts';
import { sweepFailureReason } from '../../src/facts/sweep-reading.ts';
import { factDeps } from '../helpers/fact-deps.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/nmap/${name}`, import.meta.url), 'utf8');
const RECORDED = '10.213.37.2';
/** The recording of a firewalled gateway (22 and 443 open, the rest dropped), for the address RECORDED. */
const firewalled = () => fixture('firewalled-gateway.xml').replaceAll('10.213.209.2', RECORDED);

/** An nmap stand-in: writes the XML `answer` gives for its targets where -oX says, and exits as told. */
function fakeNmap(answer: (targets: string[]) => { xml: string; result?: Partial<ExecResult> } | Error): Exec {
  return (command, args) => {
    const targets = args.slice(args.indexOf('--') + 1);
    const reply = answer(targets);
    if (reply instanceof Error) return Promise.reject(reply);
    writeFileSync(args[args.indexOf('-oX') + 1]!, reply.xml);
    return Promise.resolve({ command, args, exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...reply.result });
  };
}

function deps(exec: Exec, gateways: { name: string; host: string }[]): FactDeps {
  const connection = connectionFileSchema.parse({
    connection: { name: 'hostile', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways,
    flows: [{ name: 'web', protocol: 'https', port: 443 }],
    // The recordings below are TCP sweeps, answered to every nmap run: no UDP run here.
    scan: { udpTopPorts: 0 },
  });
  return factDeps(connection, exec);
}

async function sweep(exec: Exec, gateways: { name: string; host: string }[]): Promise<Map<string, SweepFact>> {
  const d = deps(exec, gateways);
  return collectSweeps(d, d.connection.gateways, () => {});
}

function verdicts(fact: SweepFact) {
  const flows = [
    { name: 'admin', protocol: 'ssh', port: 22, transport: 'tcp' as const },
    { name: 'web', protocol: 'https', port: 443, transport: 'tcp' as const, tls: true },
  ];
  const exposure = judgeExposure(exposureFacts(fact, flows));
  return {
    undeclared: exposure.filter((f) => f.id === 'exposure.undeclared-port').map((f) => f.status),
    firewall: judgeFiltering(
      {
        failure: sweepFailureReason(fact),
        host: fact.host,
        target: { gateway: fact.gateway.name, host: fact.gateway.host },
        declaredTcp: [22, 443],
        source: { name: fact.source, time: fact.time },
      },
      { minFilteredShare: 0.9 },
    ).status,
  };
}

/** A gateway answering on every TCP port, each with a long banner: a tarpit. */
function tarpitXml(address: string): string {
  const banner = 'X'.repeat(300);
  const ports = Array.from(
    { length: 65535 },
    (_, i) =>
      `<port protocol="tcp" portid="${i + 1}"><state state="open" reason="syn-ack" reason_ttl="64"/>` +
      `<service name="http" product="${banner}" method="probed" conf="10"/></port>`,
  ).join('\n');
  return (
    '<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93"><host><status state="up" reason="user-set"/>' +
    `<address addr="${address}" addrtype="ipv4"/><ports>${ports}</ports></host>` +
    '<runstats><finished exit="success" elapsed="1"/><hosts up="1" down="0" total="1"/></runstats></nmaprun>'
  );
}

describe('nmap sweeps from a hostile or broken scan', () => {
  it('reads a sweep cut short (nmap killed mid-write) as an error for the gateway, never as "no open ports"', async () => {
    const whole = firewalled();
    const cut = whole.slice(0, whole.indexOf('<port protocol="tcp" portid="22"'));
    const facts = await sweep(
      fakeNmap(() => ({ xml: cut, result: { exitCode: null, signal: 'SIGKILL' } })),
      [{ name: 'gw', host: RECORDED }],
    );
    expect(verdicts(facts.get('gw')!)).toEqual({ undeclared: ['error'], firewall: 'error' });
    // The same cut XML with nmap claiming success is no better.
    const lying = await sweep(
      fakeNmap(() => ({ xml: cut })),
      [{ name: 'gw', host: RECORDED }],
    );
    expect(verdicts(lying.get('gw')!)).toEqual({ undeclared: ['error'], firewall: 'error' });
    expect(sweepFailureReason(lying.get('gw')!)).toMatch(/malformed/);
  });

  it('reads a gateway missing from a finished sweep as an error for it alone, not as "all ports closed"', async () => {
    const xml = firewalled();
    const facts = await sweep(
      fakeNmap(() => ({ xml })),
      [
        { name: 'present', host: RECORDED },
        { name: 'missing', host: '10.213.37.3' },
      ],
    );
    expect(sweepFailureReason(facts.get('present')!)).toBeUndefined();
    expect(verdicts(facts.get('present')!)).toEqual({ undeclared: ['pass'], firewall: 'pass' });
    expect(verdicts(facts.get('missing')!)).toEqual({ undeclared: ['error'], firewall: 'error' });
    expect(sweepFailureReason(facts.get('missing')!)).toMatch(/no record for "10.213.37.3"/);
  });

  it('keeps the IPv4 gateways judged when the IPv6 sweep is garbage or its runner fails', async () => {
    for (const broken of [
      { xml: '<nmaprun><host><ports><port protocol="tcp" portid="0"' },
      { xml: fixture('open-gateway.xml').replace('portid="22"', 'portid="70000"') },
      new Error('spawn failed'),
    ]) {
      const facts = await sweep(
        fakeNmap((targets) => (targets.includes('2001:db8::1') ? broken : { xml: firewalled() })),
        [
          { name: 'v4', host: RECORDED },
          { name: 'v6', host: '2001:db8::1' },
        ],
      );
      expect(verdicts(facts.get('v4')!)).toEqual({ undeclared: ['pass'], firewall: 'pass' });
      expect(verdicts(facts.get('v6')!)).toEqual({ undeclared: ['error'], firewall: 'error' });
    }
  });

  it('reads a host nmap did not call up as an error, whatever its ports say', async () => {
    const xml = fixture('open-gateway.xml').replace(
      '<status state="up" reason="arp-response" reason_ttl="0"/>\n' +
        '<address addr="10.213.37.2" addrtype="ipv4"/>\n' +
        '<address addr="6E:D4:63:DF:B4:6D" addrtype="mac"/>\n<hostnames>\n</hostnames>\n<ports>',
      '<status state="unknown" reason="user-set"/>\n<address addr="10.213.37.2" addrtype="ipv4"/>\n<hostnames>\n</hostnames>\n<ports>',
    );
    expect(xml).toContain('state="unknown"');
    const facts = await sweep(
      fakeNmap(() => ({ xml })),
      [{ name: 'gw', host: RECORDED }],
    );
    expect(verdicts(facts.get('gw')!).undeclared).toEqual(['error']);
  });

  it('bounds the findings of a tarpit open on all 65535 ports with long banners: 201 findings, small, in seconds', async () => {
    const xml = tarpitXml(RECORDED);
    expect(xml.length).toBeGreaterThan(25_000_000);
    const started = performance.now();
    const facts = await sweep(
      fakeNmap(() => ({ xml })),
      [{ name: 'gw', host: RECORDED }],
    );
    const fact = facts.get('gw')!;
    const flows = [{ name: 'web', protocol: 'https', port: 443, transport: 'tcp' as const, tls: true }];
    const findings = judgeExposure(exposureFacts(fact, flows));
    const seconds = (performance.now() - started) / 1000;
    const undeclared = findings.filter((f) => f.id === 'exposure.undeclared-port');
    expect(undeclared).toHaveLength(MAX_UNDECLARED_LISTED + 1);
    expect(undeclared.every((f) => f.status === 'fail')).toBe(true);
    expect(undeclared.at(-1)!.params?.service).toContain(`and ${65534 - MAX_UNDECLARED_LISTED} more`);
    expect(JSON.stringify(findings).length).toBeLessThan(400_000);
    expect(seconds).toBeLessThan(30);
  }, 60_000);
});

describe('a sweep nmap did not finish with success', () => {
  it('is never judged, even when the outcome claims ok', async () => {
    const facts = await sweep(
      fakeNmap(() => ({ xml: firewalled() })),
      [{ name: 'gw', host: RECORDED }],
    );
    const fact = facts.get('gw')!;
    expect(verdicts(fact)).toEqual({ undeclared: ['pass'], firewall: 'pass' });
    if (!fact.outcome.ok) throw new Error('the recorded sweep should read');
    const interrupted: SweepFact = {
      ...fact,
      outcome: { ...fact.outcome, run: { ...fact.outcome.run, exit: 'error', errorMessage: 'interrupted' } },
    };
    expect(sweepFailureReason(interrupted)).toMatch(/ended the sweep with "error": interrupted/);
    expect(verdicts(interrupted)).toEqual({ undeclared: ['error'], firewall: 'error' });
  });
});

describe('a sweep whose host record lacks ports nmap says it swept', () => {
  it('is an error, not a port list to judge', async () => {
    const port22 = /<port protocol="tcp" portid="22">.*?<\/port>\n/.exec(firewalled())![0];
    const facts = await sweep(
      fakeNmap(() => ({ xml: firewalled().replace(port22, '') })),
      [{ name: 'gw', host: RECORDED }],
    );
    expect(sweepFailureReason(facts.get('gw')!)).toMatch(/accounts for 1024 of the 1025 ports/);
    expect(verdicts(facts.get('gw')!)).toEqual({ undeclared: ['error'], firewall: 'error' });
  });
});
