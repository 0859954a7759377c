import { z } from 'zod';

const days = (n: number) =>
  z.number().int().min(1, { error: 'expected 1 to 365 days' }).max(365, { error: 'expected 1 to 365 days' }).default(n);

export const PATCH_THRESHOLDS = z.strictObject({
  // MoJ patch guide: critical and high 3-7 days on servers (14 days upper bound), medium 28, low 90.
  criticalDays: days(7),
  highDays: days(7),
  mediumDays: days(28),
  lowDays: days(90),
  unratedDays: days(14),
  listFreshnessDays: days(7),
  maxFactAgeHours: z.number().positive().max(720).default(24),
});
export type PatchThresholds = z.output<typeof PATCH_THRESHOLDS>;
