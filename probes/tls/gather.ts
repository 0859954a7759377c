import { isIP } from 'node:net';
import { speaksTls } from '../../src/protocol/table.ts';
import type { Flow } from '../../src/connection/schema.ts';
import { localAddressTowards, scannerAmong } from '../../src/facts/scanner-address.ts';
import { readSafeText } from '../../src/input/safe-read.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import { chainOrderProblem, hostMatches } from '../../src/tls/certificates.ts';
import { HTTP_HEAD_MAX_BYTES } from '../../src/tls/http-head.ts';
import { inspectTlsEndpoint, type TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import { derToPem, splitPem, systemTrustStore } from '../../src/tls/trust-store.ts';
import type { TlsEndpoint, TlsFacts, TlsFlow } from './facts.ts';
import { faultReason } from './fault.ts';
import { summarise } from './summary.ts';
import type { TlsThresholds } from './thresholds.ts';

/** Inspects every declared flow that speaks TLS on one gateway, with the gateway's connection limit. */
export async function gatherTls(ctx: GatherContext<TlsThresholds>): Promise<TlsFacts> {
  const gateway = { name: ctx.gateway.name, host: ctx.gateway.host };
  const flows = ctx.connection.flows.filter(speaksTls);
  if (flows.length === 0) return { gateway, endpoints: [] };
  const trust = readTrustFiles(ctx.connection.tls.trust).then((files) => [...systemTrustStore(), ...files]);
  void trust.catch(() => undefined); // awaited below, by each endpoint: an unreadable trust file fails the gathering there
  // Each endpoint once nmap's discovery has reported its port; nmap's -sV waits for it (see PortTurns).
  const endpoints = await Promise.all(
    flows.map((flow) => ctx.shared.probeSweptPort(ctx.gateway, flow.port, async () => inspectFlow(ctx, flow, await trust))),
  );
  return { gateway, endpoints };
}

async function readTrustFiles(paths: string[]): Promise<string[]> {
  const contents = await Promise.all(paths.map((path, index) => readSafeText(path, { kind: 'trust-file', key: `tls.trust[${index}]` })));
  return contents.flatMap(splitPem);
}

/** One endpoint: whatever goes wrong here is this endpoint's failure, and touches no other. */
async function inspectFlow(ctx: GatherContext<TlsThresholds>, flow: Flow, trust: string[]): Promise<TlsEndpoint> {
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  const host = ctx.gateway.host;
  // Only flows that speak TLS reach here, so `http` is HTTP over TLS declared with `tls: true`.
  const ref: TlsFlow = {
    name: flow.name,
    port: flow.port,
    protocol: flow.protocol,
    http: flow.protocol === 'https' || flow.protocol === 'http',
    ...(flow.sources ? { sources: flow.sources, scannerAmongSources: scannerAmong(flow.sources, await localAddressTowards(host)) } : {}),
  };
  try {
    const inspection = await inspectTlsEndpoint(
      { host, port: flow.port, serverName: host },
      {
        timeoutMs,
        budgetMs: timeoutMs * 12,
        trust,
        http: ref.http ? { timeoutMs, maxBytes: HTTP_HEAD_MAX_BYTES } : undefined,
        limit: ctx.connectionLimit,
        signal: ctx.signal,
      },
    );
    if (inspection.session) {
      ctx.shared.portReached(ctx.gateway, {
        port: flow.port,
        transport: 'tcp',
        probe: 'tls',
        protocol: flow.protocol,
        proof: 'a TLS handshake',
      });
    }
    const summary = ctx.evidence.add([`tls-${flow.port}.json`], JSON.stringify(summarise(inspection), null, 2));
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
      artefacts: chain ? { summary, chain } : { summary },
    };
  } catch (error) {
    return { flow: ref, failure: faultReason(error, 'the TLS answers of this endpoint'), time: ctx.now().toISOString() };
  }
}

function leafNamesHost(inspection: TlsEndpointFacts, host: string): boolean | undefined {
  const leaf = inspection.chain[0];
  return leaf?.readable ? hostMatches(leaf.der, host, isIP(host) !== 0) : undefined;
}
