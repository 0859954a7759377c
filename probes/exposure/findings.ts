import { defineFindings } from '../../src/probe/contract.ts';

export const EXPOSURE_FINDINGS = defineFindings({
  'exposure.undeclared-port': {
    severity: 'high',
    title: 'No undeclared port is open',
    messages: {
      pass: 'Only declared ports answer on {host} ({declared}){silent}; swept {swept}{unanswered}',
      fail: 'Undeclared {what} open on {host}: {service}',
    },
  },
  'exposure.declared-port': {
    severity: 'medium',
    title: 'Declared flow is reachable',
    messages: {
      pass: 'Declared flow {flow} ({port}/{transport}) is open on {host}',
      fail: 'Declared flow {flow} ({port}/{transport}) is not served on {host}: {reason}',
    },
  },
  'exposure.protocol-match': {
    severity: 'high',
    title: 'Declared protocol is what answers',
    messages: {
      pass: 'Flow {flow} on {port}/{transport} speaks {protocol} as declared (nmap saw {seen})',
      fail: 'Flow {flow} on {port}/{transport} is declared as {protocol} but nmap identified {seen}',
    },
  },
  'exposure.udp-amplifier': {
    severity: 'high',
    title: 'No UDP service open to amplification abuse',
    messages: {
      pass: 'No amplification-prone UDP service answers on {host}; swept {swept}{checked}{unanswered}',
      fail: 'Amplification-prone UDP service open on {host}: {service} on {port}/udp ({how})',
    },
  },
});
export type ExposureFindingId = keyof typeof EXPOSURE_FINDINGS;
