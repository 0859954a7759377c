import { createCipheriv } from 'node:crypto';
import { isIP } from 'node:net';
import snmp, { type Session, type User, type Varbind } from 'net-snmp';

export const SYSTEM_OIDS = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
} as const;
export const HR_SW_INSTALLED_NAME = '1.3.6.1.2.1.25.6.3.1.2';

export interface Target {
  host: string;
  port: number;
  timeoutMs: number;
}

export type Answer = { answered: true; values: Record<string, string> } | { answered: false; reason: string; strange?: boolean };

/** Datagrams a guarded session dropped: from the wrong source, or not decodable as SNMP. */
export interface Dropped {
  wrongSource: string[];
  undecodable: number;
}

const dropped = new WeakMap<Session, Dropped>();

/**
 * A net-snmp session that only listens to its target. net-snmp matches replies by request id alone, so a
 * reply from another address or port would be taken as the agent's; here such datagrams are dropped, and
 * undecodable ones are ignored instead of ending the process.
 */
function guarded(session: Session, target: Target, address: string): Session {
  const record: Dropped = { wrongSource: [], undecodable: 0 };
  dropped.set(session, record);
  session.dgram.removeAllListeners('message');
  session.dgram.on('message', (buffer: Buffer, rinfo: { address: string; port: number }) => {
    if (rinfo.port !== target.port || normalise(rinfo.address) !== normalise(address)) {
      if (record.wrongSource.length < 5) record.wrongSource.push(`${rinfo.address}:${rinfo.port}`);
      return;
    }
    session.onMsg(buffer);
  });
  // net-snmp reports a datagram it cannot decode as a session error; it is counted, not fatal.
  session.on('error', () => {
    record.undecodable += 1;
  });
  return session;
}

function normalise(address: string): string {
  return address.replace(/^::ffff:/, '');
}

function options(target: Target, version?: number) {
  return { port: target.port, retries: 1, timeout: Math.max(200, Math.floor(target.timeoutMs / 2)), transport: isIP(target.host) === 6 ? ('udp6' as const) : ('udp4' as const), ...(version === undefined ? {} : { version }) };
}

export function communitySession(target: Target, address: string, version: 'v1' | 'v2c', community: string): Session {
  return guarded(snmp.createSession(address, community, options(target, version === 'v1' ? snmp.Version1 : snmp.Version2c)), target, address);
}

export function v3Session(target: Target, address: string, user: User): Session {
  return guarded(snmp.createV3Session(address, user, options(target)), target, address);
}

export function render(varbind: Varbind): string {
  const value = varbind.value;
  if (Buffer.isBuffer(value)) return value.toString('utf8').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
  return String(value);
}

/** GETs the system group; a timeout is "no answer" (wrong community and filtered port look the same). */
export function getSystem(session: Session): Promise<Answer> {
  return new Promise((resolve) => {
    session.get(Object.values(SYSTEM_OIDS), (error, varbinds) => {
      if (error) {
        const record = dropped.get(session);
        if (record?.wrongSource.length) {
          return resolve({ answered: false, strange: true, reason: `replies came from ${record.wrongSource.join(', ')}, not from the agent's address and port, and were ignored` });
        }
        if (record?.undecodable) return resolve({ answered: false, strange: true, reason: `${record.undecodable} reply datagram(s) could not be decoded as SNMP` });
        // The agent did reply, but not to what was asked (wrong OIDs, version or community).
        if (error.name === 'ResponseInvalidError') return resolve({ answered: false, strange: true, reason: `the agent replied with an invalid response: ${error.message}` });
        return resolve({ answered: false, reason: describeSnmpError(error) });
      }
      const values: Record<string, string> = {};
      for (const [name, oid] of Object.entries(SYSTEM_OIDS)) {
        const varbind = varbinds.find((v) => v.oid === oid);
        if (varbind && !snmp.isVarbindError(varbind)) values[name] = render(varbind);
      }
      resolve({ answered: true, values });
    });
  });
}

/** Reads a subtree with `subtree` (GETBULK), stopping at `limit` entries. */
export function readSubtree(session: Session, oid: string, limit: number): Promise<{ values: string[]; truncated: boolean; error?: string }> {
  return new Promise((resolve) => {
    const values: string[] = [];
    let truncated = false;
    session.subtree(
      oid,
      20,
      (varbinds) => {
        for (const varbind of varbinds) {
          if (snmp.isVarbindError(varbind)) continue;
          values.push(render(varbind));
          if (values.length >= limit) {
            truncated = true;
            return true;
          }
        }
        return false;
      },
      (error) => resolve({ values, truncated, ...(error ? { error: describeSnmpError(error) } : {}) }),
    );
  });
}

export function describeSnmpError(error: Error): string {
  const name = error.name || error.constructor?.name;
  if (/TimedOut/i.test(name) || /timed out/i.test(error.message)) return 'no answer (timed out)';
  return error.message.split('\n')[0] ?? String(error);
}

/** Whether Node's OpenSSL can run DES, which SNMPv3's DES privacy needs (OpenSSL 3 keeps it in the legacy provider). */
export function desAvailable(): boolean {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}
