import { defineFindings } from '../../src/probe/contract.ts';

export const IKE_FINDINGS = defineFindings({
  'ike.ikev1': {
    severity: 'medium',
    title: 'IKEv1 is not accepted',
    messages: {
      pass: '{endpoint} {why}',
      fail: '{endpoint} accepts IKEv1 main mode: it chose {chosen} (IKEv1 is obsolete, RFC 9395; use IKEv2)',
    },
  },
  'ike.aggressive-psk': {
    severity: 'high',
    title: 'IKEv1 aggressive mode with a pre-shared key is not answered',
    messages: {
      pass: '{endpoint} {why}',
      fail:
        '{endpoint} answers IKEv1 aggressive mode with a pre-shared key ({chosen}){identity}: its {hash} can be ' +
        'cracked offline to recover the key, with no log-on attempt the gateway would see',
    },
  },
  'ike.weak-transforms': {
    severity: 'high',
    title: 'No weak IKE encryption, integrity or PRF is accepted',
    messages: {
      pass: '{endpoint} accepts none of {weak}; accepted: {accepted}',
      fail: '{endpoint} accepts {accepted}',
    },
  },
  'ike.dh-groups': {
    severity: 'high',
    title: 'No IKE Diffie-Hellman group below the minimum is accepted',
    messages: {
      pass: '{endpoint} accepts only {accepted} (at least {minimum})',
      fail: '{endpoint} accepts {weak}, below {minimum}',
    },
  },
  'ike.nat-t': {
    severity: 'info',
    title: 'NAT traversal (UDP 4500)',
    messages: { pass: '{host}: {what}' },
  },
  'ike.vendor-ids': {
    severity: 'info',
    title: 'IKE vendor IDs (a fingerprint of the VPN product)',
    messages: { pass: '{host}: {what}' },
  },
});
export type IkeFindingId = keyof typeof IKE_FINDINGS;
