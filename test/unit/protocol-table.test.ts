import { describe, expect, it } from 'vitest';
import { matchProtocol } from '../../src/nmap/protocols.ts';
import {
  PROTOCOL_TABLE,
  nmapServicesOf,
  protocolFacts,
  speaksSsh,
  speaksTls,
  tlsAccessOf,
  tlsProtocolOfService,
  type FlowProtocol,
} from '../../src/protocol/table.ts';

const tcp = (protocol: string, tls?: boolean): FlowProtocol => ({ protocol, transport: 'tcp', ...(tls === undefined ? {} : { tls }) });
const udp = (protocol: string): FlowProtocol => ({ protocol, transport: 'udp' });

const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('the protocol table', () => {
  it('has no prototype, and cannot be changed at run time', () => {
    expect(Object.getPrototypeOf(PROTOCOL_TABLE)).toBeNull();
    expect(Object.isFrozen(PROTOCOL_TABLE)).toBe(true);
  });

  it('keeps the implicit-TLS protocols the TLS probe checked before the table existed', () => {
    const implicitTls = Object.keys(PROTOCOL_TABLE).filter((name) => PROTOCOL_TABLE[name]?.implicitTls);
    expect(implicitTls.sort()).toEqual([
      'amqps',
      'ftps',
      'https',
      'imaps',
      'ldaps',
      'mqtts',
      'nntps',
      'pop3s',
      'sips',
      'smtps',
      'syslog-tls',
    ]);
  });

  it('names ssh, sftp and scp, and nothing else, as SSH', () => {
    const ssh = Object.keys(PROTOCOL_TABLE).filter((name) => PROTOCOL_TABLE[name]?.ssh);
    expect(ssh.sort()).toEqual(['scp', 'sftp', 'ssh']);
  });

  it('gives every implicit-TLS protocol with nmap names a TLS-wrapped one, and no SSH protocol a TLS flag', () => {
    for (const [name, facts] of Object.entries(PROTOCOL_TABLE)) {
      if (facts.implicitTls && facts.nmapServices)
        expect(
          facts.nmapServices.some((s) => s.startsWith('ssl/')),
          name,
        ).toBe(true);
      expect(facts.implicitTls && facts.ssh, name).toBe(false);
      if (facts.usualPort !== undefined) expect(facts.usualPort >= 1 && facts.usualPort <= 65535, name).toBe(true);
    }
  });

  it('gives the nmap names a declared protocol is matched against', () => {
    expect(nmapServicesOf('https')).toEqual(['ssl/http', 'https', 'ssl/https', 'ssl/http-proxy', 'ssl/http-alt', 'ssl/https-alt']);
    expect(nmapServicesOf('sftp')).toEqual(['ssh']);
    expect(nmapServicesOf('dns')).toEqual(['domain']);
    expect(nmapServicesOf('rdp')).toEqual(['ms-wbt-server']);
  });

  it('knows no nmap names for sips and nntps: a flow of theirs is an unknown protocol to the exposure check', () => {
    expect(nmapServicesOf('sips')).toBeUndefined();
    expect(matchProtocol('nntps', { name: 'nntp', tunnel: 'ssl', method: 'probed' }).verdict).toBe('unknown-protocol');
  });

  it.each(INHERITED)('treats "%s" as an unknown protocol, not a name Object answers to', (name) => {
    expect(protocolFacts(name)).toBeUndefined();
    expect(nmapServicesOf(name)).toBeUndefined();
    expect(speaksTls(tcp(name))).toBe(false);
    expect(speaksSsh(tcp(name))).toBe(false);
    expect(matchProtocol(name, { name, method: 'probed' }).verdict).toBe('unknown-protocol');
  });

  it('knows nothing of unknown, empty or upper-case names', () => {
    for (const name of ['gopher', '', 'HTTPS', ' https', 'x'.repeat(10_000)]) expect(protocolFacts(name), name).toBeUndefined();
  });
});

describe('speaksTls', () => {
  it('is true for an implicit-TLS protocol over TCP', () => {
    for (const name of ['https', 'ldaps', 'smtps', 'sips']) expect(speaksTls(tcp(name)), name).toBe(true);
  });

  it('is false for a protocol that is not TLS from the first byte', () => {
    for (const name of ['http', 'ssh', 'smtp', 'ftp', 'snmp', 'gopher']) expect(speaksTls(tcp(name)), name).toBe(false);
  });

  it("follows the flow's own `tls` when it says, either way", () => {
    expect(speaksTls(tcp('https', false))).toBe(false);
    expect(speaksTls(tcp('gopher', true))).toBe(true);
    expect(speaksTls(tcp('http', true))).toBe(true);
  });

  it('is never true over UDP', () => {
    expect(speaksTls(udp('https'))).toBe(false);
    expect(speaksTls({ protocol: 'https', transport: 'udp', tls: true })).toBe(false);
  });
});

describe('speaksSsh', () => {
  it('is true for ssh, sftp and scp over TCP', () => {
    for (const name of ['ssh', 'sftp', 'scp']) expect(speaksSsh(tcp(name)), name).toBe(true);
  });

  it('is false for other protocols, and over UDP', () => {
    for (const name of ['https', 'rdp', 'telnet', 'ftps']) expect(speaksSsh(tcp(name)), name).toBe(false);
    expect(speaksSsh(udp('ssh'))).toBe(false);
  });

  it("does not read the flow's `tls` flag, which is about TLS only", () => {
    expect(speaksSsh(tcp('ssh', true))).toBe(true);
  });
});

describe('tlsAccessOf: how a flow reaches TLS', () => {
  it('names the upgrade of each protocol that starts in plaintext', () => {
    const upgrades = Object.fromEntries(
      ['smtp', 'submission', 'imap', 'pop3', 'ftp', 'ldap', 'xmpp', 'postgresql', 'mysql', 'rdp'].map((name) => [
        name,
        tlsAccessOf(tcp(name)),
      ]),
    );
    expect(upgrades).toEqual({
      smtp: { kind: 'upgrade', dialect: 'smtp' },
      submission: { kind: 'upgrade', dialect: 'smtp' },
      imap: { kind: 'upgrade', dialect: 'imap' },
      pop3: { kind: 'upgrade', dialect: 'pop3' },
      ftp: { kind: 'upgrade', dialect: 'ftp' },
      ldap: { kind: 'upgrade', dialect: 'ldap' },
      xmpp: { kind: 'upgrade', dialect: 'xmpp' },
      postgresql: { kind: 'upgrade', dialect: 'postgresql' },
      mysql: { kind: 'upgrade', dialect: 'mysql' },
      rdp: { kind: 'upgrade', dialect: 'rdp' },
    });
  });

  it('is implicit for the implicit-TLS protocols, and for any flow declared `tls: true`', () => {
    for (const name of ['smtps', 'imaps', 'pop3s', 'ftps', 'ldaps', 'https'])
      expect(tlsAccessOf(tcp(name)), name).toEqual({ kind: 'implicit' });
    expect(tlsAccessOf(tcp('smtp', true))).toEqual({ kind: 'implicit' });
  });

  it('is none for a protocol without TLS, a flow declared `tls: false`, UDP, and names the table does not hold', () => {
    for (const flow of [tcp('http'), tcp('ssh'), tcp('dns'), tcp('smtp', false), udp('smtp'), ...INHERITED.map((n) => tcp(n))])
      expect(tlsAccessOf(flow), JSON.stringify(flow)).toBeUndefined();
  });
});

describe('tlsProtocolOfService: what an undeclared open port speaks', () => {
  it("goes by nmap's service name, with its tunnel, when nmap named the service", () => {
    expect(tlsProtocolOfService(2465, { name: 'smtp', tunnel: 'ssl' })).toEqual({ protocol: 'smtps', access: { kind: 'implicit' } });
    expect(tlsProtocolOfService(2525, { name: 'smtp' })).toEqual({ protocol: 'smtp', access: { kind: 'upgrade', dialect: 'smtp' } });
    expect(tlsProtocolOfService(3890, { name: 'ldap' })).toEqual({ protocol: 'ldap', access: { kind: 'upgrade', dialect: 'ldap' } });
    expect(tlsProtocolOfService(5223, { name: 'jabber' })).toEqual({ protocol: 'xmpp', access: { kind: 'upgrade', dialect: 'xmpp' } });
    expect(tlsProtocolOfService(8443, { name: 'http', tunnel: 'ssl' })).toEqual({ protocol: 'https', access: { kind: 'implicit' } });
  });

  it('takes any SSL tunnel nmap saw as implicit TLS, whatever runs inside', () => {
    expect(tlsProtocolOfService(9999, { name: 'unknown', tunnel: 'ssl' })).toEqual({
      protocol: 'ssl/unknown',
      access: { kind: 'implicit' },
    });
  });

  it("goes by the port's usual protocol when nmap has not named it (a port the sweep just announced)", () => {
    expect(tlsProtocolOfService(25)).toEqual({ protocol: 'smtp', access: { kind: 'upgrade', dialect: 'smtp' } });
    expect(tlsProtocolOfService(587)?.access).toEqual({ kind: 'upgrade', dialect: 'smtp' });
    expect(tlsProtocolOfService(993)).toEqual({ protocol: 'imaps', access: { kind: 'implicit' } });
    for (const [port, protocol] of [
      [465, 'smtps'],
      [995, 'pop3s'],
      [990, 'ftps'],
      [636, 'ldaps'],
      [143, 'imap'],
      [110, 'pop3'],
      [21, 'ftp'],
      [389, 'ldap'],
      [5222, 'xmpp'],
      [5432, 'postgresql'],
      [3306, 'mysql'],
      [3389, 'rdp'],
    ] as const)
      expect(tlsProtocolOfService(port)?.protocol, String(port)).toBe(protocol);
  });

  it('is nothing for a service that speaks no TLS, an unknown port, or hostile names', () => {
    expect(tlsProtocolOfService(22, { name: 'ssh' })).toBeUndefined();
    expect(tlsProtocolOfService(80, { name: 'http' })).toBeUndefined();
    expect(tlsProtocolOfService(25, { name: 'http' })).toBeUndefined();
    expect(tlsProtocolOfService(31337)).toBeUndefined();
    for (const name of INHERITED) expect(tlsProtocolOfService(25, { name }), name).toBeUndefined();
  });
});
