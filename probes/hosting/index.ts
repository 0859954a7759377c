import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { HOSTING_FINDINGS } from './findings.ts';
import { gatherHosting } from './gather.ts';
import { judgeHosting } from './judge.ts';
import { HOSTING_THRESHOLDS } from './thresholds.ts';

export default defineGatewayProbe({
  meta: {
    id: 'hosting',
    title: 'The country of each gateway address (CoCo-13), from an offline IP-to-country database',
    description:
      "Looks the address of every gateway up in the IP-to-country database shipped with cocoscan (DB-IP's IP to Country Lite, " +
      'CC BY 4.0), with no network look-up, and records the database, its date and its licence. An address outside the ' +
      'allowed countries fails; one inside is supporting evidence only: an address does not show where operations and ' +
      'support are. Private, loopback, link-local and documentation addresses have no public location and are not looked up.',
    reads: [],
    thresholds: HOSTING_THRESHOLDS,
    findings: HOSTING_FINDINGS,
  },
  gather: gatherHosting,
  judge: judgeHosting,
});
