/**
 * Tests may send traffic only to loopback and to the lab namespaces they build (10.213.0.0/16, fd00:213::/32). This guard
 * makes any in-process TCP connection or UDP datagram to another address throw, so a test that points a probe
 * at the wrong host fails loudly instead of sending packets off the machine. (The CLI runs in child
 * processes; its tests name loopback or lab hosts only.)
 */
import dgram from 'node:dgram';
import net from 'node:net';

export function allowedTarget(host: string | undefined): boolean {
  if (host === undefined || host === 'localhost' || host === '::1') return true;
  const address = host.replace(/^::ffff:/, '');
  return /^127\./.test(address) || /^10\.213\./.test(address) || /^fd00:213:/i.test(address) || /\.invalid$/.test(address);
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be applied to the socket, as `this`
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  // net.connect() hands the socket an already-normalised [options, callback] array.
  const raw = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  const first = raw as { host?: string; path?: string } | number | string;
  const host =
    typeof first === 'object' && first !== null
      ? first.path
        ? 'localhost'
        : (first.host ?? 'localhost')
      : typeof args[1] === 'string'
        ? args[1]
        : 'localhost';
  if (!allowedTarget(host))
    throw new Error(`network guard: a test tried to connect to ${host}; tests may only reach loopback and lab addresses`);
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
};

// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be applied to the socket, as `this`
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: unknown[]) {
  const address = args.find((a, i) => i > 0 && typeof a === 'string') as string | undefined;
  if (!allowedTarget(address))
    throw new Error(`network guard: a test tried to send a datagram to ${address}; tests may only reach loopback and lab addresses`);
  return (send as (...a: unknown[]) => void).apply(this, args);
} as typeof dgram.Socket.prototype.send;
