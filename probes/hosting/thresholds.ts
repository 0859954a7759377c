import { z } from 'zod';

export const HOSTING_THRESHOLDS = z.strictObject({
  allowedCountries: z
    .array(z.string().regex(/^[A-Z]{2}$/, { error: 'expected an ISO 3166-1 alpha-2 country code in capitals, such as GB' }))
    .min(1, { error: 'expected at least one country code' })
    .max(300),
  maxDatabaseAgeDays: z.number().int({ error: 'expected a whole number of days' }).min(1).max(3650),
});
export type HostingThresholds = z.output<typeof HOSTING_THRESHOLDS>;
