import { withShippedThresholds } from './test-profile.ts';
/** Runs the TLS probe alone (no nmap) against loopback servers and returns its findings. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import type { Finding } from '../../src/findings.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { tempDir } from './cli.ts';
import type { FindingIdOf } from '../../src/probe/contract.ts';
import type tlsProbe from '../../probes/tls/index.ts';

/** A profile with only the TLS row: the TLS probe runs alone, no nmap needed. */
export const TLS_ONLY_PROFILE = `id: tls-only
version: "1"
title: TLS only
sections:
  - id: s
    title: S
    rows:
      - ref: A.12.3.1
        title: Cryptographic controls
        method: automated
        decidedBy: [tls.protocols, tls.cipher-suites, tls.key-exchange, tls.certificate-trust, tls.certificate-validity, tls.certificate-signature]
`;

export interface TlsCheckInput {
  gateways?: { name: string; host: string }[];
  flows: { name: string; port: number; protocol?: string; tls?: boolean }[];
  /** PEM roots to trust (written to a trust file). */
  trust?: string[];
  probeTimeoutSeconds?: number;
}

export async function runTlsCheck(input: TlsCheckInput) {
  const dir = await tempDir();
  await writeFile(join(dir, 'tls-only.yaml'), withShippedThresholds(TLS_ONLY_PROFILE));
  const trustFile = join(dir, 'trust.pem');
  if (input.trust) await writeFile(trustFile, input.trust.join(''));
  const connection = connectionFileSchema.parse({
    connection: { name: 'hostile', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: input.gateways ?? [{ name: 'lo', host: '127.0.0.1' }],
    flows: input.flows.map((f) => ({ protocol: 'https', ...f })),
    scan: { probeTimeoutSeconds: input.probeTimeoutSeconds ?? 2 },
    ...(input.trust ? { tls: { trust: [trustFile] } } : {}),
  });
  const started = Date.now();
  const { report } = await runCheck({ connection, profile: await loadProfile(join(dir, 'tls-only.yaml')) });
  const find = (id: FindingIdOf<typeof tlsProbe>, port?: number, gateway?: string): Finding => {
    const found = report.findings.find(
      (f) => f.id === id && (port === undefined || f.target.port === port) && (gateway === undefined || f.target.gateway === gateway),
    );
    if (!found) throw new Error(`no finding ${id} for port ${port} of ${gateway ?? 'any gateway'}`);
    return found;
  };
  return { report, findings: report.findings, find, seconds: (Date.now() - started) / 1000 };
}
