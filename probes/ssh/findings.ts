import { z } from 'zod';
import { defineFindings } from '../../src/probe/contract.ts';

/** Most named users asked per port, the audit user included: each costs a connection within the port's budget. */
export const MAX_AUTH_USERS = 6;

export const SSH_THRESHOLDS = z.strictObject({
  minRsaBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384),
  bannedAuthMethods: z.array(z.string().min(1)),
  /**
   * Users the log-on methods are asked for besides an unknown one (`Match User` blocks differ per user); the
   * gateway's audit user is added when the connection file gives credentials. One connection each, so few.
   */
  authUsers: z
    .array(z.string().regex(/^[a-zA-Z0-9._][a-zA-Z0-9._-]{0,63}$/, { error: 'expected a user name (letters, digits, ".", "_", "-")' }))
    .max(MAX_AUTH_USERS, { error: `expected at most ${MAX_AUTH_USERS} users (one connection each)` }),
  /** A published CVE matching the banner's version fails ssh.known-vulnerabilities from this CVSS v2 score; lower ones are named. */
  vulnerabilityFailCvss: z.number().min(0).max(10),
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
      pass: '{endpoint} offers {users} only {methods}',
      fail: '{endpoint} offers {users} {methods}: {banned} log-on is allowed',
    },
  },
  'ssh.known-vulnerabilities': {
    severity: 'medium',
    title: 'The SSH version named in the banner has no serious published CVE',
    messages: {
      pass: '{endpoint} runs {software}: {summary}',
      fail: '{endpoint} runs {software}, a version with published CVEs of CVSS {threshold} or more ({caveat}): {cves}{others}',
    },
  },
});
export type SshFindingId = keyof typeof SSH_FINDINGS;
