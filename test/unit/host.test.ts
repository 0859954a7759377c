import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyOutcome, HOST_COMMANDS, remoteCommandLine } from '../../src/host/commands.ts';
import {
  familyPolicy,
  readFirewalld,
  readIptablesSave,
  readNftRuleset,
  readUfwStatus,
  type PolicyReading,
} from '../../src/host/firewall-rules.ts';
import { knownHostsAccepts } from '../../src/host/known-hosts.ts';
import { logForwarding, runningLogDaemons } from '../../src/host/logging.ts';

// nft and iptables-save output recorded from the real tools in a lab namespace.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/host/${name}`, import.meta.url), 'utf8');

/** The default verdict a reading gives for a family: deny, open or unknown; undefined when it does not cover it. */
const policy = (reading: PolicyReading, family: 'ipv4' | 'ipv6' = 'ipv4') => {
  const view = reading.families[family];
  return view && familyPolicy(view);
};

describe('host firewall readings', () => {
  it('reads an nftables default-drop input chain for both families of an inet table, per port', () => {
    const reading = readNftRuleset(fixture('nft-ruleset-drop.txt'), [
      { transport: 'tcp', port: 22 },
      { transport: 'udp', port: 53 },
    ]);
    expect(reading.families.ipv4).toEqual({
      where: 'table inet cocoscan_lab, chain input (policy drop)',
      undeclared: { tcp: 'drop', udp: 'drop' },
      declared: [
        { transport: 'tcp', port: 22, verdict: 'accept' },
        { transport: 'udp', port: 53, verdict: 'drop' },
      ],
    });
    expect(reading.families.ipv6).toEqual(reading.families.ipv4);
  });

  it('reads an empty or accept-all nftables ruleset as open', () => {
    expect(policy(readNftRuleset(''))).toBe('open');
    const accept = fixture('nft-ruleset-drop.txt').replace('policy drop', 'policy accept');
    expect(policy(readNftRuleset(accept))).toBe('open');
    const finalDrop = accept.replace('tcp dport { 22, 443 } accept', 'tcp dport { 22, 443 } accept\n\t\tdrop');
    expect(policy(readNftRuleset(finalDrop))).toBe('deny');
  });

  it('reads iptables-save INPUT policies, and ip6tables-save for IPv6 only', () => {
    expect(readIptablesSave(fixture('iptables-save-drop.txt')).families.ipv4).toMatchObject({
      where: 'filter INPUT (policy DROP)',
      undeclared: { tcp: 'drop', udp: 'drop' },
    });
    expect(policy(readIptablesSave(fixture('iptables-save-open.txt')))).toBe('open');
    expect(policy(readIptablesSave(''))).toBe('open');
    const v6 = readIptablesSave(fixture('iptables-save-drop.txt'), [], 'ipv6');
    expect([v6.tool, policy(v6, 'ipv6'), v6.families.ipv4]).toEqual(['ip6tables', 'deny', undefined]);
  });

  it('reads the same rules alike through iptables-save and nft (iptables-nft, user chains the way ufw writes them)', () => {
    const declared = [
      { transport: 'tcp', port: 22 },
      { transport: 'udp', port: 53 },
    ] as const;
    const expected = {
      undeclared: { tcp: 'drop', udp: 'drop' },
      // udp/53 is accepted from 10.0.0.0/8 only: the verdict is for a source no rule names.
      declared: [
        { transport: 'tcp', port: 22, verdict: 'accept' },
        { transport: 'udp', port: 53, verdict: 'drop' },
      ],
    };
    expect(readNftRuleset(fixture('nft-ruleset-iptables-nft.txt'), declared).families.ipv4).toMatchObject(expected);
    expect(readNftRuleset(fixture('nft-ruleset-iptables-nft.txt'), declared).families.ipv6).toMatchObject({
      undeclared: { tcp: 'accept' },
    });
    expect(readIptablesSave(fixture('iptables-save-user-chains.txt'), declared).families.ipv4).toMatchObject(expected);
  });

  it('reads ufw and firewalld states', () => {
    expect(
      policy(readUfwStatus('Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n')),
    ).toBe('deny');
    expect(policy(readUfwStatus('Status: inactive\n'), 'ipv6')).toBe('open');
    expect(policy(readFirewalld('running\npublic (active)\n  target: default\n  services: ssh\n'))).toBe('deny');
    expect(policy(readFirewalld('not running\n'))).toBe('open');
  });
});

describe('logging', () => {
  it('finds log daemons in a process list', () => {
    expect(runningLogDaemons('systemd\nrsyslogd\nauditd\nbash\n')).toEqual(['auditd', 'rsyslogd']);
    expect(runningLogDaemons('bash\nnginx\n')).toEqual([]);
  });

  it('finds forwarding in rsyslog and syslog-ng configuration, ignoring comments', () => {
    expect(logForwarding({ rsyslog: '*.* @@siem.example.org:6514\n#*.* @old.example.org\n' })).toEqual(['rsyslog TCP to siem.example.org']);
    expect(logForwarding({ rsyslog: 'action(type="omfwd" target="10.0.0.5" port="514" protocol="tcp")\n' })).toEqual([
      'rsyslog omfwd to 10.0.0.5',
    ]);
    expect(logForwarding({ syslogNg: 'destination d_siem { network("siem.example.org" transport("tls")); };' })).toEqual([
      'syslog-ng network to siem.example.org',
    ]);
    expect(logForwarding({ auditRemote: 'active = yes\n' })).toEqual(['audisp-remote']);
    expect(logForwarding({ rsyslog: '*.* /var/log/syslog\n' })).toEqual([]);
  });
});

describe('commands', () => {
  it('are read-only and quote safely', () => {
    for (const command of HOST_COMMANDS) {
      expect(command.command).not.toMatch(/(^|[;&|]\s*|\s)(rm|mv|cp|tee|dd|kill|reboot|shutdown|apt-get install|dnf install|--flush|-F)\s/);
      // Output goes nowhere but stdout, stderr or /dev/null.
      expect(command.command.replace(/\d?>\s*(&\d|\/dev\/null)/g, '')).not.toContain('>');
    }
    const nft = HOST_COMMANDS.find((c) => c.name === 'nft-ruleset')!;
    expect(remoteCommandLine(nft, true)).toBe(`sudo -n sh -c 'LC_ALL=C PATH="$PATH:/usr/sbin:/sbin" nft list ruleset'`);
    expect(remoteCommandLine(nft, false)).toBe(`sh -c 'LC_ALL=C PATH="$PATH:/usr/sbin:/sbin" nft list ruleset'`);
  });

  it('tells missing, denied and failed commands apart', () => {
    expect(classifyOutcome(0, '')).toBe('ok');
    expect(classifyOutcome(127, 'sh: 1: nft: not found')).toBe('missing');
    expect(classifyOutcome(1, 'Error: Operation not permitted (you must be root)')).toBe('denied');
    expect(classifyOutcome(1, 'sudo: a password is required')).toBe('denied');
    expect(classifyOutcome(1, 'cat: /etc/rsyslog.conf: No such file or directory')).toBe('missing');
    expect(classifyOutcome(2, 'something else')).toBe('failed');
  });
});

describe('known_hosts', () => {
  const key = randomBytes(51);
  const line = (hosts: string) => `${hosts} ssh-ed25519 ${key.toString('base64')}`;

  it('accepts plain, bracketed and hashed entries for the right key only', () => {
    expect(knownHostsAccepts(line('192.0.2.1'), '192.0.2.1', 22, key)).toBe(true);
    expect(knownHostsAccepts(line('[gw.example.org]:2222'), 'gw.example.org', 2222, key)).toBe(true);
    expect(knownHostsAccepts(line('gw.example.org'), 'gw.example.org', 2222, key)).toBe(false);
    expect(knownHostsAccepts(line('192.0.2.1'), '192.0.2.1', 22, randomBytes(51))).toBe(false);
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('192.0.2.1').digest('base64')}`;
    expect(knownHostsAccepts(line(hashed), '192.0.2.1', 22, key)).toBe(true);
    expect(knownHostsAccepts(`@revoked ${line('192.0.2.1')}\n${line('192.0.2.1')}`, '192.0.2.1', 22, key)).toBe(false);
  });
});
