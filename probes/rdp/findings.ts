import { z } from 'zod';
import { defineFindings } from '../../src/probe/contract.ts';

/** The names of standard RDP security's encryption methods, as the profile lists the weak ones. */
export const ENCRYPTION_METHOD_NAMES = ['none', '40-bit', '56-bit', '128-bit', 'fips'] as const;

export const RDP_THRESHOLDS = z.strictObject({
  /** rdp.nla fails when a session can start without CredSSP (NLA); false makes that finding not applicable. */
  requireNla: z.boolean(),
  /** Standard RDP security encryption methods that fail rdp.encryption when the server uses them. */
  weakEncryptionMethods: z.array(z.enum(ENCRYPTION_METHOD_NAMES)),
});
export type RdpThresholds = z.output<typeof RDP_THRESHOLDS>;

export const RDP_FINDINGS = defineFindings({
  'rdp.standard-security': {
    severity: 'high',
    title: 'Standard RDP security (RC4, no server authentication) is refused',
    messages: {
      pass: '{endpoint} refuses standard RDP security: {answers}',
      fail: "{endpoint} accepts standard RDP security, RDP's own RC4 encryption with no server authentication: {answers}",
    },
  },
  'rdp.nla': {
    severity: 'high',
    title: 'Network Level Authentication (CredSSP) is required before a session starts',
    messages: {
      pass: '{endpoint} requires CredSSP (NLA): {answers}',
      fail: '{endpoint} starts a session without Network Level Authentication ({without}), so anyone reaches its log-on screen; {credssp}',
    },
  },
  'rdp.encryption': {
    severity: 'medium',
    title: 'Standard RDP security, where accepted, does not use weak encryption',
    messages: {
      pass: '{endpoint} encrypts standard RDP security with {methods} (encryption level {level})',
      fail: '{endpoint} encrypts standard RDP security with {weak} (encryption level {level}; methods used: {methods})',
    },
  },
});
export type RdpFindingId = keyof typeof RDP_FINDINGS;
