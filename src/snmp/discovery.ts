import snmp from 'net-snmp';
import { ask, closeSession, v3Session, type Target } from './client.ts';
import { refusalOf } from './refusal.ts';

/** A user no agent has: the request after discovery is refused, and the discovery Report alone is what is read. */
const DISCOVERY_USER = 'cocoscan-engine-discovery';
const MAX_ENGINE_ID_BYTES = 32;

export interface EngineDiscovery {
  /** The agent's snmpEngineID in hex, when it sent a discovery Report (RFC 3414 4): proof an SNMP agent listens. */
  engineId?: string;
  reason: string;
}

/**
 * SNMPv3 engine discovery: a request with no engine id and no credentials, which every v3 agent answers with a
 * Report carrying its engine id whatever its communities and users. Silence proves nothing (UDP, filtering).
 */
export async function discoverEngine(target: Target, address: string, signal: AbortSignal): Promise<EngineDiscovery> {
  const session = v3Session(target, address, { name: DISCOVERY_USER, level: snmp.SecurityLevel.noAuthNoPriv });
  try {
    const outcome = await ask(session, target, signal, (done) => session.get(['1.3.6.1.2.1.1.1.0'], done));
    const id: unknown = session.msgSecurityParameters?.msgAuthoritativeEngineID;
    const engineId = Buffer.isBuffer(id) && id.length > 0 ? id.subarray(0, MAX_ENGINE_ID_BYTES).toString('hex') : undefined;
    if (engineId) {
      const after = outcome.ok ? 'then answered' : (refusalOf(outcome.error) ?? outcome.reason);
      return { engineId, reason: `the agent sent a discovery Report with engine id ${engineId} (${after})` };
    }
    return { reason: outcome.ok ? 'the agent answered without a discovery Report' : outcome.reason };
  } finally {
    closeSession(session);
  }
}
