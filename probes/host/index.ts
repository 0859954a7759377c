import { z } from 'zod';
import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { HOST_FINDINGS } from './findings.ts';
import { gatherHost } from './gather.ts';
import { judgeHost, observeHost } from './judge.ts';

export default defineGatewayProbe({
  meta: {
    id: 'host',
    title: "The gateway's own firewall, audit logs and sshd settings (authenticated)",
    description:
      'Over an SSH session with the credentials the connection file names, runs read-only commands once per gateway ' +
      '(nft, iptables-save, ip6tables-save, ufw, firewall-cmd, ps, the syslog configuration, and sshd -T of the sshd listening on the ' +
      "session's port, with its own -f file, plain and -C per user) and judges the gateway's own controls; the users' log-on methods " +
      'are asked live too, and where they disagree with the settings the live answer decides. ' +
      'Without credentials every finding is not tested.',
    reads: ['hostSession'],
    thresholds: z.strictObject({}),
    findings: HOST_FINDINGS,
  },
  gather: gatherHost,
  judge: (facts) => judgeHost(facts),
  observe: observeHost,
});
