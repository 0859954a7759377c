import type { Flow } from './schema.ts';

/** Protocols that run over TLS from the first byte (implicit TLS). */
export const TLS_PROTOCOLS = new Set(['https', 'ftps', 'smtps', 'imaps', 'pop3s', 'ldaps', 'syslog-tls', 'amqps', 'mqtts', 'sips', 'nntps']);
const REMOTE_ACCESS_PROTOCOLS = new Set(['ssh', 'rdp']);

export function speaksTls(flow: Flow): boolean {
  return flow.transport === 'tcp' && (flow.tls ?? TLS_PROTOCOLS.has(flow.protocol));
}

export function carriesRemoteAccess(flow: Flow): boolean {
  return flow.remoteAccess ?? REMOTE_ACCESS_PROTOCOLS.has(flow.protocol);
}
