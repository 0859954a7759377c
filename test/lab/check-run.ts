/** Writes a connection file for lab gateways, runs the real CLI's check on it and reads its report. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import type { LabGateway } from './lab.ts';

export interface LabCheckGateway {
  name: string;
  host: string;
  /** Read the host over SSH as root with the lab's client key. */
  ssh?: { privateKeyFile: string; knownHosts: string };
}

export interface LabConnection {
  name: string;
  gateways: LabCheckGateway[];
  /** One YAML flow mapping each, e.g. `{ name: admin, protocol: ssh, port: 22 }`. */
  flows: string[];
  tcpPorts?: string;
  probeTimeoutSeconds?: number;
  /** Top-level YAML sections after scan (tls:, snmp:). */
  extra?: string;
}

/** A lab gateway as the connection file names it, logged on to over SSH when `ssh` is set. */
export function labGateway(gateway: LabGateway, options: { ssh?: boolean; name?: string; host?: string } = {}): LabCheckGateway {
  return {
    name: options.name ?? gateway.name,
    host: options.host ?? gateway.address,
    ...(options.ssh ? { ssh: { privateKeyFile: gateway.clientKeyFile, knownHosts: gateway.knownHostsFile } } : {}),
  };
}

export function labConnection(spec: LabConnection): string {
  const gateways = spec.gateways.map(
    (g) =>
      `  - name: ${g.name}\n    host: "${g.host}"\n` +
      (g.ssh ? `    ssh: { username: root, privateKeyFile: ${g.ssh.privateKeyFile}, knownHosts: ${g.ssh.knownHosts} }\n` : ''),
  );
  return `connection:
  name: ${spec.name}
  connectedSystem: Case Management System
  connectingSystem: Acme Case Portal
  organisation: Acme Ltd
gateways:
${gateways.join('')}flows:
${spec.flows.map((f) => `  - ${f}\n`).join('')}scan:
  tcpPorts: "${spec.tcpPorts ?? '1-1024'}"
  udpTopPorts: 0
  probeTimeoutSeconds: ${spec.probeTimeoutSeconds ?? 3}
${spec.extra ?? ''}`;
}

export interface LabCheckResult {
  report: RunReport;
  /** The check's --out directory. */
  out: string;
  /** How long the CLI ran. */
  elapsedMs: number;
  /** The first finding with this id, on this gateway when one is named. */
  finding: (id: string, gateway?: string) => RunReport['findings'][number] | undefined;
}

/** Runs `cocoscan check` on the connection; expects exit 0, 1 or 4 (a report was written). */
export async function runLabCheck(spec: LabConnection, timeoutMs?: number): Promise<LabCheckResult> {
  const dir = await tempDir();
  const file = await writeConnection(dir, labConnection(spec));
  const out = join(dir, 'out');
  const started = Date.now();
  const result = await runCli(['check', file, '--out', out, '--no-progress'], timeoutMs);
  const elapsedMs = Date.now() - started;
  expect([0, 1, 4], result.stderr).toContain(result.code);
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
  const finding = (id: string, gateway?: string) =>
    report.findings.find((f) => f.id === id && (gateway === undefined || f.target.gateway === gateway));
  return { report, out, elapsedMs, finding };
}
