/**
 * The `tls-zoo` bench section: on every endpoint of the TLS zoo (test/lab/tls-zoo.ts), the TLS probe beside
 * sslscan (accepted versions and suites, and time) and beside testssl.sh (named vulnerability verdicts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { loadProfile } from '../src/profile/load.ts';
import { inspectTlsEndpoint, type TlsEndpointFacts } from '../src/tls/inspect-endpoint.ts';
import { splitPem, systemTrustStore } from '../src/tls/trust-store.ts';
import type { TlsThresholds } from '../probes/tls/thresholds.ts';
import { differences, judgeInspection, probeView, sslscanView } from '../test/lab/tls-agreement.ts';
import { startTlsZoo, type TlsZoo, type ZooEndpoint } from '../test/lab/tls-zoo.ts';
import { stopOnExit } from './bench-lab.ts';
import {
  compareVerdicts,
  COMPARED_VERDICTS,
  PENDING_TLSCHECKS_VERDICTS,
  type TestsslFinding,
  type VerdictComparison,
} from './bench-tls-verdicts.ts';

const run = promisify(execFile);
type Line = (name: string, value: string, target: string) => void;

async function seconds<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [(performance.now() - started) / 1000, result];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** testssl.sh's protocol, cipher-category, certificate and named-vulnerability checks, as JSON findings. */
async function testsslFindings(zoo: TlsZoo, endpoint: ZooEndpoint, dir: string): Promise<TestsslFinding[]> {
  const file = join(dir, `testssl-${endpoint.id}.json`);
  await run(
    'testssl',
    [
      ...['--jsonfile', file, '--warnings', 'off', '--quiet', '--color', '0', '--nodns', 'none', '--add-ca', zoo.caFile],
      ...['-p', '-s', '-S', '-H', '-R', '-Z', '-C', `${zoo.address}:${endpoint.port}`],
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 },
  ).catch((error: { code?: number }) => {
    if (typeof error.code !== 'number') throw error; // testssl.sh exits non-zero when it finds problems
  });
  return JSON.parse(await readFile(file, 'utf8')) as TestsslFinding[];
}

function inspect(zoo: TlsZoo, endpoint: ZooEndpoint, trust: string[]): Promise<TlsEndpointFacts> {
  return inspectTlsEndpoint(
    { host: zoo.address, port: endpoint.port, serverName: zoo.address },
    { timeoutMs: 10_000, budgetMs: 120_000, trust, limit: pLimit(6), signal: new AbortController().signal },
  );
}

export async function benchTlsZoo(line: Line): Promise<void> {
  const [startSeconds, zoo] = await seconds(() => startTlsZoo());
  const unregister = stopOnExit(() => zoo.stop());
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-tls-zoo-'));
  try {
    const servers = new Set(zoo.endpoints.map((e) => e.server));
    line(
      'tls-zoo-endpoints',
      `${zoo.endpoints.length} from ${servers.size} server programs`,
      `reference: up in ${startSeconds.toFixed(1)} s`,
    );
    const trust = [...systemTrustStore(), ...splitPem(await readFile(zoo.caFile, 'utf8'))];
    const thresholds = (await loadProfile()).thresholds.tls as TlsThresholds;

    // One endpoint at a time, so that the times compare the tools and not the load.
    const ratios: number[] = [];
    const facts = new Map<string, TlsEndpointFacts>();
    let equal = 0;
    for (const endpoint of zoo.endpoints) {
      const [probeSeconds, inspected] = await seconds(() => inspect(zoo, endpoint, trust));
      const [sslscanSeconds, sslscan] = await seconds(() => sslscanView(zoo.address, endpoint.port));
      facts.set(endpoint.id, inspected);
      const diff = differences(probeView(inspected.scan), sslscan);
      if (diff.length === 0) equal += 1;
      ratios.push(probeSeconds / sslscanSeconds);
      line(
        `tls-zoo[${endpoint.id}]`,
        `probe ${probeSeconds.toFixed(3)} s, sslscan ${sslscanSeconds.toFixed(3)} s, ${diff.length === 0 ? 'equal' : diff.join('; ')}`,
        `reference: ${probeView(inspected.scan).suites.length} suites, ${inspected.scan.handshakes} ClientHellos`,
      );
    }
    line('tls-versions-suites-equal-sslscan', `${equal}/${zoo.endpoints.length}`, 'target all');
    line('tls-probe-over-sslscan-median', median(ratios).toFixed(3), 'target <= 1.0');

    // testssl.sh takes about a minute an endpoint: three at a time.
    const limit = pLimit(3);
    const now = new Date();
    const compared = await Promise.all(
      zoo.endpoints.map((endpoint) =>
        limit(async () => {
          const [testsslSeconds, findings] = await seconds(() => testsslFindings(zoo, endpoint, dir));
          const inspected = facts.get(endpoint.id)!;
          const view = { facts: inspected, verdicts: judgeInspection(inspected, thresholds, now) };
          return {
            endpoint,
            testsslSeconds,
            compared: compareVerdicts(findings, view, COMPARED_VERDICTS),
            pending: compareVerdicts(findings, view, PENDING_TLSCHECKS_VERDICTS),
          };
        }),
      ),
    );
    const comparable = (c: VerdictComparison) => c.testssl !== undefined && c.cocoscan !== undefined;
    let agreed = 0;
    let total = 0;
    for (const result of compared) {
      const both = result.compared.filter(comparable);
      const differing = both.filter((c) => c.testssl !== c.cocoscan);
      const oneSided = result.compared.filter((c) => !comparable(c)).map((c) => c.id);
      agreed += both.length - differing.length;
      total += both.length;
      line(
        `tls-zoo-verdicts[${result.endpoint.id}]`,
        `${both.length - differing.length}/${both.length} equal${differing
          .map((c) => `; ${c.id} (${c.meaning}): testssl ${c.testssl}, cocoscan ${c.cocoscan}`)
          .join('')}`,
        `reference: testssl.sh ${result.testsslSeconds.toFixed(0)} s${oneSided.length ? `; not comparable: ${oneSided.join(', ')}` : ''}`,
      );
    }
    line('tls-verdicts-equal-testssl', `${agreed}/${total}`, 'target all');
    const pendingIds = PENDING_TLSCHECKS_VERDICTS.map((v) => v.id);
    const pendingRead = compared.flatMap((r) => r.pending).filter((c) => c.testssl !== undefined).length;
    line(
      'tls-verdicts-pending-tlschecks',
      `${pendingIds.length} verdicts x ${compared.length} endpoints (${pendingRead} testssl.sh answers read)`,
      `reference: no cocoscan check yet for ${pendingIds.join(', ')}; hook PENDING_TLSCHECKS_VERDICTS in scripts/bench-tls-verdicts.ts`,
    );
  } finally {
    unregister();
    await zoo.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
