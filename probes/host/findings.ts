import { defineFindings } from '../../src/probe/contract.ts';

export const HOST_FINDINGS = defineFindings({
  'host.firewall-policy': {
    severity: 'high',
    title: "The gateway's own firewall denies inbound traffic by default",
    messages: {
      pass: '{gateway} host firewall denies by default: {detail}',
      fail: '{gateway} host firewall does not deny by default: {detail}',
    },
  },
  'host.flow-sources': {
    severity: 'high',
    title: 'A flow open only to given sources accepts no other source',
    messages: {
      pass: '{gateway} accepts flow {flow} only from {sources}: {detail}',
      fail: '{gateway} accepts flow {flow} from sources other than {sources}: {detail}',
    },
  },
  'host.audit-logging': {
    severity: 'medium',
    title: 'The gateway keeps its own audit logs',
    messages: { pass: '{gateway} runs {daemons}', fail: '{gateway} runs no audit or syslog daemon' },
  },
  'host.log-forwarding': {
    severity: 'medium',
    title: 'Logs are forwarded off the gateway for protective monitoring',
    messages: { pass: '{gateway} forwards logs: {destinations}', fail: '{gateway} forwards no logs off the box ({checked})' },
  },
  'host.sshd-config': {
    severity: 'high',
    title: 'sshd refuses passwords and root log-in with a password',
    messages: { pass: '{gateway} sshd: {settings}', fail: '{gateway} sshd allows {problems}' },
  },
  'host.root-login': {
    severity: 'low',
    title: 'No direct SSH log-in to root',
    messages: {
      pass: '{gateway} sshd: PermitRootLogin {value}',
      fail: '{gateway} sshd lets root log in directly with a key (PermitRootLogin {value})',
    },
  },
  'host.sshd-drift': {
    severity: 'medium',
    title: "The running sshd's settings match what it offers",
    messages: {
      pass: '{gateway} sshd: the settings read ({config}) match what port {port} offers {who}',
      fail: '{gateway} sshd: the settings read ({config}) differ from what port {port} offers ({drift}); the live answer decides',
    },
  },
});
export type HostFindingId = keyof typeof HOST_FINDINGS;
