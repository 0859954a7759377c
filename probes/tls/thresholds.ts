import { z } from 'zod';
import { SIGNATURE_HASH_NAMES } from '../../src/tls/certificate-algorithms.ts';

const SUITE_CLASSES = ['null', 'anon', 'export', 'rc4', 'des', '3des', 'static-rsa', 'static-dh', 'cbc', 'md5', 'weak-bits'] as const;

export const tlsThresholds = z.strictObject({
  minVersion: z.enum(['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], { error: 'expected TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3' }),
  bannedSuiteClasses: z.array(z.enum(SUITE_CLASSES, { error: `expected one of ${SUITE_CLASSES.join(', ')}` })),
  warnSuiteClasses: z.array(z.enum(SUITE_CLASSES, { error: `expected one of ${SUITE_CLASSES.join(', ')}` })),
  minRsaBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384),
  minEcBits: z.number().int().min(160, { error: 'expected at least 160' }).max(521),
  minDhBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384),
  bannedSignatureHashes: z.array(z.enum(SIGNATURE_HASH_NAMES, { error: `expected one of ${SIGNATURE_HASH_NAMES.join(', ')}` })),
  expiryWarningDays: z.number().int().min(0, { error: 'expected 0 to 365 days' }).max(365, { error: 'expected 0 to 365 days' }),
  requireHsts: z.boolean(),
  /** Shortest HSTS max-age that passes, in seconds . */
  // max-age=0 tells a browser to forget the policy (RFC 6797 6.1.1), so it can never be enough.
  minHstsMaxAgeSeconds: z
    .number()
    .int()
    .min(1, { error: 'expected 1 or more seconds' })
    .max(2 ** 31, { error: 'expected at most 2^31 seconds' }),
});
export type TlsThresholds = z.output<typeof tlsThresholds>;
