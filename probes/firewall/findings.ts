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
  'firewall.rate-limit': {
    severity: 'info',
    title: 'The sweep saw every port a probe reached (no rate limit hid one)',
    messages: {
      pass: 'Every port cocoscan reached on {host} also answered the sweep ({ports})',
      fail: "{host} dropped nmap's probes on {ports} although {proof}: a rate limit (or a filter that tells scanners apart) {effect}",
    },
  },
});
