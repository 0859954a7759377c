import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { allowedTarget } from '../setup/network-guard.ts';

describe('the test network guard', () => {
  it('allows loopback and lab addresses only', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', 'localhost', '10.213.4.2', 'fd00:213:4::2', 'x.invalid'].every(allowedTarget)).toBe(true);
    expect(['10.0.0.1', '192.0.2.10', '8.8.8.8', 'example.org', '10.2.13.1', 'fd00::1', 'fd00:2130::1'].some(allowedTarget)).toBe(false);
  });

  it('stops an in-process connection or datagram to any other address', () => {
    expect(() => net.connect({ host: '192.0.2.10', port: 443 })).toThrow(/network guard/);
    const socket = dgram.createSocket('udp4');
    expect(() => socket.send(Buffer.from('x'), 161, '192.0.2.10')).toThrow(/network guard/);
    socket.close();
  });
});
