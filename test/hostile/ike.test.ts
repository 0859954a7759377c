import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { gatherIke } from '../../probes/ike/gather.ts';
import type { IkeFacts } from '../../probes/ike/facts.ts';
import { judgeIke } from '../../probes/ike/judge.ts';
import { LAB_IKE_THRESHOLDS } from '../lab/ike-agreement.ts';
import type { IkeThresholds } from '../../probes/ike/thresholds.ts';

/** What the fake responder does with each datagram it gets: the answers it sends, from its own port or another. */
type Behaviour = (request: Buffer) => { answers: Buffer[]; fromOtherPort?: boolean };

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

/** A fake IKE responder on 127.0.0.1; `received` holds every datagram it got. */
async function responder(behaviour: Behaviour): Promise<{ port: number; received: Buffer[] }> {
  const socket = await bound();
  const other = await bound();
  const received: Buffer[] = [];
  socket.on('message', (data, from) => {
    received.push(data);
    const { answers, fromOtherPort } = behaviour(data);
    for (const answer of answers) (fromOtherPort ? other : socket).send(answer, from.port, from.address);
  });
  return { port: socket.address().port, received };
}

/** An IKEv2 answer for the request's SPI with these payloads (type, body). */
function answerV2(request: Buffer, payloads: [number, Buffer][]): Buffer {
  const parts = payloads.map(([, body], i) => {
    const header = Buffer.alloc(4);
    header[0] = payloads[i + 1]?.[0] ?? 0;
    header.writeUInt16BE(body.length + 4, 2);
    return Buffer.concat([header, body]);
  });
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(28);
  request.copy(header, 0, 0, 8);
  header.fill(0x42, 8, 16);
  header[16] = payloads[0]?.[0] ?? 0;
  header[17] = 0x20;
  header[18] = 34;
  header[19] = 0x20;
  header.writeUInt32BE(28 + body.length, 24);
  return Buffer.concat([header, body]);
}

const notify = (type: number, data: Buffer = Buffer.alloc(0)): [number, Buffer] => {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(type, 2);
  return [41, Buffer.concat([body, data])];
};
const isV2 = (request: Buffer) => request[17] === 0x20;
/** The first payload type of a request: 41 (a notify) when it leads with the echoed COOKIE. */
const firstPayload = (request: Buffer) => request[16];

async function gather(port: number, thresholds: Partial<IkeThresholds> = {}, host = '127.0.0.1'): Promise<IkeFacts> {
  return gatherIke({
    gateway: { name: 'lo', host },
    connection: { flows: [{ name: 'vpn', protocol: 'ipsec', port, transport: 'udp' }] },
    thresholds: { ...LAB_IKE_THRESHOLDS, replyTimeoutSeconds: 0.3, ...thresholds },
    // The run resolves every name once before any probe; a name it could not resolve to one address stays a name.
    shared: { portReached: () => undefined, resolvedAddress: (g: { host: string }) => g.host },
    evidence: { add: (segments: string[]) => segments.join('/') },
    signal: AbortSignal.timeout(60_000),
    now: () => new Date(),
    connectionLimit: pLimit(1),
    activity: () => undefined,
  } as unknown as Parameters<typeof gatherIke>[0]);
}

const portOf = (facts: IkeFacts, port: number) => facts.ports.find((p) => p.port === port)!;
const limits = LAB_IKE_THRESHOLDS;

describe('the IKE probe against hostile and odd responders', () => {
  it('echoes a COOKIE with the same SPI and nonce, once, and reads the answer that follows', async () => {
    const cookie = Buffer.from('a-cookie-bound-to-the-spi');
    const fake = await responder((request) => {
      if (!isV2(request)) return { answers: [] };
      if (firstPayload(request) !== 41) return { answers: [answerV2(request, [notify(16390, cookie)])] };
      return { answers: [answerV2(request, [notify(14)])] };
    });
    const facts = await gather(fake.port);
    const first = portOf(facts, fake.port).outcomes[0]!;
    expect(first).toMatchObject({ result: 'refused', detail: 'NO_PROPOSAL_CHOSEN', datagrams: 2 });
    const [plain, withCookie] = fake.received.filter(isV2);
    expect(withCookie?.subarray(0, 8)).toEqual(plain?.subarray(0, 8));
    expect(withCookie?.includes(cookie)).toBe(true);
    // The nonce (the last 32 bytes before the NAT detection notifies) is the same in both.
    expect(withCookie!.length - plain!.length).toBe(8 + cookie.length);
  });

  it('ignores answers from another port (the connected socket never hands them over)', async () => {
    const fake = await responder((request) => ({ answers: [answerV2(request, [notify(14)])], fromOtherPort: true }));
    const facts = await gather(fake.port, { retransmits: 1 });
    const port = portOf(facts, fake.port);
    expect(port.answered).toBe(false);
    expect(port.outcomes[0]).toMatchObject({ result: 'silent', detail: 'no answer to 2 datagrams' });
    expect(fake.received.length).toBeGreaterThanOrEqual(2);
    const ikev1 = judgeIke(facts, limits).find((v) => v.id === 'ike.ikev1');
    expect(ikev1?.status).toBe('not_tested');
  });

  it('turns malformed answers into reasons, never a crash or a pass', async () => {
    const fake = await responder((request) => {
      const answer = answerV2(request, [notify(14)]);
      answer.writeUInt16BE(0xfff0, 30); // the notify's length runs far past the datagram
      answer[17] = request[17]!;
      return { answers: [answer] };
    });
    const facts = await gather(fake.port);
    const port = portOf(facts, fake.port);
    expect(port.outcomes[0]).toMatchObject({
      result: 'other',
      detail: 'a malformed answer: payload 41 has a length of 65520 bytes that does not fit the message',
    });
    // No IKE message came back: every finding is not tested, with the malformed answer as the reason.
    const verdicts = judgeIke(facts, limits);
    expect([...new Set(verdicts.map((v) => v.status))]).toEqual(['not_tested']);
    expect(String(verdicts.find((v) => v.id === 'ike.weak-transforms')?.params?.reason)).toMatch(
      new RegExp(`${fake.port}/udp: a malformed answer: payload 41`),
    );
  });

  it('refuses an answer over the byte cap, and a flood of answers for other SPIs changes nothing', async () => {
    const fake = await responder((request) => {
      const big = answerV2(request, [[43, Buffer.alloc(4000, 0x61)]]);
      const foreign = Buffer.from(answerV2(request, [notify(14)]));
      foreign.fill(0x13, 0, 8);
      return { answers: [big, foreign, foreign, foreign] };
    });
    const facts = await gather(fake.port, { maxDatagramBytes: 1024, retransmits: 0 });
    const port = portOf(facts, fake.port);
    expect(port.answered).toBe(false);
    expect(port.ignored).toBeGreaterThanOrEqual(4);
  });

  it('stays within its datagram budget against a responder that never answers', async () => {
    const fake = await responder(() => ({ answers: [] }));
    const facts = await gather(fake.port, { maxPackets: 5, retransmits: 5, replyTimeoutSeconds: 0.1 });
    expect(fake.received.length).toBeLessThanOrEqual(5);
    expect(facts.budget).toMatchObject({ datagrams: 5, exhausted: true });
    const ikev1 = judgeIke(facts, limits).find((v) => v.id === 'ike.ikev1');
    expect(ikev1?.status).toBe('not_tested');
    expect(String(ikev1?.params?.reason)).toMatch(/budget \(5 datagrams, 60 s\) ran out/);
  });

  it('asks IKEv2 and IKEv1 at once, so a silent port costs one wait: both settle inside a budget that fits one', async () => {
    const fake = await responder(() => ({ answers: [] }));
    // One 2 s wait fits the 3 s budget; two in turn would not, and the second offer would be cut short (skipped).
    const facts = await gather(fake.port, { replyTimeoutSeconds: 2, retransmits: 0, maxSeconds: 3 });
    const port = portOf(facts, fake.port);
    expect(port.outcomes.map((o) => [o.version, o.result])).toEqual([
      [2, 'silent'],
      [1, 'silent'],
    ]);
    expect(fake.received.filter(isV2)).toHaveLength(1);
    expect(fake.received.filter((r) => !isV2(r))).toHaveLength(1);
  });

  it('sends nothing to a gateway whose name the run did not resolve to one address, and says so', async () => {
    const facts = await gather(500, {}, 'gateway.example.invalid');
    expect(facts.ports).toEqual([]);
    expect(facts.budget.datagrams).toBe(0);
    expect(facts.failure).toMatch(/^gateway\.example\.invalid was not resolved to one address for this run/);
  });

  it('a short datagram that carries no SPI of ours ends no offer, even with two waiting', async () => {
    const fake = await responder((request) =>
      isV2(request) ? { answers: [Buffer.alloc(12, 0x5a), answerV2(request, [notify(14)])] } : { answers: [Buffer.alloc(5, 0x5a)] },
    );
    const facts = await gather(fake.port, { retransmits: 0 });
    const port = portOf(facts, fake.port);
    expect(port.outcomes.slice(0, 2).map((o) => [o.version, o.result, o.detail])).toEqual([
      [2, 'refused', 'NO_PROPOSAL_CHOSEN'],
      [1, 'silent', 'no answer to 1 datagram'],
    ]);
    expect(port.ignored).toBeGreaterThanOrEqual(2);
  });
});
