import { z } from 'zod';

/** The metadata of a made-up probe with one finding, `demo.check`, for tests of the finding builder. */
export function demoProbeMeta(messages: { fail: string }) {
  return {
    id: 'demo',
    title: 'Demo probe',
    description: 'A probe for this test only.',
    reads: [],
    thresholds: z.object({}),
    findings: { 'demo.check': { severity: 'high' as const, title: 'Demo check', messages } },
  };
}
