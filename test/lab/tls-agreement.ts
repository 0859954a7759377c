/**
 * What the TLS probe and sslscan each say an endpoint accepts, in one shape, and where they differ: used by
 * the zoo's agreement test and by `npm run bench`.
 */
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import type { Verdict } from '../../src/probe/contract.ts';
import { chainOrderProblem, hostMatches } from '../../src/tls/certificates.ts';
import type { TlsScanResult } from '../../src/tls/enumerate.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import { judgeTls } from '../../probes/tls/judge.ts';
import type { TlsThresholds } from '../../probes/tls/thresholds.ts';

const run = promisify(execFile);

/** Accepted protocol versions (`TLSv1.2`) and accepted (version, suite) pairs (`TLSv1.2:0xc02f`), sorted. */
export interface AcceptedView {
  versions: string[];
  suites: string[];
}

interface SslscanXml {
  document: {
    ssltest?: {
      protocol?: { type: string; version: string; enabled: string }[];
      cipher?: { status: string; sslversion: string; id: string }[];
    };
  };
}

/** sslscan's own names for versions: `type="tls" version="1.0"` is TLSv1.0, `type="ssl" version="3"` SSLv3. */
function versionName(protocol: { type: string; version: string }): string {
  return protocol.type === 'ssl' ? `SSLv${protocol.version}` : `TLSv${protocol.version}`;
}

/** Runs sslscan (default checks, XML on stdout) against one endpoint; bounded by a 120 s deadline. */
export async function sslscanView(host: string, port: number): Promise<AcceptedView> {
  const { stdout } = await run('sslscan', ['--no-colour', '--xml=-', `${host}:${port}`], {
    maxBuffer: 8 * 1024 * 1024,
    timeout: 120_000,
  });
  const start = stdout.indexOf('<?xml');
  if (start < 0) throw new Error(`sslscan printed no XML for ${host}:${port}: ${stdout.slice(0, 300)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => name === 'cipher' || name === 'protocol',
  });
  const test = (parser.parse(stdout.slice(start)) as SslscanXml).document.ssltest;
  if (!test) throw new Error(`sslscan could not test ${host}:${port}: ${stdout.slice(0, 300)}`);
  const versions = (test.protocol ?? []).filter((p) => p.enabled === '1').map(versionName);
  const suites = (test.cipher ?? [])
    .filter((c) => c.status === 'accepted' || c.status === 'preferred')
    .map((c) => `${c.sslversion}:0x${c.id.replace(/^0x/i, '').toLowerCase().padStart(4, '0')}`);
  return { versions: versions.sort(), suites: [...new Set(suites)].sort() };
}

/** The TLS probe's answer in the same shape. */
export function probeView(scan: TlsScanResult): AcceptedView {
  const accepted = scan.versions.filter((v) => v.status === 'accepted');
  return {
    versions: accepted.map((v) => v.version).sort(),
    suites: accepted.flatMap((v) => v.suites.map((s) => `${v.version}:0x${s.toString(16).padStart(4, '0')}`)).sort(),
  };
}

/** Each difference as a line: `versions only cocoscan: …`, `suites only sslscan: …`; empty when equal. */
export function differences(cocoscan: AcceptedView, sslscan: AcceptedView): string[] {
  const lines: string[] = [];
  for (const key of ['versions', 'suites'] as const) {
    const ours = new Set(cocoscan[key]);
    const theirs = new Set(sslscan[key]);
    const onlyOurs = cocoscan[key].filter((x) => !theirs.has(x));
    const onlyTheirs = sslscan[key].filter((x) => !ours.has(x));
    if (onlyOurs.length > 0) lines.push(`${key} only cocoscan: ${onlyOurs.join(' ')}`);
    if (onlyTheirs.length > 0) lines.push(`${key} only sslscan: ${onlyTheirs.join(' ')}`);
  }
  return lines;
}

/** The TLS judge's verdicts on one inspected endpoint, as the probe would give them for a declared flow. */
export function judgeInspection(facts: TlsEndpointFacts, thresholds: TlsThresholds, now: Date): Verdict[] {
  const host = facts.endpoint.host;
  const leaf = facts.chain[0];
  return judgeTls(
    {
      gateway: { name: 'zoo', host },
      endpoints: [
        {
          flow: { name: `zoo-${facts.endpoint.port}`, port: facts.endpoint.port, protocol: 'tls', http: false },
          time: now.toISOString(),
          inspection: facts,
          leafNamesHost: leaf?.readable ? hostMatches(leaf.der, host, isIP(host) !== 0) : undefined,
          chainOrderProblem: facts.chainSource === 'sent' ? chainOrderProblem(facts.chain.map((c) => c.der)) : undefined,
          artefacts: { summary: `tls-${facts.endpoint.port}.json` },
        },
      ],
    },
    thresholds,
    now,
  );
}
