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
  /** How a plaintext start is upgraded to TLS (STARTTLS and its kin), when the protocol has such a step. */
  readonly tlsUpgrade?: TlsUpgradeDialect;
  /** Is IKE (IPsec key exchange) over UDP, so the IKE probe audits it; 4500 is NAT traversal (RFC 3948). */
  readonly ike?: boolean;
}

/** The conversations that turn a plaintext connection into a TLS one, one per protocol family. */
export type TlsUpgradeDialect = 'smtp' | 'imap' | 'pop3' | 'ftp' | 'ldap' | 'xmpp' | 'postgresql' | 'mysql' | 'rdp';

/** How TLS is reached on a connection: from the first byte, or after an upgrade in the protocol's own words. */
export type TlsAccess = { kind: 'implicit' } | { kind: 'upgrade'; dialect: TlsUpgradeDialect };

const plain = (usualPort: number, ...nmapServices: string[]): ProtocolFacts => ({
  nmapServices,
  implicitTls: false,
  ssh: false,
  usualPort,
});
const tls = (usualPort: number, ...nmapServices: string[]): ProtocolFacts => ({ nmapServices, implicitTls: true, ssh: false, usualPort });
const upgrade = (usualPort: number, tlsUpgrade: TlsUpgradeDialect, ...nmapServices: string[]): ProtocolFacts => ({
  ...plain(usualPort, ...nmapServices),
  tlsUpgrade,
});
const ssh = (usualPort: number): ProtocolFacts => ({ nmapServices: ['ssh'], implicitTls: false, ssh: true, usualPort });

const PROTOCOLS = {
  https: tls(443, 'ssl/http', 'https', 'ssl/https', 'ssl/http-proxy', 'ssl/http-alt', 'ssl/https-alt'),
  http: plain(80, 'http', 'http-proxy', 'http-alt'),
  ssh: ssh(22),
  sftp: ssh(22),
  scp: ssh(22),
  ftp: upgrade(21, 'ftp', 'ftp'),
  // Implicit-TLS FTP only: plain `ftp` may be cleartext (nmap cannot tell an AUTH TLS upgrade from none).
  ftps: tls(990, 'ssl/ftp', 'ftps', 'ssl/ftps'),
  smtp: upgrade(25, 'smtp', 'smtp'),
  submission: upgrade(587, 'smtp', 'smtp', 'submission'),
  smtps: tls(465, 'ssl/smtp', 'smtps', 'ssl/smtps'),
  imap: upgrade(143, 'imap', 'imap'),
  imaps: tls(993, 'ssl/imap', 'imaps', 'ssl/imaps'),
  pop3: upgrade(110, 'pop3', 'pop3'),
  pop3s: tls(995, 'ssl/pop3', 'pop3s', 'ssl/pop3s'),
  ldap: upgrade(389, 'ldap', 'ldap'),
  ldaps: tls(636, 'ssl/ldap', 'ldapssl', 'ssl/ldapssl'),
  snmp: plain(161, 'snmp'),
  dns: plain(53, 'domain'),
  ntp: plain(123, 'ntp'),
  syslog: plain(514, 'syslog'),
  'syslog-tls': tls(6514, 'ssl/syslog', 'syslog-tls'),
  // RDP negotiates TLS in its X.224 Connection Request (PROTOCOL_SSL) before the first TLS byte.
  rdp: upgrade(3389, 'rdp', 'ms-wbt-server'),
  ipsec: { ...plain(500, 'isakmp'), ike: true },
  ike: { ...plain(500, 'isakmp'), ike: true },
  'ipsec-nat-t': { ...plain(4500, 'nat-t-ike'), ike: true },
  openvpn: plain(1194, 'openvpn'),
  smb: plain(445, 'microsoft-ds', 'netbios-ssn'),
  mssql: plain(1433, 'ms-sql-s'),
  postgresql: upgrade(5432, 'postgresql', 'postgresql'),
  xmpp: upgrade(5222, 'xmpp', 'xmpp-client', 'jabber'),
  mysql: upgrade(3306, 'mysql', 'mysql'),
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

/** Whether the flow is IKE over UDP (ipsec, ike, ipsec-nat-t). */
export function speaksIke(flow: FlowProtocol): boolean {
  return flow.transport === 'udp' && (protocolFacts(flow.protocol)?.ike ?? false);
}

/** How the flow reaches TLS: implicit TLS as declared or usual, else its protocol's upgrade; undefined when it has none. */
export function tlsAccessOf(flow: FlowProtocol): TlsAccess | undefined {
  if (speaksTls(flow)) return { kind: 'implicit' };
  if (flow.transport !== 'tcp' || flow.tls === false) return undefined;
  const dialect = protocolFacts(flow.protocol)?.tlsUpgrade;
  return dialect ? { kind: 'upgrade', dialect } : undefined;
}

/** A protocol of the table that speaks TLS one way or the other, with its name there. */
export interface TlsProtocolMatch {
  protocol: string;
  access: TlsAccess;
}

const accessOfRow = (facts: ProtocolFacts): TlsAccess | undefined =>
  facts.implicitTls ? { kind: 'implicit' } : facts.tlsUpgrade ? { kind: 'upgrade', dialect: facts.tlsUpgrade } : undefined;

/**
 * What the table says about a service found on an undeclared port: by nmap's service name (with its tunnel,
 * "ssl/imap") when nmap named it, else by the port's usual protocol. Undefined when it speaks no TLS we can reach.
 */
export function tlsProtocolOfService(port: number, service?: { name?: string; tunnel?: string }): TlsProtocolMatch | undefined {
  const named = service?.name ? (service.tunnel ? `${service.tunnel}/${service.name}` : service.name) : undefined;
  for (const [protocol, facts] of Object.entries(PROTOCOL_TABLE)) {
    const access = accessOfRow(facts);
    if (!access) continue;
    if (named !== undefined ? facts.nmapServices?.includes(named) : facts.usualPort === port) return { protocol, access };
  }
  // nmap named an SSL tunnel it could not see into: TLS from the first byte all the same.
  if (service?.tunnel === 'ssl') return { protocol: named ?? 'tls', access: { kind: 'implicit' } };
  return undefined;
}
