import { isIPv4, isIPv6 } from 'node:net';

/** An address block: its family, its first address as a number, and its prefix length. */
export interface Cidr {
  family: 'ipv4' | 'ipv6';
  /** The first address of the block (host bits cleared). */
  first: bigint;
  prefix: number;
}

const BITS = { ipv4: 32, ipv6: 128 } as const;

function ipv4Number(text: string): bigint {
  return text.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Number(text: string): bigint {
  let address = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:10.0.0.1) is two more groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (tail) {
    const n = ipv4Number(tail);
    address = `${address.slice(0, -tail.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** "10.99.0.0/16", "fd00::/8" or a single address (a /32 or /128); undefined when it is none of them. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', length, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return undefined;
  const bits = BITS[family];
  if (length !== undefined && !/^\d{1,3}$/.test(length)) return undefined;
  const prefix = length === undefined ? bits : Number(length);
  if (prefix > bits) return undefined;
  const value = family === 'ipv4' ? ipv4Number(address) : ipv6Number(address);
  const hostBits = BigInt(bits - prefix);
  return { family, first: (value >> hostBits) << hostBits, prefix };
}

/** The last address of a block. */
export function lastOf(cidr: Cidr): bigint {
  return cidr.first + (1n << BigInt(BITS[cidr.family] - cidr.prefix)) - 1n;
}

/** Whether `inner` lies wholly inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && inner.first >= outer.first && lastOf(inner) <= lastOf(outer);
}

/** Whether two blocks share an address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= lastOf(b) && b.first <= lastOf(a);
}

/** A single address as a block of one. */
export function addressCidr(family: Cidr['family'], value: bigint): Cidr {
  return { family, first: value, prefix: BITS[family] };
}

export const maxAddress = (family: Cidr['family']): bigint => (1n << BigInt(BITS[family])) - 1n;
