import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { SNMP_FINDINGS } from './findings.ts';
import { gatherSnmpFacts } from './gather.ts';
import { judgeSnmp } from './judge.ts';
import { SNMP_THRESHOLDS } from './thresholds.ts';

export default defineGatewayProbe({
  meta: {
    id: 'snmp',
    title: 'SNMP communities, v3 security level and what the agent reveals',
    description:
      'On UDP 161 of every gateway, declared or not: SNMPv3 engine discovery (no credentials), a short list of default ' +
      'communities with v1 and v2c, the configured v3 user at each security level, and records what an answering agent reveals ' +
      '(system group, the subtrees a GETNEXT walk from 1.3.6.1 reads, installed software).',
    reads: ['snmp'],
    thresholds: SNMP_THRESHOLDS,
    findings: SNMP_FINDINGS,
  },
  gather: gatherSnmpFacts,
  judge: (facts, thresholds) => judgeSnmp(facts, thresholds),
});
