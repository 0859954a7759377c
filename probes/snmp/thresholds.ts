import { z } from 'zod';

export const SNMP_THRESHOLDS = z.strictObject({
  communities: z
    .array(z.string().min(1).max(64))
    .min(1, { error: 'expected at least one community string' })
    .max(32, { error: 'at most 32 community strings' })
    .describe('Default and well-known community strings tried with v1 and v2c (bounded: each is a datagram per version)'),
  weakAuthProtocols: z.array(z.enum(['md5', 'sha'])),
  weakPrivProtocols: z.array(z.enum(['des'])),
  walkMaxEntries: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .describe('Most installed-software entries (hrSWInstalled) read from an agent; more are left out and the list is marked truncated'),
  walkMaxRequests: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .describe('Most GETBULK/GETNEXT requests one walk sends to an agent before it stops, marked truncated'),
  walkMaxSeconds: z.number().min(1).max(3600).describe('Most seconds one walk of an agent takes before it stops, marked truncated'),
});
export type SnmpThresholds = z.output<typeof SNMP_THRESHOLDS>;
