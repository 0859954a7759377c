import type { NmapService } from './parse.ts';

/**
 * Which nmap service names count as each declared protocol. nmap names TLS-wrapped services with a
 * tunnel ("ssl" + "http"), written here as "ssl/http". Protocols missing from this table cannot be
 * matched and give `not_tested`, never a pass.
 */
// No prototype: a flow declared as `constructor` or `toString` is an unknown protocol, not Object's.
export const PROTOCOL_SERVICES: Readonly<Record<string, readonly string[]>> = Object.assign(Object.create(null) as Record<string, readonly string[]>, {
  https: ['ssl/http', 'https', 'ssl/https', 'ssl/http-proxy', 'ssl/http-alt', 'ssl/https-alt'],
  http: ['http', 'http-proxy', 'http-alt'],
  ssh: ['ssh'],
  sftp: ['ssh'],
  scp: ['ssh'],
  ftp: ['ftp'],
  // Implicit-TLS FTP only: plain `ftp` may be cleartext (nmap cannot tell an AUTH TLS upgrade from none).
  ftps: ['ssl/ftp', 'ftps', 'ssl/ftps'],
  smtp: ['smtp'],
  submission: ['smtp', 'submission'],
  smtps: ['ssl/smtp', 'smtps', 'ssl/smtps'],
  imap: ['imap'],
  imaps: ['ssl/imap', 'imaps', 'ssl/imaps'],
  pop3s: ['ssl/pop3', 'pop3s', 'ssl/pop3s'],
  ldap: ['ldap'],
  ldaps: ['ssl/ldap', 'ldapssl', 'ssl/ldapssl'],
  snmp: ['snmp'],
  dns: ['domain'],
  ntp: ['ntp'],
  syslog: ['syslog'],
  'syslog-tls': ['ssl/syslog', 'syslog-tls'],
  rdp: ['ms-wbt-server'],
  ipsec: ['isakmp'],
  openvpn: ['openvpn'],
  smb: ['microsoft-ds', 'netbios-ssn'],
  mssql: ['ms-sql-s'],
  postgresql: ['postgresql'],
  mysql: ['mysql'],
  amqps: ['ssl/amqp', 'amqps'],
  mqtts: ['ssl/mqtt', 'secure-mqtt'],
});

const UNIDENTIFIED_NAMES = new Set(['tcpwrapped', 'unknown']);

export type ProtocolMatch =
  | { verdict: 'match'; seen: string }
  | { verdict: 'mismatch'; seen: string; expected: readonly string[] }
  | { verdict: 'unknown-protocol' }
  | { verdict: 'unidentified'; seen?: string };

/** Compares a declared protocol with what nmap's service detection saw on the port. */
export function matchProtocol(declared: string, service: NmapService | undefined): ProtocolMatch {
  const expected = Object.hasOwn(PROTOCOL_SERVICES, declared) ? PROTOCOL_SERVICES[declared] : undefined;
  if (!Array.isArray(expected)) return { verdict: 'unknown-protocol' };
  if (!service?.name || service.method !== 'probed') {
    return { verdict: 'unidentified', seen: service?.name };
  }
  const seen = service.tunnel ? `${service.tunnel}/${service.name}` : service.name;
  // nmap marks a name it is unsure of with a trailing "?"; "tcpwrapped" means the service hung up at once.
  if (seen.endsWith('?') || UNIDENTIFIED_NAMES.has(service.name)) return { verdict: 'unidentified', seen };
  return expected.includes(seen) ? { verdict: 'match', seen } : { verdict: 'mismatch', seen, expected };
}
