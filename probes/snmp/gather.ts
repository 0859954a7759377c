import type { FindingTarget } from '../../src/findings.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import type { SnmpFacts } from '../../src/snmp/gather.ts';
import type { SnmpThresholds } from './thresholds.ts';
import { hostPort } from '../../src/host-port.ts';
import { localAddressTowards, scannerAmong } from '../../src/facts/scanner-address.ts';

/** What the SNMP judge reads for one gateway: what the agent answered, and what the connection file declares. */
export interface SnmpProbeFacts {
  target: FindingTarget & { port: number; transport: 'udp' };
  /** "host:port/udp", as the messages name it. */
  endpoint: string;
  /** Why SNMP could not be checked at all (the host name does not resolve). */
  failure?: string;
  /** How many community strings were tried with each of v1 and v2c. */
  communityCount: number;
  /** How many of the communities tried the connection file gave and the profile's defaults do not hold. */
  ownCommunities: number;
  /** Whether a declared UDP flow uses the SNMP port. */
  declared: boolean;
  /** The declared flow's sources when it is open only to them and the scanner is not among them: silence is by design. */
  restrictedTo?: string[];
  snmp: SnmpFacts;
  source: string;
  /** The report-relative path of snmp.json, the gathered facts. */
  artefact: string;
}

export async function gatherSnmpFacts(ctx: GatherContext<SnmpThresholds, 'snmp'>): Promise<SnmpProbeFacts> {
  const { gateway, connection, thresholds: t } = ctx;
  const settings = connection.snmp;
  const communities = settings.communities ?? t.communities;
  const snmp = await ctx.shared.snmp(gateway, {
    communities,
    walk: { maxEntries: t.walkMaxEntries, maxRequests: t.walkMaxRequests, maxSeconds: t.walkMaxSeconds },
  });
  // A community that is not one of the profile's defaults is the organisation's own secret: never written out.
  const shown = (community: string) =>
    t.communities.includes(community) ? community : `(community ${communities.indexOf(community) + 1} of the connection file)`;
  const snmpShown: SnmpFacts = { ...snmp, attempts: snmp.attempts.map((a) => ({ ...a, community: shown(a.community) })) };
  const port = settings.port;
  const flow = connection.flows.find((f) => f.transport === 'udp' && f.port === port);
  const restricted = flow?.sources && !scannerAmong(flow.sources, await localAddressTowards(gateway.host));
  const v3User = settings.v3 ? `, v3 user ${settings.v3.user}` : '';
  return {
    target: { gateway: gateway.name, host: gateway.host, port, transport: 'udp' },
    endpoint: `${hostPort(gateway.host, port)}/udp`,
    ...(snmp.unresolved ? { failure: snmp.unresolved } : {}),
    communityCount: communities.length,
    ownCommunities: communities.filter((c) => !t.communities.includes(c)).length,
    declared: flow !== undefined,
    ...(restricted ? { restrictedTo: flow.sources } : {}),
    snmp: snmpShown,
    source: `cocoscan SNMP probe (net-snmp, ${communities.length} communities × v1/v2c${v3User})`,
    artefact: ctx.evidence.add(['snmp.json'], JSON.stringify(snmpShown, null, 2)),
  };
}
