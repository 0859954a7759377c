import { defineFindings } from '../../src/probe/contract.ts';

export const SNMP_FINDINGS = defineFindings({
  'snmp.community': {
    severity: 'high',
    title: 'No default community string is accepted',
    messages: {
      pass:
        '{endpoint} answered none of {count} community strings with v1 or v2c{besides} ' +
        '(SNMP stays silent for a wrong community and for a filtered port alike, so silence does not prove SNMP is off)',
      fail: '{endpoint} accepts {accepted} in clear text; the agent revealed {revealed}; the community reads {readable}',
    },
  },
  'snmp.cleartext': {
    severity: 'medium',
    title: 'SNMP does not authenticate with a community string in clear text (v1, v2c)',
    messages: {
      pass: '{endpoint} accepted none of {count} community strings tried with v1 or v2c',
      fail: '{endpoint} accepts {accepted}: a community string travels in clear text, so v1 and v2c are weaker than SNMPv3 authPriv',
    },
  },
  'snmp.v3-security': {
    severity: 'high',
    title: 'SNMPv3 requires authentication and privacy',
    messages: {
      pass: '{endpoint} SNMPv3 user {user}: only authPriv is accepted',
      fail: '{endpoint} SNMPv3 user {user} is served at {levels}, below authPriv',
    },
  },
  'snmp.v3-crypto': {
    severity: 'low',
    title: 'SNMPv3 uses SHA-2 and AES',
    messages: {
      pass: '{endpoint} SNMPv3 user {user}: {auth} with {priv}',
      fail: '{endpoint} SNMPv3 user {user} uses {weak}',
    },
  },
  'snmp.undeclared': {
    severity: 'high',
    title: 'SNMP answers only where it is a declared flow',
    messages: {
      pass: '{endpoint} {why}',
      fail: '{endpoint} SNMP answers on {port}/udp, which no flow declares',
    },
  },
});
export type SnmpFindingId = keyof typeof SNMP_FINDINGS;
