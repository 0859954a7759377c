import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { SSH_FINDINGS, SSH_THRESHOLDS } from './findings.ts';
import { gatherSsh } from './gather.ts';
import { judgeSsh } from './judge.ts';
import { observeSsh } from './observe.ts';

export default defineGatewayProbe({
  meta: {
    id: 'ssh',
    title: 'SSH algorithms, host keys and log-on methods',
    description:
      'Reads the identification and the KEXINIT every SSH service sends in clear ' +
      '(declared flows, and SSH services the sweep finds on other ports), ' +
      'fetches each host key (over any key exchange the server may offer alone, group exchange and the post-quantum hybrids included), ' +
      'and asks which log-on methods an unknown user and each of thresholds.ssh.authUsers (and the audit user) is offered. ' +
      'Never tries a password.',
    reads: [],
    thresholds: SSH_THRESHOLDS,
    findings: SSH_FINDINGS,
  },
  gather: gatherSsh,
  judge: (facts, thresholds) => judgeSsh(facts, thresholds),
  observe: observeSsh,
});
