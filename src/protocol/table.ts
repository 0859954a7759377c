/**
 * What cocoscan knows about each protocol a flow may declare, in one table: the names nmap's service
 * detection gives it, whether it is TLS from the first byte, whether it is SSH, and its usual port.
 */
export interface ProtocolFacts {
  /**
   * The nmap service names that count as this protocol. nmap names TLS-wrapped services with a tunnel
   * ("ssl" + "http"), written here as "ssl/http". Left out when nmap has no reliable name: such a
   * protocol cannot be matched and gives `not_tested`, never a pass.
   */
  readonly nmapServices?: readonly string[];
  /** Runs over TLS from the first byte (implicit TLS), so the TLS probe checks it. */
  readonly implicitTls: boolean;
  /** Is SSH (or rides on it), so the SSH probe audits it. */
  readonly ssh: boolean;
  /** The port it usually listens on, when one is obvious. */
  readonly usualPort?: number;
}

const plain = (usualPort: number, ...nmapServices: string[]): ProtocolFacts => ({
  nmapServices,
  implicitTls: false,
  ssh: false,
  usualPort,
});
const tls = (usualPort: number, ...nmapServices: string[]): ProtocolFacts => ({ nmapServices, implicitTls: true, ssh: false, usualPort });
const ssh = (usualPort: number): ProtocolFacts => ({ nmapServices: ['ssh'], implicitTls: false, ssh: true, usualPort });

const PROTOCOLS = {
  https: tls(443, 'ssl/http', 'https', 'ssl/https', 'ssl/http-proxy', 'ssl/http-alt', 'ssl/https-alt'),
  http: plain(80, 'http', 'http-proxy', 'http-alt'),
  ssh: ssh(22),
  sftp: ssh(22),
  scp: ssh(22),
  ftp: plain(21, 'ftp'),
  // Implicit-TLS FTP only: plain `ftp` may be cleartext (nmap cannot tell an AUTH TLS upgrade from none).
  ftps: tls(990, 'ssl/ftp', 'ftps', 'ssl/ftps'),
  smtp: plain(25, 'smtp'),
  submission: plain(587, 'smtp', 'submission'),
  smtps: tls(465, 'ssl/smtp', 'smtps', 'ssl/smtps'),
  imap: plain(143, 'imap'),
  imaps: tls(993, 'ssl/imap', 'imaps', 'ssl/imaps'),
  pop3s: tls(995, 'ssl/pop3', 'pop3s', 'ssl/pop3s'),
  ldap: plain(389, 'ldap'),
  ldaps: tls(636, 'ssl/ldap', 'ldapssl', 'ssl/ldapssl'),
  snmp: plain(161, 'snmp'),
  dns: plain(53, 'domain'),
  ntp: plain(123, 'ntp'),
  syslog: plain(514, 'syslog'),
  'syslog-tls': tls(6514, 'ssl/syslog', 'syslog-tls'),
  rdp: plain(3389, 'ms-wbt-server'),
  ipsec: plain(500, 'isakmp'),
  openvpn: plain(1194, 'openvpn'),
  smb: plain(445, 'microsoft-ds', 'netbios-ssn'),
  mssql: plain(1433, 'ms-sql-s'),
  postgresql: plain(5432, 'postgresql'),
  mysql: plain(3306, 'mysql'),
  amqps: tls(5671, 'ssl/amqp', 'amqps'),
  mqtts: tls(8883, 'ssl/mqtt', 'secure-mqtt'),
  // TLS, but with no nmap names the exposure check trusts yet.
  sips: { implicitTls: true, ssh: false, usualPort: 5061 },
  nntps: { implicitTls: true, ssh: false, usualPort: 563 },
} satisfies Record<string, ProtocolFacts>;

// No prototype: a flow declared as `constructor` or `toString` is an unknown protocol, not Object's.
export const PROTOCOL_TABLE: Readonly<Record<string, ProtocolFacts>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, ProtocolFacts>, PROTOCOLS),
);

/** The table's row for a declared protocol name, or undefined when cocoscan does not know it. */
export function protocolFacts(protocol: string): ProtocolFacts | undefined {
  return Object.hasOwn(PROTOCOL_TABLE, protocol) ? PROTOCOL_TABLE[protocol] : undefined;
}

/** The nmap service names that count as the protocol; undefined when they cannot be matched. */
export function nmapServicesOf(protocol: string): readonly string[] | undefined {
  return protocolFacts(protocol)?.nmapServices;
}

/** The parts of a declared flow that say what it speaks. */
export interface FlowProtocol {
  readonly protocol: string;
  readonly transport: 'tcp' | 'udp';
  /** Set in the connection file when the protocol name does not tell. */
  readonly tls?: boolean;
}

/** Whether the flow runs over TLS from the first byte: as declared, else as its protocol usually does. */
export function speaksTls(flow: FlowProtocol): boolean {
  return flow.transport === 'tcp' && (flow.tls ?? protocolFacts(flow.protocol)?.implicitTls ?? false);
}

/** Whether the flow is SSH (ssh, sftp, scp over TCP). */
export function speaksSsh(flow: FlowProtocol): boolean {
  return flow.transport === 'tcp' && (protocolFacts(flow.protocol)?.ssh ?? false);
}
