import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labGateway, runLabCheck } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
const gnutls = await promisify(execFile)('sh', ['-c', 'command -v gnutls-serv']).then(
  () => true,
  () => false,
);
if (!lab.ok) console.warn(`[lab] skipping the single-threaded TLS lab test: ${lab.reason}`);
else if (!gnutls) console.warn('[lab] gnutls-serv is not installed (scripts/setup.mjs and .ci/run install gnutls-bin)');

/** Today's main: nmap's -sV alone held gnutls-serv 135 s; the check now costs discovery, the probe and -sV's budget. */
const CHECK_MS = 60_000;

// Issue 17 item 8: gnutls-serv serves one connection at a time, and nmap's -sV waits out each of its probes on it in
// turn. The TLS probe and -sV start together once discovery has ended; -sV's capped waits hold the one slot about a
// second at a time, so neither starves the other.
describe.skipIf(!lab.ok || !gnutls)('a single-threaded TLS server (gnutls-serv) on a declared https port', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'gnutls', services: [{ kind: 'gnutls-https', port: 443 }] });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it(
    'gets real TLS verdicts and the service name, with the probe and -sV sharing its one slot, in well under a minute',
    { timeout: 180_000 },
    async () => {
      const {
        report,
        out,
        elapsedMs: elapsed,
        finding,
      } = await runLabCheck(
        {
          name: 'gnutls',
          gateways: [labGateway(gateway, { name: 'gnutls-gw' })],
          flows: ['{ name: case-sync, protocol: https, port: 443 }'],
          probeTimeoutSeconds: 5,
          extra: `tls:\n  trust: [ ${gateway.caFile} ]\n`,
        },
        170_000,
      );
      const tls = report.findings.filter((f) => f.id.startsWith('tls.'));

      // Every TLS verdict is a reading of the server, none a "could not connect".
      expect(tls.length).toBeGreaterThan(5);
      expect(tls.filter((f) => f.status === 'error').map((f) => `${f.id}: ${f.message}`)).toEqual([]);
      // GnuTLS 3.7's defaults still accept TLS 1.0 and 1.1: a fail read off the server, as sslscan reads it.
      expect(finding('tls.protocols')).toMatchObject({ status: 'fail' });
      expect(finding('tls.protocols')?.message).toMatch(/accepts TLSv1\.0, TLSv1\.1/);
      expect(finding('tls.certificate-trust')).toMatchObject({ status: 'pass' });

      // nmap ran -sV after the TLS probe was done, within its own budget: its XML says when it started.
      const source = finding('exposure.declared-port')?.evidence.source ?? '';
      expect(source).toMatch(
        new RegExp(
          String.raw`^nmap \S+ -sS -p T:1-1024 --max-rate \d+ --min-rate \d+ --max-retries \d; ` +
            String.raw`nmap \S+ -sT -sV --version-intensity 2 --versiondb \(nmap's, probe waits ≤ \d+ ms\) --host-timeout 30s -p T:443$`,
        ),
      );
      // -sV, beside the probe, named the service on the one slot they shared.
      const services = await readFile(join(out, 'evidence/gateways/gnutls-gw/nmap-services.xml'), 'utf8');
      expect(services).toMatch(/portid="443"><state state="open"[^>]*\/><service name="[^"]+"[^>]*tunnel="ssl"/);
      expect(finding('exposure.declared-port')).toMatchObject({ status: 'pass' });
      expect(finding('exposure.protocol-match')).toMatchObject({ status: 'pass' });
      expect(elapsed).toBeLessThan(CHECK_MS);
    },
  );
});
