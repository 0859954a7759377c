import { describe, expect, it } from 'vitest';
import { Duplex } from 'node:stream';
import { hostPort } from '../../src/host-port.ts';
import { readHttpHead } from '../../src/tls/http-head.ts';
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

describe('the HTTP request after a TLS handshake', () => {
  it('names an IPv6 host in brackets in its Host header (RFC 9112), an IPv4 one as it is', async () => {
    for (const [host, header] of [
      ['fd00::2', 'Host: [fd00::2]\r\n'],
      ['192.0.2.1', 'Host: 192.0.2.1\r\n'],
    ] as const) {
      let sent = '';
      const socket = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, done) {
          sent += chunk.toString();
          this.push('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
          done();
        },
      });
      const outcome = await readHttpHead(socket, { host, timeoutMs: 2000, maxBytes: 4096 });
      expect(outcome.ok).toBe(true);
      expect(sent).toContain(header);
    }
  });
});
