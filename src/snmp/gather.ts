import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import snmp, { type Session, type User } from 'net-snmp';
import type { ConnectionFile, Gateway } from '../connection/schema.ts';
import { communitySession, desAvailable, getSystem, HR_SW_INSTALLED_NAME, readSubtree, v3Session, type Target } from './client.ts';

export const SOFTWARE_LIMIT = 5000;

export interface CommunityAttempt {
  version: 'v1' | 'v2c';
  community: string;
  answered: boolean;
  reason?: string;
  /** Something came back that could not be used (wrong source, undecodable). */
  strange?: boolean;
}

export interface V3LevelAttempt {
  level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
  accepted: boolean | undefined;
  reason: string;
}

export interface SnmpFacts {
  address?: string;
  port: number;
  unresolved?: string;
  attempts: CommunityAttempt[];
  /** What the agent reveals, read with the first community that answered. */
  system?: Record<string, string>;
  software?: { names: string[]; truncated: boolean; error?: string };
  v3?: { user: string; authProtocol: string; privProtocol: string; levels: V3LevelAttempt[] };
}

const close = (session: Session) => {
  try {
    session.close();
  } catch {
    // already closed
  }
};

/** Tries the community list with v1 and v2c, then the configured v3 user at each security level. */
export async function gatherSnmp(connection: ConnectionFile, gateway: Gateway, communities: string[]): Promise<SnmpFacts> {
  const settings = connection.snmp;
  const facts: SnmpFacts = { port: settings.port, attempts: [] };
  let address = gateway.host;
  if (isIP(address) === 0) {
    try {
      address = (await lookup(gateway.host)).address;
    } catch (error) {
      facts.unresolved = `${gateway.host} does not resolve: ${(error as Error).message}`;
      return facts;
    }
  }
  facts.address = address;
  const target: Target = { host: address, port: settings.port, timeoutMs: settings.timeoutSeconds * 1000 };

  const pairs = (['v2c', 'v1'] as const).flatMap((version) => communities.map((community) => ({ version, community })));
  const results = await Promise.all(
    pairs.map(async ({ version, community }) => {
      const session = communitySession(target, address, version, community);
      try {
        const answer = await getSystem(session);
        let software: SnmpFacts['software'];
        if (answer.answered && version === 'v2c') {
          const read = await readSubtree(session, HR_SW_INSTALLED_NAME, SOFTWARE_LIMIT);
          software = { names: read.values, truncated: read.truncated, ...(read.error ? { error: read.error } : {}) };
        }
        return { attempt: { version, community, answered: answer.answered, ...(answer.answered ? {} : { reason: answer.reason, ...(answer.strange ? { strange: true } : {}) }) }, system: answer.answered ? answer.values : undefined, software };
      } finally {
        close(session);
      }
    }),
  );
  facts.attempts = results.map((r) => r.attempt);
  const first = results.find((r) => r.system);
  facts.system = first?.system;
  facts.software = results.find((r) => r.software)?.software;

  if (settings.v3) facts.v3 = await tryV3(target, address, settings.v3);
  return facts;
}

async function tryV3(target: Target, address: string, v3: NonNullable<ConnectionFile['snmp']['v3']>): Promise<NonNullable<SnmpFacts['v3']>> {
  const authKey = process.env[v3.authKeyEnv] ?? '';
  const privKey = process.env[v3.privKeyEnv] ?? '';
  const users: [V3LevelAttempt['level'], User][] = [
    ['noAuthNoPriv', { name: v3.user, level: snmp.SecurityLevel.noAuthNoPriv }],
    ['authNoPriv', { name: v3.user, level: snmp.SecurityLevel.authNoPriv, authProtocol: snmp.AuthProtocols[v3.authProtocol], authKey }],
    ['authPriv', { name: v3.user, level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols[v3.authProtocol], authKey, privProtocol: snmp.PrivProtocols[v3.privProtocol], privKey }],
  ];
  const levels: V3LevelAttempt[] = [];
  for (const [level, user] of users) {
    if (level === 'authPriv' && v3.privProtocol === 'des' && !desAvailable()) {
      levels.push({ level, accepted: undefined, reason: "DES privacy cannot be tested: Node's OpenSSL 3 keeps DES in its legacy provider; run cocoscan with NODE_OPTIONS=--openssl-legacy-provider" });
      continue;
    }
    const session = v3Session(target, address, user);
    try {
      const answer = await getSystem(session);
      levels.push(answer.answered ? { level, accepted: true, reason: 'the agent answered' } : { level, accepted: false, reason: answer.reason });
    } catch (error) {
      levels.push({ level, accepted: undefined, reason: (error as Error).message });
    } finally {
      close(session);
    }
  }
  return { user: v3.user, authProtocol: v3.authProtocol, privProtocol: v3.privProtocol, levels };
}
