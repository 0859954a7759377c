import { SnmpReplyError } from './errors.ts';

/** Limits from RFC 2578 (at most 128 sub-identifiers, each below 2^32); anything beyond is not an OID. */
const MAX_ARCS = 128;
const MAX_ARC = 0xffffffff;
const ARC = /^(?:0|[1-9][0-9]{0,9})$/;

export type Oid = readonly number[];

/** Reads a dotted OID as an agent sent it; throws SnmpReplyError for anything that is not one. */
export function parseOid(text: unknown): Oid {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ARCS * 11) {
    throw new SnmpReplyError(
      `the agent sent something that is not an OID (${preview(text)})`,
      'the agent is misbehaving; its other answers are reported as they are',
    );
  }
  const parts = text.split('.');
  if (parts.length < 2 || parts.length > MAX_ARCS)
    throw new SnmpReplyError(`the agent sent an OID with ${parts.length} sub-identifier(s): ${preview(text)}`);
  return parts.map((part) => {
    const arc = ARC.test(part) ? Number(part) : Number.NaN;
    if (!(arc <= MAX_ARC))
      throw new SnmpReplyError(`the agent sent an OID with an invalid sub-identifier "${preview(part)}": ${preview(text)}`);
    return arc;
  });
}

/** Lexicographic order of OIDs, the order GETNEXT and GETBULK must follow: negative when a comes first. */
export function compareOids(a: Oid, b: Oid): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i += 1) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Whether `oid` lies strictly below `base` in the tree. */
export function isBelow(base: Oid, oid: Oid): boolean {
  return oid.length > base.length && base.every((arc, i) => oid[i] === arc);
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value;
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
