import { describe, expect, it } from 'vitest';
import { matchProtocol } from '../../src/nmap/protocols.ts';
import { PROTOCOL_TABLE, nmapServicesOf, protocolFacts, speaksSsh, speaksTls, type FlowProtocol } from '../../src/protocol/table.ts';

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
