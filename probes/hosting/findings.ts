import { defineFindings } from '../../src/probe/contract.ts';

export const HOSTING_FINDINGS = defineFindings({
  'hosting.country': {
    severity: 'medium',
    title: 'The gateway address is located in an allowed country',
    messages: {
      pass:
        '{address} is in {country} according to {database}: an address does not show where the system is operated and ' +
        'supported from, so this is supporting evidence only, and the row is for a person to answer ({attribution})',
      fail: '{address} is in {country} according to {database}, outside the allowed countries ({allowed}) ({attribution})',
    },
  },
  'hosting.database-age': {
    severity: 'low',
    title: 'The IP-to-country database is recent',
    messages: {
      pass: '{database} was built on {built}, {days} day(s) before this check (at most {max} allowed)',
      fail:
        '{database} was built on {built}, {days} day(s) before this check, older than the {max} days allowed: an address ' +
        're-allocated since may be placed in its old country; confirm the countries by other means, and update cocoscan ' +
        '(its {package} dependency) when a newer database is published',
    },
  },
});
export type HostingFindingId = keyof typeof HOSTING_FINDINGS;
