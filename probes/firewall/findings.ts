import { defineFindings } from '../../src/probe/contract.ts';

export const FIREWALL_FINDINGS = defineFindings({
  'firewall.filtering': {
    severity: 'high',
    title: 'Undeclared ports are filtered',
    messages: {
      pass: '{filtered} of {total} undeclared TCP ports on {host} were dropped or refused by ICMP ({share}): a filtering firewall is in the path',
      fail:
        'Only {filtered} of {total} undeclared TCP ports on {host} were filtered ({share}); ' +
        '{reset} answered with a TCP reset{resetList}: nothing filters them',
    },
  },
});
