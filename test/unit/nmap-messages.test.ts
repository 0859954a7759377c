import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { EvidenceStore, readArtefact } from '../../src/evidence-store.ts';
import { keepNmapMessages } from '../../src/facts/nmap-messages.ts';
import type { SweepFact } from '../../src/facts/sweep.ts';
import type { Exec } from '../../src/exec.ts';
import { loadProfile, type Profile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';

const connection = connectionFileSchema.parse({
  connection: { name: 'cms-acme', connectedSystem: 'C', connectingSystem: 'A', organisation: 'O' },
  gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
  flows: [
    { name: 'case-sync', protocol: 'https', port: 443 },
    { name: 'admin', protocol: 'ssh', port: 22 },
  ],
  scan: { tcpPorts: '1-1024', udpTopPorts: 0, probeTimeoutSeconds: 1 },
  snmp: { timeoutSeconds: 0.5 },
});

const STDERR = [
  'Starting Nmap 7.93 ( https://nmap.org )',
  'WARNING: a raw line \u001b[31m with a control character',
  'sendto in send_ip_packet_sd: sendto(5, packet, 44, 0, 127.0.0.1, 16) => Operation not permitted',
  'Offending packet: TCP 127.0.0.1:40000 > 127.0.0.1:22 S ttl=40 id=1 iplen=44',
  'QUITTING!',
].join('\n');

/** nmap as it fails: the --version answer, then a sweep that writes a header-only XML and a few lines of stderr. */
function failingNmap(exitCode: number, xml: string): Exec {
  return (command, args) => {
    const base = { command, args, signal: null, durationMs: 1, stdout: '' };
    if (args[0] === '--version')
      return Promise.resolve({ ...base, exitCode: 0, stderr: '', stdout: 'Nmap version 7.93 ( https://nmap.org )\n' });
    const out = args[args.indexOf('-oX') + 1];
    if (out && out !== '-') writeFileSync(out, xml);
    return Promise.resolve({ ...base, exitCode, stderr: STDERR });
  };
}

const NO_HOST_XML = `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap" start="1" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1024" services="1-1024"/>
<runstats><finished time="2" timestr="x" elapsed="1" summary="x" exit="success"/><hosts up="0" down="0" total="0"/></runstats>
</nmaprun>
`;

let profile: Profile;
let dispose: (() => Promise<void>) | undefined;
beforeAll(async () => {
  profile = await loadProfile();
});
afterEach(async () => {
  await dispose?.();
});

describe("a sweep that failed: one short reason per gateway, nmap's own messages in the evidence", () => {
  it.each([
    ['nmap exits with an error', failingNmap(1, '')],
    ['nmap returns no record of the host', failingNmap(0, NO_HOST_XML)],
  ])('%s', async (_, exec) => {
    const result = await runCheck({ connection, profile, exec, privileged: true });
    dispose = () => result.evidence.dispose();
    const swept = result.report.findings.filter((f) => f.id.startsWith('exposure.') || f.id.startsWith('firewall.'));
    expect(swept.length).toBeGreaterThan(2);
    const messages = new Set(swept.map((f) => f.message));
    expect(swept.every((f) => f.status === 'error' || f.status === 'not_tested')).toBe(true);
    for (const message of messages) {
      expect(message).not.toMatch(/Operation not permitted|Offending packet|QUITTING|\u001b/);
      expect(message.length).toBeLessThan(400);
    }
    const reasons = new Set(swept.map((f) => f.message.replace(/^.*?: could not be checked: /, '')));
    expect(reasons.size).toBe(1);
    expect([...reasons][0]).toMatch(/nmap/);
    const artefact = result.artefacts.find((a) => a.path === 'evidence/gateways/acme-gw-1/nmap-messages.txt');
    expect(artefact).toBeDefined();
    expect(readArtefact(artefact!).toString('utf8')).toBe(STDERR);
    expect([...reasons][0]).toContain('evidence/gateways/acme-gw-1/nmap-messages.txt');
  });
});

describe('the messages are filed under the program that wrote them', () => {
  it("masscan's failure keeps masscan's messages as masscan-messages.txt, named so in the reason", () => {
    const store = new EvidenceStore();
    dispose = () => store.dispose();
    const gateway = connection.gateways[0]!;
    const exec = {
      command: '/usr/local/bin/masscan',
      args: [],
      exitCode: 1,
      signal: null,
      stdout: '',
      stderr: 'FAIL: failed to detect IP of interface\n',
      durationMs: 1,
    };
    const fact = {
      gateway,
      outcome: { ok: false as const, reason: 'masscan failed: FAIL: failed to detect IP of interface', xml: '', exec },
      failure: 'masscan failed: FAIL: failed to detect IP of interface',
      artefact: 'evidence/gateways/acme-gw-1/masscan.json',
      time: '2026-12-01T00:00:00.000Z',
      source: 'masscan (not run)',
    } as unknown as SweepFact;
    const kept = keepNmapMessages(new Map([[gateway.name, fact]]), store).get(gateway.name)!;
    const artefact = store.list().find((a) => a.path === 'evidence/gateways/acme-gw-1/masscan-messages.txt');
    expect(artefact).toBeDefined();
    expect(readArtefact(artefact!).toString('utf8')).toBe(exec.stderr);
    expect(kept.failure).toBe("masscan failed (masscan's messages: evidence/gateways/acme-gw-1/masscan-messages.txt)");
    expect(store.list().some((a) => a.path.includes('nmap-messages'))).toBe(false);
  });
});
