import type { Session, Varbind } from 'net-snmp';
import { ask, type Target } from './client.ts';
import { compareOids, isBelow, parseOid, type Oid } from './oid.ts';
import { exceptionOf, renderValue } from './values.ts';

/** How much of an agent's subtree one walk may read; every bound ends the walk as truncated. */
export interface WalkBudget {
  maxRequests: number;
  maxSeconds: number;
  maxEntries: number;
}

/**
 * Why a walk ended. `end-of-subtree` and `end-of-mib` are the only clean ends; every other one means the
 * values are a part of the subtree at most.
 */
export type WalkStop =
  | 'end-of-subtree'
  | 'end-of-mib'
  | 'max-entries'
  | 'max-requests'
  | 'max-seconds'
  | 'non-increasing-oid'
  | 'exception-value'
  | 'error-status'
  | 'bad-reply'
  | 'no-answer'
  | 'aborted';

export interface WalkResult {
  values: string[];
  requests: number;
  /** True only when the agent said where the subtree ends. */
  complete: boolean;
  stop: WalkStop;
  reason: string;
}

export interface WalkOptions {
  target: Target;
  /** GETBULK (v2c) or GETNEXT (v1). */
  bulk: boolean;
  budget: WalkBudget;
  signal: AbortSignal;
  maxRepetitions?: number;
  now?: () => number;
}

/** v1 answers a GETNEXT past the end of its MIB with noSuchName (error status 2): that is the end, not a failure. */
const NO_SUCH_NAME = 2;

/** What a walk keeps of one answered OID, and where it goes on from. */
export interface WalkStep {
  /** Kept in the result's values. */
  value: string;
  /** The OID the next request starts from; the answered OID itself when left out (a plain walk). */
  next?: Oid;
  /** Ends the walk cleanly (`end-of-mib`) after this value, with this reason. */
  end?: string;
}

/** How one kind of walk reads its answers and names what it keeps. */
export interface WalkReader {
  /** What an answered OID becomes. */
  visit: (oid: Oid, varbind: Varbind) => WalkStep;
  /** What the agent's end is called in reasons: "MIB", "view". */
  scope: string;
  /** What the values are called in reasons: "entries", "subtrees". */
  noun: string;
}

/** A plain walk keeps every value, rendered. */
const VALUES: WalkReader = { visit: (_oid, varbind) => ({ value: renderValue(varbind.value) }), scope: 'MIB', noun: 'entries' };

/**
 * Walks the subtree under `base` one request at a time. Stops at the end of the subtree, on an OID that does
 * not follow the one before, on an exception value or error status, on any bound of the budget, and when the
 * run is aborted; the result says which.
 */
export function walkSubtree(session: Session, base: string, options: WalkOptions): Promise<WalkResult> {
  return walkOids(session, base, options, VALUES);
}

/**
 * The one GETNEXT/GETBULK loop every walk uses: each answered OID must follow the one the request started from
 * and lie under `base`; `reader.visit` says what to keep and where to go on from. Bounded by the budget.
 */
export async function walkOids(session: Session, base: string, options: WalkOptions, reader: WalkReader): Promise<WalkResult> {
  const now = options.now ?? (() => performance.now());
  const { budget, signal } = options;
  const root = parseOid(base);
  const deadline = now() + budget.maxSeconds * 1000;
  const values: string[] = [];
  let requests = 0;
  let last: Oid = root;
  let lastText = base;
  const end = (stop: WalkStop, reason: string): WalkResult => ({
    values,
    requests,
    complete: stop === 'end-of-subtree' || stop === 'end-of-mib',
    stop,
    reason,
  });

  for (;;) {
    if (signal.aborted) return end('aborted', `the run was interrupted after ${requests} request(s)`);
    if (requests >= budget.maxRequests) return end('max-requests', `stopped after ${requests} requests (walkMaxRequests)`);
    if (now() >= deadline) return end('max-seconds', `stopped after ${budget.maxSeconds} s (walkMaxSeconds)`);
    requests += 1;
    const from = lastText;
    const left = deadline - now();
    const outcome = options.bulk
      ? await ask<Varbind[][]>(
          session,
          options.target,
          signal,
          (done) => session.getBulk([from], 0, options.maxRepetitions ?? 20, done),
          left,
        )
      : await ask<Varbind[]>(session, options.target, signal, (done) => session.getNext([from], done), left);
    if (!outcome.ok) {
      if (outcome.aborted) return end('aborted', `the run was interrupted after ${requests} request(s)`);
      if (outcome.budgetSpent || now() >= deadline) return end('max-seconds', `stopped after ${budget.maxSeconds} s (walkMaxSeconds)`);
      const status = (outcome.error as { status?: unknown } | undefined)?.status;
      if (!options.bulk && status === NO_SUCH_NAME)
        return end('end-of-mib', `the agent answered noSuchName: the end of its ${reader.scope}`);
      if (typeof status === 'number')
        return end('error-status', `the agent answered with an error status (${outcome.reason}) after ${from}`);
      if (outcome.error?.name === 'ResponseInvalidError') return end('bad-reply', `the agent sent an invalid reply: ${outcome.reason}`);
      return end('no-answer', `${outcome.reason} (request ${requests}, after ${from})`);
    }
    const raw: unknown = options.bulk ? (outcome.value as unknown[])?.[0] : outcome.value;
    const varbinds = Array.isArray(raw) ? (raw as Varbind[]) : [];
    if (varbinds.length === 0)
      return end('bad-reply', `the agent answered a ${options.bulk ? 'GETBULK' : 'GETNEXT'} with no varbind after ${from}`);
    for (const varbind of varbinds) {
      const exception = exceptionOf(varbind);
      if (exception === 'endOfMibView') return end('end-of-mib', `the agent answered endOfMibView: the end of its ${reader.scope}`);
      if (exception)
        return end(
          'exception-value',
          `the agent answered ${exception} for ${renderValue(varbind.oid)} after ${from}, which a walk never gets`,
        );
      let oid: Oid;
      try {
        oid = parseOid(varbind.oid);
      } catch (error) {
        return end('bad-reply', (error as Error).message);
      }
      // Order first: an agent answering the OID it was asked for (or an earlier one) would be walked for ever.
      if (compareOids(oid, last) <= 0)
        return end(
          'non-increasing-oid',
          `the agent answered ${renderValue(varbind.oid)} after ${lastText}: OIDs must increase, so the walk stopped`,
        );
      if (!isBelow(root, oid)) return end('end-of-subtree', `the agent went past the end of ${base}`);
      const step = reader.visit(oid, varbind);
      values.push(step.value);
      if (values.length >= budget.maxEntries) return end('max-entries', `stopped at ${budget.maxEntries} ${reader.noun} (walkMaxEntries)`);
      if (step.end !== undefined) return end('end-of-mib', step.end);
      last = step.next ?? oid;
      lastText = last.join('.');
      // A jump past the answered OID leaves the rest of a GETBULK batch behind: the next request starts there.
      if (step.next) break;
    }
  }
}
