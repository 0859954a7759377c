import { z } from 'zod';
import { defineFindings } from '../../src/probe/contract.ts';

export const SSH_THRESHOLDS = z.strictObject({
  minRsaBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384),
  bannedAuthMethods: z.array(z.string().min(1)),
});
export type SshThresholds = z.output<typeof SSH_THRESHOLDS>;

export const SSH_FINDINGS = defineFindings({
  'ssh.kex': {
    severity: 'high',
    title: 'Key exchange algorithms are strong',
    messages: { pass: '{endpoint} offers key exchange {offered}', fail: '{endpoint} offers weak key exchange: {weak}' },
  },
  'ssh.host-keys': {
    severity: 'high',
    title: 'Host keys and their algorithms are strong',
    messages: { pass: '{endpoint} host keys: {keys}', fail: '{endpoint} weak host keys or algorithms: {weak}' },
  },
  'ssh.ciphers': {
    severity: 'high',
    title: 'Ciphers are strong',
    messages: { pass: '{endpoint} offers ciphers {offered}', fail: '{endpoint} offers weak ciphers: {weak}' },
  },
  'ssh.macs': {
    severity: 'high',
    title: 'MACs are strong',
    messages: { pass: '{endpoint} offers MACs {offered}', fail: '{endpoint} offers weak MACs: {weak}' },
  },
  'ssh.strict-kex': {
    severity: 'medium',
    title: 'Not open to the Terrapin attack (strict key exchange)',
    messages: {
      pass: '{endpoint} {why}',
      fail: '{endpoint} offers {exposed} without strict key exchange ({marker}): open to the Terrapin attack (CVE-2023-48795)',
    },
  },
  'ssh.algorithm-warnings': {
    severity: 'low',
    title: 'No algorithm with a warning',
    messages: { pass: '{endpoint} offers no algorithm with a warning', fail: '{endpoint} offers algorithms with warnings: {warned}' },
  },
  'ssh.compression': {
    severity: 'low',
    title: 'No compression before log-on',
    messages: {
      pass: '{endpoint} offers no compression before log-on (compression: {how})',
      fail: '{endpoint} offers compression before log-on ({early}): an unauthenticated client reaches the decompressor',
    },
  },
  'ssh.auth-methods': {
    severity: 'high',
    title: 'Log-on needs keys, not passwords',
    messages: {
      pass: '{endpoint} offers an unknown user only {methods}',
      fail: '{endpoint} offers an unknown user {methods}: {banned} log-on is allowed',
    },
  },
});
export type SshFindingId = keyof typeof SSH_FINDINGS;
