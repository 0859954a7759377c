import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { IKE_FINDINGS } from './findings.ts';
import { gatherIke } from './gather.ts';
import { judgeIke } from './judge.ts';
import { IKE_THRESHOLDS } from './thresholds.ts';

export default defineGatewayProbe({
  meta: {
    id: 'ike',
    title: 'IPsec VPN: IKE versions, aggressive mode, transforms and Diffie-Hellman groups',
    description:
      'On every declared IPsec flow and on UDP 500 and 4500 of every gateway: an IKEv2 IKE_SA_INIT offering every transform, ' +
      'then one offer per encryption, PRF, integrity and group (answered with INVALID_KE_PAYLOAD or NO_PROPOSAL_CHOSEN, no SA ' +
      'kept); IKEv1 main mode with common and with weak suites, and aggressive mode with a pre-shared key. Never completes an SA.',
    reads: [],
    thresholds: IKE_THRESHOLDS,
    findings: IKE_FINDINGS,
  },
  gather: gatherIke,
  judge: (facts, thresholds) => judgeIke(facts, thresholds),
});
