import { createDiffieHellmanGroup, createECDH, createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';
import { describeCause } from '../../src/errors.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import { speaksIke } from '../../src/protocol/table.ts';
import { classify, cookieOf, invalidKeGroup, type Classified } from './classify.ts';
import type { IkeFacts, IkePortFacts, OfferOutcome } from './facts.ts';
import { Budget, IkeConversation, type Asked } from './gather-exchange.ts';
import { v1Offers, v2Offers, type Offer } from './plan.ts';
import type { IkeThresholds } from './thresholds.ts';
import { DECOY_GROUP, DECOY_KE_BYTES, groupById, GROUPS } from './transforms.ts';
import { nameVendorId } from './vendor-ids.ts';
import { buildV1, buildV2Init } from './wire-build.ts';
import type { IkeMessage } from './wire-parse.ts';

export type { IkeFacts } from './facts.ts';

/** The usual IKE ports, asked on every gateway whether a flow declares them or not: an answer there is exposure. */
export const IKE_PORTS = [500, 4500] as const;
/** Most ports one gateway's IKE probe asks (declared IKE flows first). */
export const MAX_IKE_PORTS = 6;

const ECDH_CURVES: ReadonlyMap<number, string> = new Map([
  [19, 'prime256v1'],
  [20, 'secp384r1'],
  [21, 'secp521r1'],
]);

/** A real public value for a group, padded to its KE length: a responder checks it before it answers in full. */
function publicValue(groupId: number): Buffer {
  const group = groupById(groupId);
  if (!group) return randomBytes(DECOY_KE_BYTES);
  const curve = ECDH_CURVES.get(groupId);
  if (curve) return createECDH(curve).generateKeys().subarray(1);
  if (group.kind === 'curve') return generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const key = createDiffieHellmanGroup(`modp${groupId}`).generateKeys();
  return Buffer.concat([Buffer.alloc(Math.max(0, group.keBytes - key.length)), key]);
}

function addressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail = ''] = address.split('::');
  const words = (text: string) => (text ? text.split(':') : []);
  const missing = 8 - words(head).length - words(tail).length;
  const all = [...words(head), ...Array<string>(Math.max(0, missing)).fill('0'), ...words(tail)];
  return Buffer.concat(all.map((w) => Buffer.from([parseInt(w, 16) >> 8, parseInt(w, 16) & 0xff])));
}

/** RFC 7296 2.23: SHA-1 of the SPIs (the responder's still zero), an address and a port. */
function natHash(spi: Buffer, address: string, port: number): Buffer {
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  return createHash('sha1')
    .update(Buffer.concat([spi, Buffer.alloc(8), addressBytes(address), portBytes]))
    .digest();
}

interface PortRun {
  conversation: IkeConversation;
  budget: Budget;
  facts: IkePortFacts;
  aggressiveId: string;
}

function record(run: PortRun, offer: Offer, asked: Asked, said: Classified): OfferOutcome {
  const outcome: OfferOutcome = {
    label: offer.label,
    version: offer.kind.startsWith('v2') ? 2 : 1,
    ...(offer.kind === 'v1-main' ? { mode: 'main' as const, set: offer.set } : {}),
    ...(offer.kind === 'v1-aggressive' ? { mode: 'aggressive' as const } : {}),
    ...(offer.kind === 'v2-enum' ? { dimension: offer.dimension, candidate: offer.candidate } : {}),
    result: asked.skipped && !asked.answer ? 'skipped' : said.result,
    detail: asked.skipped && !asked.answer ? 'not sent: the probe budget or the run ran out' : said.detail,
    ...(said.chosen ? { chosen: said.chosen } : {}),
    ...(said.hashBytes !== undefined ? { hashBytes: said.hashBytes } : {}),
    ...(said.identity !== undefined ? { identity: said.identity } : {}),
    datagrams: asked.datagrams,
  };
  run.facts.outcomes.push(outcome);
  return outcome;
}

const MAX_VENDOR_IDS_PER_PORT = 16;

function heard(run: PortRun, message: IkeMessage): void {
  run.facts.answered = true;
  if (message.natDetection) run.facts.natDetection = true;
  for (const hex of message.vendorIds) {
    // Each answer may carry others: a port keeps a bounded number, whatever a responder sends.
    if (run.facts.vendorIds.length >= MAX_VENDOR_IDS_PER_PORT) break;
    if (!run.facts.vendorIds.some((v) => v.hex.startsWith(hex.slice(0, 64)))) run.facts.vendorIds.push(nameVendorId(hex));
  }
}

/** Sends one offer (again with a COOKIE, or with the group an INVALID_KE_PAYLOAD names, when asked) and records it. */
async function send(run: PortRun, offer: Offer): Promise<OfferOutcome> {
  let keGroup = offer.kind === 'v2-full' ? 19 : offer.kind === 'v1-aggressive' ? offer.group : DECOY_GROUP;
  let cookie: Buffer | undefined;
  let total: Asked = { datagrams: 0, skipped: false };
  // The same SPI and nonce throughout: a responder's cookie is bound to them (RFC 7296 2.6).
  const spi = randomBytes(8);
  const nonce = randomBytes(32);
  // At most three requests: the offer, again with a cookie, again with the group the responder named.
  for (let round = 0; round < 3; round += 1) {
    const request = build(run, offer, { spi, nonce, keGroup, cookie });
    const asked = await run.conversation.ask(request, run.budget);
    total = { ...asked, datagrams: total.datagrams + asked.datagrams };
    const answer = asked.answer;
    if (answer?.kind !== 'message') break;
    heard(run, answer);
    const asksCookie = answer.version === 2 ? cookieOf(answer) : undefined;
    if (asksCookie && !cookie) {
      cookie = asksCookie;
      continue;
    }
    const wanted = offer.kind === 'v2-full' && answer.version === 2 ? invalidKeGroup(answer) : undefined;
    if (wanted !== undefined && wanted !== keGroup && groupById(wanted) && GROUPS.some((g) => g.id === wanted)) {
      keGroup = wanted;
      continue;
    }
    break;
  }
  const said =
    run.conversation.refused && !total.answer
      ? { result: 'silent' as const, detail: `ICMP port unreachable: nothing listens on ${run.facts.port}/udp` }
      : classify(offer, total.answer, total.datagrams);
  return record(run, offer, total, said);
}

interface Request {
  spi: Buffer;
  nonce: Buffer;
  keGroup: number;
  cookie?: Buffer;
}

function build(run: PortRun, offer: Offer, { spi, nonce, keGroup, cookie }: Request): Buffer {
  if (offer.kind === 'v1-main') return buildV1({ cookie: spi, transforms: offer.transforms });
  if (offer.kind === 'v1-aggressive') {
    const aggressive = { keData: publicValue(offer.group), nonce, id: run.aggressiveId };
    return buildV1({ cookie: spi, transforms: offer.transforms, aggressive });
  }
  const local = run.conversation.local();
  return buildV2Init({
    spi,
    proposals: offer.proposals,
    keGroup,
    keData: offer.kind === 'v2-full' ? publicValue(keGroup) : randomBytes(DECOY_KE_BYTES),
    nonce,
    natDetection: {
      source: natHash(spi, local.address, local.port),
      destination: natHash(spi, run.conversation.address, run.conversation.port),
    },
    ...(cookie ? { cookie } : {}),
  });
}

/**
 * The offers for one port: IKEv2's and IKEv1's first offers together (a silent port costs one wait, not two in turn),
 * then each further step only when the last was answered, so a silent port costs little.
 */
async function askPort(run: PortRun): Promise<void> {
  const [full, ...enumeration] = v2Offers();
  const [common, modern, weak, ...aggressive] = v1Offers();
  // Port 4500 (NAT traversal) is asked in IKEv2 only.
  if (run.facts.natTraversal) {
    await send(run, full!);
    return;
  }
  // Both settle before either failure is passed on, so neither records an outcome after the port's facts are written.
  const both = await Promise.allSettled([send(run, full!), send(run, common!)]);
  const failed = both.find((o) => o.status === 'rejected');
  if (failed) throw failed.reason;
  const [v2, main] = both.map((o) => (o as PromiseFulfilledResult<OfferOutcome>).value) as [OfferOutcome, OfferOutcome];
  // Recorded as they were answered; IKEv2's first, as the judge and the evidence read them.
  run.facts.outcomes.sort((a, b) => (a === v2 ? -1 : b === v2 ? 1 : 0));
  if (run.conversation.refused) return;
  // An offer of every transform refused means each part of it is refused too: no need to ask one by one.
  if (v2.result === 'accepted') for (const offer of enumeration) await send(run, offer);
  if (!run.facts.answered) return;
  if (main.result !== 'silent') {
    await send(run, modern!);
    await send(run, weak!);
  }
  for (const offer of aggressive) {
    const outcome = await send(run, offer);
    // Another group only when this one was refused for its proposal; an answer with a suite or a refusal of the
    // pre-shared key or identity settles it.
    if (outcome.result !== 'refused' || outcome.detail !== 'NO-PROPOSAL-CHOSEN') break;
  }
}

/** The ports to ask: declared IKE flows (UDP, protocol ipsec/ike), then 500 and 4500 when not declared. */
export function ikePorts(flows: GatherContext['connection']['flows']): { port: number; flow?: string; protocol: string }[] {
  const declared = flows.filter(speaksIke).map((f) => ({ port: f.port, flow: f.name, protocol: f.protocol }));
  const usual = IKE_PORTS.filter((p) => !declared.some((d) => d.port === p)).map((port) => ({ port, protocol: 'ipsec' }));
  const seen = new Set<number>();
  return [...declared, ...usual].filter((p) => !seen.has(p.port) && seen.add(p.port)).slice(0, MAX_IKE_PORTS);
}

export async function gatherIke(ctx: GatherContext<IkeThresholds>): Promise<IkeFacts> {
  const { gateway, connection, thresholds: t } = ctx;
  const budget = new Budget(t.maxPackets, t.maxSeconds);
  const ports = ikePorts(connection.flows);
  const base = {
    target: { gateway: gateway.name, host: gateway.host },
    declared: connection.flows.some(speaksIke),
    source: `cocoscan IKE probe (IKEv2 IKE_SA_INIT and IKEv1 main and aggressive mode offers on UDP ${ports.map((p) => p.port).join(', ')})`,
  };
  // The address the run resolved once, under its deadline, before any probe (the sweep's and every other probe's).
  const address = ctx.shared.resolvedAddress(gateway);
  if (isIP(address) === 0) {
    const failure = `${gateway.host} was not resolved to one address for this run; give the gateway's address as its host`;
    return finish(ctx, { ...base, failure, ports: [] }, budget);
  }
  // The ports at once (each under the run's connection limit): a silent port costs its timeouts once, not in turn.
  const results = await Promise.all(
    ports.map(async ({ port, flow, protocol }) => {
      const facts = await askPortOf(ctx, address, port, flow, budget);
      if (facts.answered) {
        ctx.shared.portReached(gateway, { port, transport: 'udp', probe: 'ike', protocol, proof: 'an IKE answer' });
      }
      return facts;
    }),
  );
  return finish(ctx, { ...base, ports: results }, budget);
}

async function askPortOf(
  ctx: GatherContext<IkeThresholds>,
  address: string,
  port: number,
  flow: string | undefined,
  budget: Budget,
): Promise<IkePortFacts> {
  const t = ctx.thresholds;
  const facts: IkePortFacts = {
    port,
    natTraversal: port === 4500,
    ...(flow ? { flow } : {}),
    answered: false,
    outcomes: [],
    vendorIds: [],
    natDetection: false,
    ignored: 0,
  };
  await ctx.connectionLimit(async () => {
    ctx.activity(`asking IKE on ${port}/udp`);
    let conversation: IkeConversation | undefined;
    try {
      conversation = await IkeConversation.open(address, port, {
        replyTimeoutMs: t.replyTimeoutSeconds * 1000,
        retransmits: t.retransmits,
        maxDatagramBytes: t.maxDatagramBytes,
        natTraversal: port === 4500,
        signal: ctx.signal,
      });
      await askPort({ conversation, budget, facts, aggressiveId: t.aggressiveId });
    } catch (error) {
      facts.failure = `the IKE exchange on ${port}/udp failed (${describeCause(error).slice(0, 200)})`;
    } finally {
      facts.ignored = conversation?.ignored ?? 0;
      conversation?.close();
    }
  });
  return facts;
}

function finish(ctx: GatherContext<IkeThresholds>, facts: Omit<IkeFacts, 'budget' | 'artefact'>, budget: Budget): IkeFacts {
  const spent = {
    datagrams: budget.datagrams,
    maxPackets: budget.maxPackets,
    seconds: budget.seconds(),
    maxSeconds: budget.maxSeconds,
    exhausted: budget.exhausted,
  };
  const kept = { ...facts, budget: spent };
  return { ...kept, artefact: ctx.evidence.add(['ike.json'], JSON.stringify(kept, null, 2)) };
}
