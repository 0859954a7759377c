import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labGateway, runLabCheck } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the rate-limit lab test: ${lab.reason}`);

/** A whole check with an SSH audit, on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 180_000;

// Issue 16 item 10: SSH behind `limit rate 3/minute`, every other port dropped. cocoscan's SSH probe reaches 22;
// nmap's scan SYN to 22 is dropped (as it is once the probes used the limit up), so the sweep hears nothing at all.
describe.skipIf(!lab.ok)('a rate-limited SSH port (real sshd, nmap and nftables)', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({
      name: 'rate',
      services: [{ kind: 'sshd', port: 22, ssh: 'hardened' }],
      firewallAllowTcp: [],
      rateLimitTcp: [22],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("counts the SSH probe's completed exchange as proof that the gateway answers", { timeout: LOADED_MACHINE_MS }, async () => {
    const { report, finding } = await runLabCheck({
      name: 'rate',
      gateways: [labGateway(gateway, { name: 'rate-gw' })],
      flows: ['{ name: admin, protocol: ssh, port: 22 }'],
    });

    // nmap saw 22 filtered: without the probe's proof this was "answered on no port at all" (error).
    expect(finding('exposure.declared-port')?.evidence.actual).toMatch(/^filtered \(no-response\) to nmap, but the ssh probe/);
    expect(finding('firewall.filtering')).toMatchObject({ status: 'pass' });
    expect(finding('firewall.filtering')?.evidence.actual).toMatch(/but the ssh probe received its SSH identification on 22\/tcp/);
    expect(finding('exposure.undeclared-port')).toMatchObject({ status: 'pass' });
    expect(finding('exposure.undeclared-port')?.message).toMatch(/^Only declared ports answer on \S+ \(22\/tcp\); swept T:1-1024/);
    expect(finding('exposure.declared-port')).toMatchObject({ status: 'pass' });
    expect(finding('exposure.protocol-match')).toMatchObject({ status: 'pass' });
    expect(JSON.stringify(report.findings)).not.toContain('answered on no port');
    // The rate limit is named as such, and does not change CoCo-9 (a Note).
    expect(finding('firewall.rate-limit')).toMatchObject({ status: 'fail', severity: 'info' });
    expect(finding('firewall.rate-limit')?.message).toMatch(
      /dropped nmap's probes on 22 although the ssh probe received its SSH identification/,
    );
    const coco9 = report.rows.find((r) => r.ref === 'CoCo-9');
    expect(coco9?.compliance).toBe('Yes');
    expect(coco9?.comment).toMatch(/Note: .*dropped nmap's probes on 22/);
  });
});

// The same limit as nftables applies it to every new connection, nmap's scan SYN included: discovery runs first and
// the SSH probe starts on 22 once nmap has announced it, so the probe's connections no longer use the limit up
// before nmap gets there.
describe.skipIf(!lab.ok)('a rate-limited SSH port that limits nmap too (real sshd, nmap and nftables)', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({
      name: 'ratelim',
      services: [{ kind: 'sshd', port: 22, ssh: 'hardened' }],
      firewallAllowTcp: [],
      rateLimitTcp: [22],
      rateLimitScanSyn: 'limit',
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("lets nmap's discovery reach 22 before the probes, so nmap's own view decides", { timeout: LOADED_MACHINE_MS }, async () => {
    const { report, finding } = await runLabCheck({
      name: 'ratelim',
      gateways: [labGateway(gateway, { name: 'ratelim-gw' })],
      flows: ['{ name: admin, protocol: ssh, port: 22 }'],
    });

    // nmap's discovery reached 22 before any probe did: its own view says open, and the verdicts come from it.
    expect(finding('exposure.declared-port')).toMatchObject({ status: 'pass', evidence: { actual: 'open (syn-ack)' } });
    expect(finding('exposure.declared-port')?.evidence.source).toMatch(
      new RegExp(
        String.raw`^nmap \S+ -sS -p T:1-1024 --max-rate \d+ --min-rate \d+ --max-retries \d; ` +
          String.raw`nmap \S+ -sT -sV --version-intensity 2 --versiondb \(nmap's, probe waits ≤ \d+ ms\) --host-timeout 30s -p T:22$`,
      ),
    );
    expect(finding('exposure.undeclared-port')?.message).toMatch(/^Only declared ports answer on \S+ \(22\/tcp\); swept T:1-1024/);
    expect(finding('exposure.undeclared-port')?.evidence.actual).toBe('no undeclared port open among T:1-1024');
    expect(finding('firewall.filtering')).toMatchObject({ status: 'pass' });
    // -sV came after the probes had used the limit up, so the SSH probe's exchange names the service.
    expect(finding('exposure.protocol-match')).toMatchObject({ status: 'pass' });
    expect(finding('exposure.protocol-match')?.evidence.actual).toMatch(/ssh \(cocoscan ssh probe: its SSH identification\)$/);
    // The limit is still named: nmap's service detection, after the probes, found 22 silent.
    expect(finding('firewall.rate-limit')).toMatchObject({ status: 'fail', severity: 'info' });
    expect(finding('firewall.rate-limit')?.evidence.actual).toMatch(
      /^22\/tcp open to nmap's discovery, then filtered \(no-response\) to its service detection; the ssh probe received/,
    );
    expect(finding('firewall.rate-limit')?.message).toMatch(/dropped nmap's service detection after cocoscan's probes/);
    for (const ref of ['CoCo-8', 'CoCo-9']) expect(report.rows.find((r) => r.ref === ref)?.compliance, ref).toBe('Yes');
  });
});
