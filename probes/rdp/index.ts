import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { RDP_FINDINGS, RDP_THRESHOLDS } from './findings.ts';
import { gatherRdp } from './gather.ts';
import { judgeRdp } from './judge.ts';

export default defineGatewayProbe({
  meta: {
    id: 'rdp',
    title: 'Remote desktop security layers and encryption',
    description:
      'On every declared RDP flow, and on RDP the sweep finds on other ports: one X.224 Connection Request for each security ' +
      'layer (standard RDP security, TLS, CredSSP, CredSSP with Early User Authorization), and, where standard RDP security ' +
      "is accepted, MCS Connect Initials that read its encryption methods and level (as nmap's rdp-enum-encryption does). " +
      'Never logs on; the TLS on the port is audited by the TLS probe.',
    reads: [],
    thresholds: RDP_THRESHOLDS,
    findings: RDP_FINDINGS,
  },
  gather: gatherRdp,
  judge: (facts, thresholds) => judgeRdp(facts, thresholds),
});
