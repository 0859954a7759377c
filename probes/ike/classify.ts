/** What one answer says about one offer. Pure. */
import type { OfferOutcome, OfferResult } from './facts.ts';
import type { Offer } from './plan.ts';
import { NOTIFY_COOKIE } from './wire-build.ts';
import { notifyName, type IkeAnswer, type IkeMessage } from './wire-parse.ts';
import { authName, encryptionName, groupName, hashV1Name, integrityName, prfName } from './transforms.ts';

export const INVALID_KE_PAYLOAD = 17;
const NO_PROPOSAL_CHOSEN = 14;
const V1_REFUSALS = new Set([14, 18, 24]);

export interface Classified {
  result: OfferResult;
  detail: string;
  chosen?: OfferOutcome['chosen'];
  hashBytes?: number;
  identity?: string;
}

/** The group an INVALID_KE_PAYLOAD notify names, when it names one. */
export function invalidKeGroup(message: IkeMessage): number | undefined {
  const notify = message.notifies.find((n) => n.type === INVALID_KE_PAYLOAD);
  return notify && notify.data.length >= 2 ? notify.data.readUInt16BE(0) : undefined;
}

/** A COOKIE to send back: RFC 7296 allows 1 to 64 bytes, and anything else from the responder is not echoed. */
export function cookieOf(message: IkeMessage): Buffer | undefined {
  const data = message.notifies.find((n) => n.type === NOTIFY_COOKIE)?.data;
  return data && data.length >= 1 && data.length <= MAX_COOKIE_BYTES ? data : undefined;
}

const MAX_COOKIE_BYTES = 64;

function chosenV2(message: IkeMessage): OfferOutcome['chosen'] | undefined {
  const c = message.chosenV2;
  if (!c) return undefined;
  return {
    ...(c.encryption ? { encryption: encryptionName(c.encryption.id, c.encryption.keyBits, 2) } : {}),
    ...(c.prf !== undefined ? { prf: prfName(c.prf) } : {}),
    ...(c.integrity !== undefined ? { integrity: integrityName(c.integrity) } : {}),
    ...(c.group !== undefined ? { group: groupName(c.group) } : {}),
  };
}

function chosenV1(message: IkeMessage): OfferOutcome['chosen'] | undefined {
  const c = message.chosenV1;
  if (!c) return undefined;
  return {
    ...(c.encryption !== undefined ? { encryption: encryptionName(c.encryption, c.keyBits, 1) } : {}),
    ...(c.hash !== undefined ? { hash: hashV1Name(c.hash) } : {}),
    ...(c.auth !== undefined ? { auth: authName(c.auth) } : {}),
    ...(c.group !== undefined ? { group: groupName(c.group) } : {}),
  };
}

export const describeChosen = (chosen: NonNullable<OfferOutcome['chosen']>): string => Object.values(chosen).join(', ');

const notifies = (message: IkeMessage) => message.notifies.map((n) => notifyName(message.version, n.type)).join(', ');

/** Classifies an answer to an IKEv2 offer. `group`: the one group a group enumeration offered. */
function classifyV2(offer: Offer, message: IkeMessage): Classified {
  if (message.version !== 2) return { result: 'other', detail: `an IKEv${message.version} answer to an IKEv2 request` };
  const chosen = chosenV2(message);
  if (chosen) return { result: 'accepted', detail: `the responder chose ${describeChosen(chosen)}`, chosen };
  const wanted = invalidKeGroup(message);
  if (wanted !== undefined) {
    const offeredGroup = offer.kind === 'v2-enum' && offer.dimension === 'group' ? offer.proposals[0]?.groups[0] : undefined;
    if (offeredGroup !== undefined && offeredGroup !== wanted)
      return { result: 'other', detail: `INVALID_KE_PAYLOAD naming ${groupName(wanted)}, a group that was not offered` };
    return { result: 'accepted', detail: `INVALID_KE_PAYLOAD naming ${groupName(wanted)}`, chosen: { group: groupName(wanted) } };
  }
  if (message.notifies.some((n) => n.type === NO_PROPOSAL_CHOSEN)) return { result: 'refused', detail: 'NO_PROPOSAL_CHOSEN' };
  return { result: 'other', detail: message.notifies.length > 0 ? notifies(message) : 'an answer with neither a suite nor a notify' };
}

function classifyV1(message: IkeMessage): Classified {
  if (message.version !== 1) return { result: 'other', detail: `an IKEv${message.version} answer to an IKEv1 request` };
  const chosen = chosenV1(message);
  if (chosen) {
    const hash = message.hashBytes !== undefined ? { hashBytes: message.hashBytes } : {};
    const identity = message.identity !== undefined ? { identity: message.identity } : {};
    return { result: 'accepted', detail: `the responder chose ${describeChosen(chosen)}`, chosen, ...hash, ...identity };
  }
  const refusal = message.notifies.find((n) => V1_REFUSALS.has(n.type));
  if (refusal) return { result: 'refused', detail: notifyName(1, refusal.type) };
  return { result: 'other', detail: message.notifies.length > 0 ? notifies(message) : 'an answer with neither a suite nor a notify' };
}

/** What an answer (or none) says about an offer. */
export function classify(offer: Offer, answer: IkeAnswer | undefined, datagrams: number): Classified {
  if (!answer) return { result: 'silent', detail: `no answer to ${datagrams} datagram${datagrams === 1 ? '' : 's'}` };
  if (answer.kind === 'malformed') return { result: 'other', detail: `a malformed answer: ${answer.reason}` };
  if (answer.kind === 'foreign') return { result: 'other', detail: 'an answer for another exchange' };
  return offer.kind === 'v2-full' || offer.kind === 'v2-enum' ? classifyV2(offer, answer) : classifyV1(answer);
}
