import { describe, expect, it } from 'vitest';
import { cidrContains, cidrOverlaps, lastOf, parseCidr } from '../../src/connection/cidr.ts';
import { flowSchema } from '../../src/connection/schema.ts';

describe('address blocks', () => {
  it('reads IPv4 and IPv6 blocks and single addresses, clearing host bits', () => {
    expect(parseCidr('10.99.1.7/16')).toEqual({ family: 'ipv4', first: 0x0a630000n, prefix: 16 });
    expect(parseCidr('192.0.2.1')).toEqual({ family: 'ipv4', first: 0xc0000201n, prefix: 32 });
    expect(parseCidr('fd00:99::/64')).toEqual({ family: 'ipv6', first: 0xfd000099n << 96n, prefix: 64 });
    expect(parseCidr('::ffff:10.0.0.1')).toEqual({ family: 'ipv6', first: 0xffff0a000001n, prefix: 128 });
    expect(lastOf(parseCidr('10.99.0.0/16')!)).toBe(0x0a63ffffn);
  });

  it('refuses what is not an address block', () => {
    for (const text of ['10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'example.org/24', '10.0.0.0/8/8', '10.0.0.0/', '', '__proto__'])
      expect(parseCidr(text), text).toBeUndefined();
  });

  it('tells containment and overlap, never across families', () => {
    const wide = parseCidr('10.0.0.0/8')!;
    const narrow = parseCidr('10.99.0.0/16')!;
    expect(cidrContains(wide, narrow)).toBe(true);
    expect(cidrContains(narrow, wide)).toBe(false);
    expect(cidrOverlaps(narrow, wide)).toBe(true);
    expect(cidrOverlaps(narrow, parseCidr('10.100.0.0/16')!)).toBe(false);
    expect(cidrContains(parseCidr('::/0')!, narrow)).toBe(false);
  });

  it('validates a flow’s sources in the connection file', () => {
    const flow = { name: 'api', protocol: 'https', port: 8443 };
    expect(flowSchema.parse({ ...flow, sources: ['10.99.0.0/16', 'fd00:99::/64'] }).sources).toEqual(['10.99.0.0/16', 'fd00:99::/64']);
    expect(flowSchema.safeParse({ ...flow, sources: ['10.99.0.0/40'] }).error?.issues[0]?.message).toMatch(/address block/);
    expect(flowSchema.safeParse({ ...flow, sources: [] }).error?.issues[0]?.message).toMatch(/at least one address block/);
    expect(flowSchema.parse(flow).sources).toBeUndefined();
  });
});
