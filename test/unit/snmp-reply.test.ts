import fc from 'fast-check';
import type { Session, Varbind } from 'net-snmp';
import { describe, expect, it } from 'vitest';
import { closeSession, communitySession, getSystem, HR_SW_INSTALLED_NAME, type Target } from '../../src/snmp/client.ts';
import { readableSubtrees } from '../../src/snmp/view.ts';
import { walkOids, walkSubtree, type WalkBudget, type WalkReader } from '../../src/snmp/walk.ts';
import { systemGroupReply } from '../helpers/fake-snmp-agent.ts';

const target: Target = { host: '127.0.0.1', port: 16161, timeoutMs: 60_000 };

/** A session whose datagrams never leave the process: the request is captured, the reply is handed in. */
function capturingSession(): { session: Session; sent: () => Buffer } {
  const session = communitySession(target, '127.0.0.1', 'v2c', 'public');
  let sent: Buffer | undefined;
  (session.dgram as unknown as { send: unknown }).send = (
    buffer: Buffer,
    _offset: number,
    length: number,
    _port: number,
    _address: string,
    done?: (error: Error | null, bytes: number) => void,
  ) => {
    sent = Buffer.from(buffer);
    done?.(null, length);
  };
  return { session, sent: () => sent! };
}

describe('the SNMP reply path, fed what a hostile agent could send', () => {
  it('a reply, damaged anywhere, never throws out of the socket handler and never yields anything but an answer', async () => {
    const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });
    const damage = fc.record({
      edits: fc.array(edit, { maxLength: 6 }),
      cut: fc.option(fc.nat()),
      random: fc.option(fc.uint8Array({ maxLength: 300 })),
    });
    await fc.assert(
      fc.asyncProperty(damage, async ({ edits, cut, random }) => {
        const { session, sent } = capturingSession();
        const pending = getSystem(session, target, new AbortController().signal);
        let reply = random ? Buffer.from(random) : Buffer.from(systemGroupReply(sent())!);
        for (const { at, byte } of edits) if (reply.length > 0) reply[at % reply.length] = byte;
        if (cut !== null && reply.length > 0) reply = reply.subarray(0, cut % reply.length);
        expect(() => session.dgram.emit('message', reply, { address: '127.0.0.1', port: target.port })).not.toThrow();
        closeSession(session);
        const answer = await pending;
        if (answer.answered) expect(Object.values(answer.values).every((v) => typeof v === 'string')).toBe(true);
        else expect(typeof answer.reason).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('an undamaged reply is read', async () => {
    const { session, sent } = capturingSession();
    const pending = getSystem(session, target, new AbortController().signal);
    session.dgram.emit('message', systemGroupReply(sent())!, { address: '127.0.0.1', port: target.port });
    const answer = await pending;
    closeSession(session);
    expect(answer).toMatchObject({ answered: true, values: { sysDescr: 'system value 0', sysName: 'system value 4' } });
  });
});

/** A session that answers each GETBULK with the next scripted list of varbinds, then times out. */
function scriptedSession(replies: Varbind[][]): { session: Session; requests: () => number } {
  let requests = 0;
  const session = {
    getBulk: (_oids: string[], _nonRepeaters: number, _max: number, done: (error: Error | null, varbinds: Varbind[][]) => void) => {
      const reply = replies[requests++];
      queueMicrotask(() =>
        reply ? done(null, [reply]) : done(Object.assign(new Error('Request timed out'), { name: 'RequestTimedOutError' }), []),
      );
    },
    cancelRequests: () => {},
  } as unknown as Session;
  return { session, requests: () => requests };
}

const BASE = HR_SW_INSTALLED_NAME.split('.').map(Number);
const oidText = fc.oneof(
  fc.array(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 3 }).map((tail) => [...BASE, ...tail].join('.')),
  fc.array(fc.nat(), { minLength: 0, maxLength: 14 }).map((arcs) => arcs.join('.')),
  fc.constantFrom('constructor', '__proto__', 'toString', HR_SW_INSTALLED_NAME, '1.3.6.1.2.1.25.6.3.1.1.7'),
  fc.string(),
);
const varbind = fc.record({ oid: oidText, type: fc.oneof(fc.constantFrom(2, 4, 128, 129, 130), fc.integer()), value: fc.anything() });

describe('a walk, fed any sequence of replies', () => {
  it('ends within its budget, and calls itself complete only when the agent said where the subtree ends', async () => {
    const budget = fc.record({
      maxRequests: fc.integer({ min: 1, max: 30 }),
      maxEntries: fc.integer({ min: 1, max: 60 }),
      maxSeconds: fc.constant(30),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(varbind, { maxLength: 8 }), { maxLength: 40 }), budget, async (replies, limits: WalkBudget) => {
        const { session, requests } = scriptedSession(replies);
        const walk = await walkSubtree(session, HR_SW_INSTALLED_NAME, {
          target,
          bulk: true,
          budget: limits,
          signal: new AbortController().signal,
        });
        expect(walk.requests).toBe(requests());
        expect(walk.requests).toBeLessThanOrEqual(limits.maxRequests);
        expect(walk.values.length).toBeLessThanOrEqual(limits.maxEntries);
        expect(walk.values.every((v) => typeof v === 'string')).toBe(true);
        expect(walk.complete).toBe(walk.stop === 'end-of-subtree' || walk.stop === 'end-of-mib');
        expect(walk.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('stops on an OID named like an Object property, as a bad reply', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const { session } = scriptedSession([[{ oid: name, type: 4, value: Buffer.from('x') }]]);
      const walk = await walkSubtree(session, HR_SW_INSTALLED_NAME, {
        target,
        bulk: true,
        budget: { maxRequests: 5, maxEntries: 5, maxSeconds: 5 },
        signal: new AbortController().signal,
      });
      expect(walk).toMatchObject({ stop: 'bad-reply', complete: false, requests: 1 });
    }
  });

  it('reads a well-behaved table to its end', async () => {
    const row = (n: number) => ({ oid: `${HR_SW_INSTALLED_NAME}.${n}`, type: 4, value: Buffer.from(`package-${n}`) });
    const { session } = scriptedSession([
      [row(1), row(2)],
      [row(3), { oid: '1.3.6.1.2.1.25.6.3.1.3.1', type: 2, value: 1 }],
    ]);
    const walk = await walkSubtree(session, HR_SW_INSTALLED_NAME, {
      target,
      bulk: true,
      budget: { maxRequests: 5, maxEntries: 50, maxSeconds: 5 },
      signal: new AbortController().signal,
    });
    expect(walk).toMatchObject({ stop: 'end-of-subtree', complete: true, requests: 2, values: ['package-1', 'package-2', 'package-3'] });
  });
});

describe('the system group, whatever OIDs the agent names', () => {
  it('takes only the OIDs it asked for; names like Object properties are unknown', async () => {
    const reply: Varbind[] = [
      { oid: '__proto__', type: 4, value: Buffer.from('polluted') },
      { oid: 'constructor', type: 4, value: Buffer.from('x') },
      { oid: 'toString', type: 4, value: Buffer.from('y') },
      { oid: '1.3.6.1.2.1.1.5.0', type: 4, value: Buffer.from('gw1') },
      { oid: '1.3.6.1.2.1.1.5.0', type: 4, value: Buffer.from('second copy ignored') },
      { oid: '1.3.6.1.2.1.1.1.0', type: 129, value: null },
    ];
    const session = {
      get: (_oids: string[], done: (error: Error | null, varbinds: Varbind[]) => void) => queueMicrotask(() => done(null, reply)),
      cancelRequests: () => {},
    } as unknown as Session;
    const answer = await getSystem(session, target, new AbortController().signal);
    expect(answer).toEqual({ answered: true, values: { sysName: 'gw1' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/** A session that answers each GETNEXT with the next scripted varbind, recording what it was asked; then times out. */
function scriptedGetNext(replies: Varbind[]): { session: Session; asked: string[] } {
  const asked: string[] = [];
  const session = {
    getNext: (oids: string[], done: (error: Error | null, varbinds: Varbind[]) => void) => {
      const reply = replies[asked.length];
      asked.push(oids[0]!);
      queueMicrotask(() =>
        reply ? done(null, [reply]) : done(Object.assign(new Error('Request timed out'), { name: 'RequestTimedOutError' }), []),
      );
    },
    cancelRequests: () => {},
  } as unknown as Session;
  return { session, asked };
}

describe('the view walk is the same walk (one GETNEXT loop, its own step)', () => {
  it('asks from 1.3.6.1, then past each readable subtree, and ends where the agent says', async () => {
    const at = (oid: string) => ({ oid, type: 4, value: Buffer.from('x') });
    const { session, asked } = scriptedGetNext([
      at('1.3.6.1.2.1.2.1.0'),
      at('1.3.6.1.2.1.31.1.1.1.1.1'),
      { oid: '1.3.6.1.2.1.32', type: 130, value: null },
    ]);
    const view = await readableSubtrees(session, {
      target,
      budget: { maxRequests: 10, maxEntries: 10, maxSeconds: 5 },
      signal: new AbortController().signal,
    });
    expect(asked).toEqual(['1.3.6.1', '1.3.6.1.2.1.3', '1.3.6.1.2.1.32']);
    expect(view).toMatchObject({ stop: 'end-of-mib', complete: true, values: ['1.3.6.1.2.1.2', '1.3.6.1.2.1.31'] });
    expect(view.reason).toBe('the agent answered endOfMibView: the end of its view');
  });

  it('keeps the walk guarantees on any sequence of replies: bounded, ordered, complete only when the agent said so', async () => {
    const budget = fc.record({
      maxRequests: fc.integer({ min: 1, max: 30 }),
      maxEntries: fc.integer({ min: 1, max: 60 }),
      maxSeconds: fc.constant(30),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(varbind, { maxLength: 40 }), budget, async (replies, limits: WalkBudget) => {
        const { session, asked } = scriptedGetNext(replies);
        const view = await readableSubtrees(session, { target, budget: limits, signal: new AbortController().signal });
        expect(view.requests).toBe(asked.length);
        expect(view.requests).toBeLessThanOrEqual(limits.maxRequests);
        expect(view.values.length).toBeLessThanOrEqual(limits.maxEntries);
        // Each request starts past the subtree before it: the walk never asks the same place twice.
        expect(new Set(asked).size).toBe(asked.length);
        expect(view.complete).toBe(view.stop === 'end-of-subtree' || view.stop === 'end-of-mib');
      }),
      { numRuns: 300 },
    );
  });

  it('a walk step that jumps leaves the rest of a GETBULK batch behind', async () => {
    const row = (n: number) => ({ oid: `${HR_SW_INSTALLED_NAME}.${n}`, type: 4, value: Buffer.from(`v${n}`) });
    const { session, requests } = scriptedSession([[row(1), row(2), row(3)], [row(9)]]);
    const jumpAfterFirst: WalkReader = {
      visit: (oid) => ({ value: oid.join('.'), ...(oid.at(-1) === 1 ? { next: [...oid.slice(0, -1), 5] } : {}) }),
      scope: 'MIB',
      noun: 'entries',
    };
    const walk = await walkOids(
      session,
      HR_SW_INSTALLED_NAME,
      { target, bulk: true, budget: { maxRequests: 2, maxEntries: 10, maxSeconds: 5 }, signal: new AbortController().signal },
      jumpAfterFirst,
    );
    expect(requests()).toBe(2);
    expect(walk.values).toEqual([`${HR_SW_INSTALLED_NAME}.1`, `${HR_SW_INSTALLED_NAME}.9`]);
  });
});
