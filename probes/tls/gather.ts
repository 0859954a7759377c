import { isIP } from 'node:net';
import { keepStarted, sweepOrSettle } from '../../src/facts/settled-sweep.ts';
import { tlsAccessOf, tlsProtocolOfService, type TlsAccess } from '../../src/protocol/table.ts';
import type { Flow } from '../../src/connection/schema.ts';
import { localAddressTowards, scannerAmong } from '../../src/facts/scanner-address.ts';
import { readSafeText } from '../../src/input/safe-read.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import { chainOrderProblem, hostMatches } from '../../src/tls/certificates.ts';
import { HTTP_HEAD_MAX_BYTES } from '../../src/tls/http-head.ts';
import { gatherTlsChecks } from '../../src/tls/checks/gather-checks.ts';
import { inspectTlsEndpoint, type TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import { derToPem, splitPem, systemTrustStore } from '../../src/tls/trust-store.ts';
import type { TlsEndpoint, TlsFacts, TlsFlow } from './facts.ts';
import { faultReason } from './fault.ts';
import { summarise } from './summary.ts';
import type { TlsThresholds } from './thresholds.ts';

/** A port to inspect: a declared flow, or an open port no flow declares whose protocol speaks TLS. */
interface TlsPort {
  name: string;
  port: number;
  protocol: string;
  access: TlsAccess;
  sources?: Flow['sources'];
  undeclared?: true;
}

/**
 * Inspects every declared flow that speaks TLS (implicit, or through its protocol's upgrade) on one gateway, and
 * every open port no flow declares whose service the protocol table says speaks TLS, with the gateway's
 * connection limit.
 */
export async function gatherTls(ctx: GatherContext<TlsThresholds>): Promise<TlsFacts> {
  const gateway = { name: ctx.gateway.name, host: ctx.gateway.host };
  const declared = ctx.connection.flows.flatMap((flow): TlsPort[] => {
    const access = tlsAccessOf(flow);
    return access ? [{ name: flow.name, port: flow.port, protocol: flow.protocol, access, sources: flow.sources }] : [];
  });
  const declaredTcp = new Set(ctx.connection.flows.filter((f) => f.transport === 'tcp').map((f) => f.port));
  let trust: Promise<string[]> | undefined;
  const trustOnce = () => (trust ??= readTrustFiles(ctx.connection.tls.trust).then((files) => [...systemTrustStore(), ...files]));
  const inspections = new Map<number, Promise<TlsEndpoint | undefined>>();
  // Each declared endpoint once nmap's discovery has ended, beside nmap's -sV (see PortTurns).
  for (const port of declared)
    keepStarted(
      inspections,
      port.port,
      ctx.shared.probeSweptPort(ctx.gateway, async () => inspectFlow(ctx, port, await trustOnce())),
    );
  // Undeclared open ports: by the port's usual protocol as soon as the sweep announces it, by nmap's name at its end.
  const consider = (port: number, service?: { name?: string; tunnel?: string }) => {
    if (declaredTcp.has(port) || inspections.has(port)) return;
    const match = tlsProtocolOfService(port, service);
    if (!match) return;
    const undeclared: TlsPort = {
      name: `undeclared ${match.protocol}`,
      port,
      protocol: match.protocol,
      access: match.access,
      undeclared: true,
    };
    // Through the same turns as a declared port: after discovery, and before -sV holds a single-threaded server.
    keepStarted(
      inspections,
      port,
      ctx.shared.probeSweptPort(ctx.gateway, async () => {
        const e = await inspectFlow(ctx, undeclared, await trustOnce());
        return spokeTls(e) ? e : undefined;
      }),
    );
  };
  const sweeping = ctx.shared.sweepIfRun(ctx.gateway);
  ctx.shared.onOpenPort(ctx.gateway, (p) => {
    if (p.transport === 'tcp') consider(p.port);
  });
  const sweep = await sweepOrSettle(sweeping, inspections);
  for (const p of sweep?.host?.ports ?? []) if (p.protocol === 'tcp' && p.state === 'open') consider(p.port, p.service);
  const endpoints = (await Promise.all(inspections.values())).filter((e): e is TlsEndpoint => e !== undefined);
  return { gateway, endpoints };
}

/**
 * Whether an undeclared port's guessed protocol was right: it spoke TLS, or answered the upgrade in its protocol's
 * words. Anything else is another service, which the exposure probe reports; it is not a TLS finding.
 */
function spokeTls(e: TlsEndpoint): boolean {
  if (e.failure !== undefined) return false;
  const upgrade = e.inspection.upgrade;
  if (upgrade && !upgrade.upgraded) return upgrade.refusal !== 'broken';
  return e.inspection.session !== undefined || e.inspection.scan.versions.some((v) => v.status === 'accepted');
}

async function readTrustFiles(paths: string[]): Promise<string[]> {
  const contents = await Promise.all(paths.map((path, index) => readSafeText(path, { kind: 'trust-file', key: `tls.trust[${index}]` })));
  return contents.flatMap(splitPem);
}

/** One endpoint: whatever goes wrong here is this endpoint's failure, and touches no other. */
async function inspectFlow(ctx: GatherContext<TlsThresholds>, flow: TlsPort, trust: string[]): Promise<TlsEndpoint> {
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  const host = ctx.gateway.host;
  // Only flows that speak TLS reach here, so `http` is HTTP over TLS declared with `tls: true`.
  const ref: TlsFlow = {
    name: flow.name,
    port: flow.port,
    protocol: flow.protocol,
    http: flow.access.kind === 'implicit' && (flow.protocol === 'https' || flow.protocol === 'http'),
    ...(flow.access.kind === 'upgrade' ? { upgrade: flow.access.dialect } : {}),
    ...(flow.undeclared ? { undeclared: true as const } : {}),
    ...(flow.sources ? { sources: flow.sources, scannerAmongSources: scannerAmong(flow.sources, await localAddressTowards(host)) } : {}),
  };
  try {
    const endpoint = { host, port: flow.port, serverName: host, ...(ref.upgrade ? { upgrade: ref.upgrade } : {}) };
    const checkOptions = { timeoutMs, limit: ctx.connectionLimit, signal: ctx.signal };
    const inspection = await inspectTlsEndpoint(endpoint, {
      timeoutMs,
      budgetMs: timeoutMs * 12,
      trust,
      http: ref.http ? { timeoutMs, maxBytes: HTTP_HEAD_MAX_BYTES } : undefined,
      limit: ctx.connectionLimit,
      signal: ctx.signal,
    });
    const answeredUpgrade = inspection.upgrade !== undefined && (inspection.upgrade.upgraded || inspection.upgrade.refusal !== 'broken');
    if (inspection.session || answeredUpgrade) {
      ctx.shared.portReached(ctx.gateway, {
        port: flow.port,
        transport: 'tcp',
        probe: 'tls',
        protocol: flow.protocol,
        proof: inspection.session ? 'a TLS handshake' : `its answer to ${inspection.upgrade?.step ?? 'the upgrade'}`,
      });
    }
    const checks = await gatherTlsChecks(endpoint, inspection, trust, checkOptions);
    const summary = ctx.evidence.add([`tls-${flow.port}.json`], JSON.stringify(summarise(inspection), null, 2));
    const checksFile = ctx.evidence.add([`tls-${flow.port}-checks.json`], JSON.stringify(checks, null, 2));
    const chain =
      inspection.chain.length > 0
        ? ctx.evidence.add([`tls-${flow.port}-chain.pem`], inspection.chain.map((c) => derToPem(c.der)).join(''))
        : undefined;
    return {
      flow: ref,
      time: ctx.now().toISOString(),
      inspection,
      leafNamesHost: leafNamesHost(inspection, host),
      chainOrderProblem: inspection.chainSource === 'sent' ? chainOrderProblem(inspection.chain.map((c) => c.der)) : undefined,
      checks,
      artefacts: chain ? { summary, chain, checks: checksFile } : { summary, checks: checksFile },
    };
  } catch (error) {
    return { flow: ref, failure: faultReason(error, 'the TLS answers of this endpoint'), time: ctx.now().toISOString() };
  }
}

function leafNamesHost(inspection: TlsEndpointFacts, host: string): boolean | undefined {
  const leaf = inspection.chain[0];
  return leaf?.readable ? hostMatches(leaf.der, host, isIP(host) !== 0) : undefined;
}
