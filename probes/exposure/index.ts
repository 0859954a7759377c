import { z } from 'zod';
import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { EXPOSURE_FINDINGS } from './findings.ts';
import { gatherExposure } from './gather.ts';
import { judgeExposure, observeExposure } from './judge.ts';

export default defineGatewayProbe({
  meta: {
    id: 'exposure',
    title: 'Only the declared flows are exposed',
    description: 'Sweeps every gateway with nmap and compares what answers with the flows declared in the connection file (A.1.2.1).',
    reads: ['sweep'],
    thresholds: z.strictObject({}),
    findings: EXPOSURE_FINDINGS,
  },
  gather: gatherExposure,
  judge: (facts) => judgeExposure(facts),
  observe: observeExposure,
});
