import { isIP } from 'node:net';
import type { Flow } from '../../src/connection/schema.ts';
import { localAddressTowards } from '../../src/facts/scanner-address.ts';
import { describeCause, InternalError } from '../../src/errors.ts';
import type { SweepFact } from '../../src/facts/sweep.ts';
import { sweepFailureReason } from '../../src/facts/sweep-reading.ts';
import type { FindingTarget } from '../../src/findings.ts';
import type { NmapHost } from '../../src/nmap/parse.ts';
import type { SweepPlan } from '../../src/nmap/run.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import type { SnmpFacts } from '../../src/snmp/gather.ts';
import type { ReachedPort } from '../../src/facts/shared.ts';
import { askUdp, type AmplifierQuery } from './gather-amplifiers.ts';

/** What the exposure judge reads: one gateway's sweep and the declared flows. */
export interface ExposureFacts {
  target: FindingTarget;
  flows: Flow[];
  /** Why the sweep cannot be judged (sweepFailureReason), when it cannot. */
  failure?: string;
  host?: NmapHost;
  /** Absent only when the sweep itself could not be read (then `failure` says why). */
  plan?: Pick<SweepPlan, 'tcpPorts' | 'udpPorts' | 'udpTop' | 'udpNamed' | 'privileged' | 'serviceDetection'> & {
    /** Why nmap's -sV named no service on this gateway (its budget ran out, or it failed), when it did not. */
    serviceDetectionFailure?: string;
    /** Open TCP ports -sV, which did finish on this gateway, left unnamed, each with why (a silent port, say). */
    unnamedPorts?: { port: number; reason: string }[];
  };
  /** cocoscan's own bounded questions to the open UDP services that may amplify (DNS recursion, NTP mode 6). */
  amplifierQueries?: AmplifierQuery[];
  /** Where the facts come from, for the evidence. */
  source: { name: string; time: string; artefact?: string; udpArtefact?: string; serviceArtefact?: string };
  /** Ports where another probe of the run completed an exchange: the gateway answers there, whatever nmap saw. */
  reached?: readonly ReachedPort[];
  /** What cocoscan's own SNMP probe got on its UDP port, when it ran and was answered: SNMP speaks there. */
  snmpAnswer?: { port: number; evidence: string };
  /**
   * The scanner's own address towards the gateway, as the routing table picks it (before any NAT on the way): a flow
   * open only to given sources that hold it should answer the sweep, so it is judged as any other.
   */
  scannerAddress?: string;
}

/** The SNMP probe's proof that SNMP answers on its port (an engine id, an accepted community, a served v3 user). */
export function snmpAnswerOf(snmp: SnmpFacts | undefined): ExposureFacts['snmpAnswer'] {
  if (!snmp) return undefined;
  const proofs = [
    ...(snmp.engine?.engineId ? [`SNMPv3 engine discovery answered with engine id ${snmp.engine.engineId}`] : []),
    ...(snmp.attempts.some((a) => a.answered) ? ['a community string was accepted'] : []),
    ...(snmp.v3?.levels.some((l) => l.accepted === true) ? ['the SNMPv3 user was served'] : []),
  ];
  return proofs.length > 0 ? { port: snmp.port, evidence: `cocoscan's SNMP probe: ${proofs.join('; ')}` } : undefined;
}

/** The facts of a sweep as the judge reads them. */
export function exposureFacts(sweep: SweepFact, flows: Flow[], reached: readonly ReachedPort[] = []): ExposureFacts {
  return {
    reached,
    target: { gateway: sweep.gateway.name, host: sweep.gateway.host },
    flows,
    failure: sweepFailureReason(sweep),
    host: sweep.host,
    plan: {
      ...sweep.plan,
      ...(sweep.serviceDetectionFailure ? { serviceDetectionFailure: sweep.serviceDetectionFailure } : {}),
      ...(sweep.unnamedPorts ? { unnamedPorts: sweep.unnamedPorts } : {}),
    },
    source: {
      name: sweep.source,
      time: sweep.time,
      artefact: sweep.artefact,
      udpArtefact: sweep.udpArtefact,
      ...(sweep.serviceArtefact ? { serviceArtefact: sweep.serviceArtefact } : {}),
    },
  };
}

/** The open UDP ports cocoscan asks a question of its own, and which question: at most a few per gateway. */
export function amplifierQuestions(host: NmapHost | undefined): { port: number; kind: AmplifierQuery['kind'] }[] {
  if (!host) return [];
  const questions = host.ports.flatMap((p): { port: number; kind: AmplifierQuery['kind'] }[] => {
    if (p.protocol !== 'udp' || p.state !== 'open') return [];
    const name = p.service?.name;
    if (name === 'domain' || (name === undefined && p.port === 53)) return [{ port: p.port, kind: 'dns-recursion' }];
    if (name === 'ntp' || (name === undefined && p.port === 123)) return [{ port: p.port, kind: 'ntp-mode6' }];
    return [];
  });
  return questions.slice(0, MAX_AMPLIFIER_QUESTIONS);
}
export const MAX_AMPLIFIER_QUESTIONS = 8;

export async function gatherExposure(ctx: GatherContext<unknown, 'sweep'>): Promise<ExposureFacts> {
  try {
    const sweep = await ctx.shared.sweep(ctx.gateway);
    const facts = exposureFacts(sweep, ctx.connection.flows, await ctx.shared.reachedPorts(ctx.gateway));
    // Only what the SNMP probe of this run gathered anyway; its own failure is its own finding.
    const snmp = await ctx.shared.snmpIfGathered(ctx.gateway)?.catch((error: unknown) => {
      if (error instanceof InternalError) throw error;
      return undefined;
    });
    const snmpAnswer = snmpAnswerOf(snmp);
    // Only worth asking when a flow names its sources: it decides whether the sweep should have reached them.
    const gatewayAddress = sweep.host?.addresses.find((a) => isIP(a) !== 0);
    const scannerAddress = gatewayAddress && facts.flows.some((f) => f.sources) ? await localAddressTowards(gatewayAddress) : undefined;
    const withSnmp = { ...facts, ...(snmpAnswer ? { snmpAnswer } : {}), ...(scannerAddress ? { scannerAddress } : {}) };
    const questions = facts.failure ? [] : amplifierQuestions(facts.host);
    if (questions.length === 0) return withSnmp;
    ctx.activity('asking the open UDP services whether they amplify');
    const timeoutMs = Math.min(ctx.connection.scan.probeTimeoutSeconds, 5) * 1000;
    const amplifierQueries = await Promise.all(
      questions.map((q) => ctx.connectionLimit(() => askUdp(ctx.gateway.host, q.port, q.kind, timeoutMs))),
    );
    return { ...withSnmp, amplifierQueries };
  } catch (error) {
    if (error instanceof InternalError) throw error;
    // One gateway's unreadable sweep is an error there, on every flow; the other gateways keep their findings.
    return {
      target: { gateway: ctx.gateway.name, host: ctx.gateway.host },
      flows: ctx.connection.flows,
      failure:
        `the sweep of this gateway could not be read (${describeCause(error).slice(0, 200)}); ` +
        'see the nmap XML in the evidence and rerun',
      source: { name: 'nmap', time: ctx.now().toISOString() },
    };
  }
}
