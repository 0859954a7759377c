import { describeProbeFailure, faultDetail, InternalError } from '../../src/errors.ts';
import { localAddressTowards, scannerAmong } from '../../src/facts/scanner-address.ts';
import type { FindingTarget } from '../../src/findings.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import { nmapServicesOf, protocolFacts } from '../../src/protocol/table.ts';
import { auditRdpEndpoint, type LayerAttempt, type MethodAttempt, type StandardSecurityAnswer } from '../../src/rdp/audit-endpoint.ts';
import type { RdpThresholds } from './findings.ts';

/** The port's time budget, in connection deadlines: eight connections at most (four layers, four methods) and slack. */
const BUDGET_TIMEOUTS = 10;

/** What the RDP judge reads of one port: the answer to each security layer asked for, and the encryption of standard security. */
export interface RdpPortFacts {
  port: number;
  /** The declared flow on the port; none for RDP the sweep found on an undeclared port. */
  flow?: string;
  /** Path of the port's evidence file (rdp-<port>.json). */
  artefact: string;
  /** The flow's sources when it is open only to them and the scanner is not among them: silence is by design. */
  restrictedTo?: string[];
  /** Why nothing could be asked at all (no Connection Request was answered); nothing else is read then. */
  failure?: string;
  layers: LayerAttempt[];
  standard?: StandardSecurityAnswer;
  methods: MethodAttempt[];
}

export interface RdpFacts {
  target: FindingTarget;
  /** Declared RDP flows first, in the connection file's order, then RDP found on undeclared ports. */
  ports: RdpPortFacts[];
}

const RDP = 'rdp';

/**
 * Audits every declared RDP flow, and every open port no flow declares that nmap names RDP or that is RDP's usual
 * port and answers a Connection Request as RDP.
 */
export async function gatherRdp(ctx: GatherContext<RdpThresholds>): Promise<RdpFacts> {
  const { gateway } = ctx;
  const declared = ctx.connection.flows.filter((flow) => flow.transport === 'tcp' && flow.protocol === RDP);
  const declaredTcp = new Set(ctx.connection.flows.filter((f) => f.transport === 'tcp').map((f) => f.port));
  const audits = new Map<number, Promise<RdpPortFacts | undefined>>();
  const scanner = declared.some((flow) => flow.sources) ? await localAddressTowards(gateway.host) : undefined;
  for (const flow of declared) {
    const restrictedTo = flow.sources && !scannerAmong(flow.sources, scanner) ? flow.sources : undefined;
    audits.set(
      flow.port,
      ctx.shared
        .probeSweptPort(gateway, () => auditPort(ctx, flow.port, flow.name))
        .then((facts) => (restrictedTo ? { ...facts, restrictedTo } : facts)),
    );
  }
  const usualPort = protocolFacts(RDP)?.usualPort;
  const services = nmapServicesOf(RDP) ?? [];
  const consider = (port: number) => {
    if (declaredTcp.has(port) || audits.has(port)) return;
    audits.set(
      port,
      ctx.shared.probeSweptPort(gateway, async () => {
        const facts = await auditPort(ctx, port);
        // Another service on the port: the exposure probe reports it, it is no RDP finding.
        return facts.layers.some((l) => l.answer !== undefined) ? facts : undefined;
      }),
    );
  };
  const sweeping = ctx.shared.sweepIfRun(gateway);
  ctx.shared.onOpenPort(gateway, (p) => {
    if (p.transport === 'tcp' && p.port === usualPort) consider(p.port);
  });
  const sweep = await sweeping;
  for (const p of sweep?.host?.ports ?? [])
    if (p.protocol === 'tcp' && p.state === 'open' && (p.port === usualPort || services.includes(p.service?.name ?? ''))) consider(p.port);
  const ports = (await Promise.all(audits.values())).filter((p): p is RdpPortFacts => p !== undefined);
  return { target: { gateway: gateway.name, host: gateway.host }, ports };
}

/** Audits one port and keeps its evidence file; a port that cannot be audited is a failure of that port only. */
async function auditPort(ctx: GatherContext<RdpThresholds>, port: number, flow?: string): Promise<RdpPortFacts> {
  const where = { port, ...(flow ? { flow } : {}) };
  const endpoint = { host: ctx.gateway.host, port };
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  ctx.activity(`RDP security layers on ${ctx.gateway.name} port ${port}`);
  try {
    const audit = await auditRdpEndpoint(ctx.gateway.host, port, {
      timeoutMs,
      budgetMs: timeoutMs * BUDGET_TIMEOUTS,
      limit: ctx.connectionLimit,
      signal: ctx.signal,
    });
    const answered = audit.layers.find((l) => l.answer !== undefined);
    const artefact = ctx.evidence.add([`rdp-${port}.json`], JSON.stringify({ endpoint, ...audit }, null, 2));
    if (answered)
      ctx.shared.portReached(ctx.gateway, { port, transport: 'tcp', probe: 'rdp', protocol: RDP, proof: 'its X.224 Connection Confirm' });
    const { layers, standard, methods } = audit;
    const failure = answered ? undefined : (layers[0]?.failure ?? 'no Connection Request was answered');
    return { ...where, artefact, ...(failure ? { failure } : {}), layers, ...(standard ? { standard } : {}), methods };
  } catch (error) {
    if (error instanceof InternalError) throw error;
    const failure = describeProbeFailure('rdp', error);
    const artefact = ctx.evidence.add([`rdp-${port}.json`], JSON.stringify({ endpoint, failure, fault: faultDetail(error) }, null, 2));
    return { ...where, artefact, failure, layers: [], methods: [] };
  }
}
