import { isIPv4, isIPv6 } from 'node:net';
import { cidrContains, parseCidr, type Cidr } from '../connection/cidr.ts';

/** A block of IANA's special-purpose address registries (RFC 6890 and its updates) with no public location. */
interface SpecialBlock {
  block: string;
  cidr: Cidr;
  /** What the block is, as a reader says it: "a private address (RFC 1918)". */
  kind: string;
}

const BLOCKS: readonly [string, string][] = [
  ['0.0.0.0/8', 'an address of "this network" (RFC 791)'],
  ['10.0.0.0/8', 'a private address (RFC 1918)'],
  ['100.64.0.0/10', 'a shared address of carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'a loopback address (RFC 1122)'],
  ['169.254.0.0/16', 'a link-local address (RFC 3927)'],
  ['172.16.0.0/12', 'a private address (RFC 1918)'],
  ['192.0.0.0/24', 'an IETF protocol assignment (RFC 6890)'],
  ['192.0.2.0/24', 'a documentation address (RFC 5737)'],
  ['192.168.0.0/16', 'a private address (RFC 1918)'],
  ['198.18.0.0/15', 'a benchmarking address (RFC 2544)'],
  ['198.51.100.0/24', 'a documentation address (RFC 5737)'],
  ['203.0.113.0/24', 'a documentation address (RFC 5737)'],
  ['224.0.0.0/4', 'a multicast address (RFC 5771)'],
  ['240.0.0.0/4', 'a reserved address (RFC 1112)'],
  ['::/128', 'the unspecified address (RFC 4291)'],
  ['::1/128', 'the loopback address (RFC 4291)'],
  ['64:ff9b::/96', 'a NAT64 address (RFC 6052), located wherever its translator is'],
  ['64:ff9b:1::/48', 'a local NAT64 address (RFC 8215)'],
  ['100::/64', 'a discard-only address (RFC 6666)'],
  ['2001:db8::/32', 'a documentation address (RFC 3849)'],
  ['3fff::/20', 'a documentation address (RFC 9637)'],
  ['fc00::/7', 'a unique local address (RFC 4193)'],
  ['fe80::/10', 'a link-local address (RFC 4291)'],
  ['ff00::/8', 'a multicast address (RFC 4291)'],
];

const SPECIAL: readonly SpecialBlock[] = BLOCKS.map(([block, kind]) => ({ block, kind, cidr: parseCidr(block)! }));

/** The block an address with no public location lies in, or undefined for an address a database can place. */
export function specialBlock(address: string): { block: string; kind: string } | undefined {
  const cidr = parseCidr(address);
  if (!cidr) return undefined;
  const found = SPECIAL.find((s) => cidrContains(s.cidr, cidr));
  return found ? { block: found.block, kind: found.kind } : undefined;
}

/** An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is the IPv4 address it carries; any other is itself. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
    return [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.');
  }
  return address;
}

/** "IPv4" or "IPv6"; undefined for text that is no address. */
export function addressFamily(address: string): 'IPv4' | 'IPv6' | undefined {
  return isIPv4(address) ? 'IPv4' : isIPv6(address) ? 'IPv6' : undefined;
}
