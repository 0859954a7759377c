import { createCipheriv } from 'node:crypto';
import { isIP } from 'node:net';
import snmp, { type Session, type User, type Varbind } from 'net-snmp';
import { refusalOf } from './refusal.ts';
import { exceptionOf, renderValue } from './values.ts';
import { hostPort } from '../host-port.ts';

export const SYSTEM_OIDS = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
} as const;
export const HR_SW_INSTALLED_NAME = '1.3.6.1.2.1.25.6.3.1.2';

/** Replies accepted for one request: a v3 request may take a discovery and a time-sync Report before its answer. */
export const MAX_REPLIES_PER_REQUEST = 4;
/** Added to a request's own timeout and retry before cocoscan gives up on it (the net-snmp timer is the first line). */
const DEADLINE_MARGIN_MS = 1000;

export interface Target {
  host: string;
  port: number;
  timeoutMs: number;
}

export type Answer =
  | { answered: true; values: Record<string, string> }
  /** `refused`: the agent itself declined the request (a usmStats* Report, authorizationError); anything else proves nothing. */
  | { answered: false; reason: string; strange?: boolean; aborted?: boolean; refused?: boolean };

/** Datagrams a guarded session dropped or took. */
interface Traffic {
  wrongSource: string[];
  undecodable: number;
  accepted: number;
  onAccepted?: () => void;
}

const traffic = new WeakMap<Session, Traffic>();

/**
 * A net-snmp session that only listens to its target. net-snmp matches replies by request id alone, so a
 * reply from another address or port would be taken as the agent's; here such datagrams are dropped, and
 * undecodable ones are counted instead of ending the process.
 */
function guarded(session: Session, target: Target, address: string): Session {
  const record: Traffic = { wrongSource: [], undecodable: 0, accepted: 0 };
  traffic.set(session, record);
  session.dgram.removeAllListeners('message');
  session.dgram.on('message', (buffer: Buffer, rinfo: { address: string; port: number }) => {
    if (rinfo.port !== target.port || normalise(rinfo.address) !== normalise(address)) {
      if (record.wrongSource.length < 5) record.wrongSource.push(hostPort(rinfo.address, rinfo.port));
      return;
    }
    record.accepted += 1;
    try {
      session.onMsg(buffer);
    } catch {
      // net-snmp checks most of a message but not all of it (a v3 message with odd security fields, say).
      record.undecodable += 1;
    }
    record.onAccepted?.();
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
  return {
    port: target.port,
    retries: 1,
    timeout: requestTimeoutMs(target),
    transport: isIP(target.host) === 6 ? ('udp6' as const) : ('udp4' as const),
    ...(version === undefined ? {} : { version }),
  };
}

const requestTimeoutMs = (target: Target) => Math.max(200, Math.floor(target.timeoutMs / 2));

export function communitySession(target: Target, address: string, version: 'v1' | 'v2c', community: string): Session {
  return guarded(
    snmp.createSession(address, community, options(target, version === 'v1' ? snmp.Version1 : snmp.Version2c)),
    target,
    address,
  );
}

export function v3Session(target: Target, address: string, user: User): Session {
  return guarded(snmp.createV3Session(address, user, options(target)), target, address);
}

export function closeSession(session: Session): void {
  try {
    session.cancelRequests(new Error('session closed'));
    session.close();
  } catch {
    // already closed
  }
}

export type Outcome<T> =
  | { ok: true; value: T }
  /** `budgetSpent`: the request ended at `withinMs` (the caller's own budget), before its own deadline. */
  | { ok: false; reason: string; error?: Error; aborted?: boolean; strange?: boolean; budgetSpent?: boolean };

/**
 * One request, bounded whatever the agent does: it ends at net-snmp's answer, at a deadline past net-snmp's
 * own timeout and retry, when the agent sends more replies than one request can need (a Report loop), or
 * when the run is aborted. Whatever is still pending in the session is cancelled.
 */
export function ask<T>(
  session: Session,
  target: Target,
  signal: AbortSignal,
  send: (done: (error: Error | null, value?: T) => void) => void,
  /** Ends the request sooner than its own deadline (what is left of a walk's time budget). */
  withinMs = Number.POSITIVE_INFINITY,
): Promise<Outcome<T>> {
  if (signal.aborted) return Promise.resolve({ ok: false, aborted: true, reason: 'the run was interrupted before this request was sent' });
  const record = traffic.get(session);
  return new Promise((resolve) => {
    let settled = false;
    const start = record?.accepted ?? 0;
    const finish = (outcome: Outcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (record) record.onAccepted = undefined;
      if (!outcome.ok) session.cancelRequests(new Error(outcome.reason));
      resolve(outcome);
    };
    const onAbort = () =>
      finish({ ok: false, aborted: true, reason: 'the run was interrupted (SIGINT or SIGTERM) while waiting for the agent' });
    const ownDeadline = requestTimeoutMs(target) * 2 + DEADLINE_MARGIN_MS;
    const deadline = Math.max(0, Math.min(ownDeadline, withinMs));
    // Said outright rather than left to the caller's clock: a timer may fire a fraction of a millisecond early.
    const budgetSpent = withinMs < ownDeadline;
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          strange: (record?.accepted ?? 0) > start,
          reason: `no usable answer within ${(deadline / 1000).toFixed(1)} s`,
          ...(budgetSpent ? { budgetSpent } : {}),
        }),
      deadline,
    );
    signal.addEventListener('abort', onAbort, { once: true });
    if (record) {
      record.onAccepted = () => {
        if (record.accepted - start > MAX_REPLIES_PER_REQUEST) {
          finish({
            ok: false,
            strange: true,
            reason: `the agent sent ${record.accepted - start} replies to one request (at most ${MAX_REPLIES_PER_REQUEST} are taken), a reply loop`,
          });
        }
      };
    }
    try {
      send((error, value) => finish(error ? { ok: false, error, reason: describeSnmpError(error) } : { ok: true, value: value as T }));
    } catch (error) {
      finish({ ok: false, error: error as Error, reason: describeSnmpError(error as Error) });
    }
  });
}

/** GETs the system group; a timeout is "no answer" (wrong community and filtered port look the same). */
export async function getSystem(
  session: Session,
  target: Target,
  signal: AbortSignal,
  /** Take a response with an error status as an answer (a v1/v2c agent answers only a community it accepts). */
  { anyResponse = false } = {},
): Promise<Answer> {
  const outcome = await ask<Varbind[]>(session, target, signal, (done) => session.get(Object.values(SYSTEM_OIDS), done));
  if (!outcome.ok) {
    if (outcome.aborted) return { answered: false, aborted: true, reason: outcome.reason };
    if (anyResponse && outcome.error?.name === 'RequestFailedError' && typeof (outcome.error as { status?: unknown }).status === 'number')
      return { answered: true, values: {} };
    const refusal = refusalOf(outcome.error);
    if (refusal) return { answered: false, refused: true, reason: `the agent refused: ${refusal}` };
    const record = traffic.get(session);
    if (record?.wrongSource.length) {
      return {
        answered: false,
        strange: true,
        reason: `replies came from ${record.wrongSource.join(', ')}, not from the agent's address and port, and were ignored`,
      };
    }
    if (record?.undecodable)
      return { answered: false, strange: true, reason: `${record.undecodable} reply datagram(s) could not be decoded as SNMP` };
    // The agent did reply, but not to what was asked (wrong OIDs, version or community).
    if (outcome.error?.name === 'ResponseInvalidError')
      return { answered: false, strange: true, reason: `the agent replied with an invalid response: ${outcome.reason}` };
    return { answered: false, reason: outcome.reason, ...(outcome.strange ? { strange: true } : {}) };
  }
  const byOid = new Map<string, Varbind>();
  for (const varbind of Array.isArray(outcome.value) ? outcome.value : []) {
    if (varbind && typeof varbind.oid === 'string' && !byOid.has(varbind.oid)) byOid.set(varbind.oid, varbind);
  }
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, oid] of Object.entries(SYSTEM_OIDS)) {
    const varbind = byOid.get(oid);
    if (varbind && !exceptionOf(varbind)) values[name] = renderValue(varbind.value);
  }
  return { answered: true, values: { ...values } };
}

export function describeSnmpError(error: Error): string {
  const name = typeof error?.name === 'string' ? error.name : '';
  const message = typeof error?.message === 'string' ? error.message : String(error);
  if (/TimedOut/i.test(name) || /timed out/i.test(message)) return 'no answer (timed out)';
  return renderValue(message.split('\n')[0] ?? '');
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
