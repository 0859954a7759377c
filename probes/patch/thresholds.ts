import { z } from 'zod';

const days = () => z.number().int().min(1, { error: 'expected 1 to 365 days' }).max(365, { error: 'expected 1 to 365 days' });

export const PATCH_THRESHOLDS = z.strictObject({
  criticalDays: days(),
  highDays: days(),
  mediumDays: days(),
  lowDays: days(),
  unratedDays: days(),
  listFreshnessDays: days(),
  maxFactAgeHours: z.number().positive().max(720),
});
export type PatchThresholds = z.output<typeof PATCH_THRESHOLDS>;
