import { z } from 'zod';
import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { AV_FINDINGS } from './findings.ts';
import { gatherAntivirus } from './gather.ts';
import { judgeAntivirus } from './judge.ts';

const thresholds = z.strictObject({
  maxSignatureAgeHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720),
  maxUpdateGapHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720),
  maxReportAgeHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720),
  historyWindowDays: z.number().int().min(1, { error: 'expected 1 to 90 days' }).max(90, { error: 'expected 1 to 90 days' }),
  maxClockSkewMinutes: z.number().min(0).max(1440),
});

export default defineGatewayProbe({
  meta: {
    id: 'antivirus',
    title: 'Anti-virus signatures and their updates (CoCo-10), from agent-reported data',
    description:
      'Reads agent reports (cocoscan agent reports, signed or not, or raw ClamAV, Defender, mdatp and osquery output) and, with SSH ' +
      'credentials, the same data read live; combines every source of a gateway, then judges presence, ' +
      'signature age at the time of the check and the longest gap between updates.',
    reads: ['reportedSources', 'hostSession'],
    thresholds,
    findings: AV_FINDINGS,
  },
  gather: gatherAntivirus,
  judge: judgeAntivirus,
});
