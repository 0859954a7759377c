import { describe, expect, it } from 'vitest';
import { hostPort } from '../../src/host-port.ts';
import { portFrame } from '../../probes/ssh/verdict.ts';

describe('a host and a port as one endpoint', () => {
  it('brackets an IPv6 address and nothing else', () => {
    expect(hostPort('fd00::2', 22)).toBe('[fd00::2]:22');
    expect(hostPort('::1', '8443')).toBe('[::1]:8443');
    expect(hostPort('[fd00::2]', 22)).toBe('[fd00::2]:22');
    expect(hostPort('192.0.2.1', 22)).toBe('192.0.2.1:22');
    expect(hostPort('gw.example', 161)).toBe('gw.example:161');
  });

  it('names an SSH endpoint on an IPv6 gateway with brackets', () => {
    const frame = portFrame({ gateway: 'gw6', host: 'fd00::2' }, { port: 22, flow: 'ssh', artefact: 'ssh/22.json' } as never);
    expect(frame.endpoint).toBe('ssh ([fd00::2]:22)');
  });
});
