/**
 * The authenticated host verdicts as tables of valid (pass) and invalid (fail / not tested) inputs, in the
 * manner of ESLint's RuleTester: judged from recorded or written command output, no root and no SSH needed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgeFirewall, readFirewallDumps } from '../../src/host/firewall-rules.ts';
import { judgeAuditLogging, judgeLogForwarding } from '../../src/host/logging.ts';
import { judgeRootLogin, judgeSshdConfig, readSshdSettings } from '../../src/host/sshd-config.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/host/${name}`, import.meta.url), 'utf8');
const nftDrop = fixture('nft-ruleset-drop.txt');
const nftAccept = nftDrop.replace('policy drop', 'policy accept');

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

interface Case<I> {
  name: string;
  input: I;
}

function table<I, O>(title: string, judge: (input: I) => O, valid: (Case<I> & { expect: DeepPartial<O> })[], invalid: (Case<I> & { expect: DeepPartial<O> })[]): void {
  describe(title, () => {
    for (const c of valid) it(`valid: ${c.name}`, () => expect(judge(c.input)).toMatchObject(c.expect as object));
    for (const c of invalid) it(`invalid: ${c.name}`, () => expect(judge(c.input)).toMatchObject(c.expect as object));
  });
}

const firewall = (dumps: Record<string, string>) => judgeFirewall(readFirewallDumps(new Map(Object.entries(dumps))));

table(
  'host firewall: a default-deny inbound policy from any tool',
  firewall,
  [
    { name: 'nftables input chain with policy drop', input: { 'nft-ruleset': nftDrop }, expect: { status: 'pass', detail: 'nftables, table inet cocoscan_lab, chain input: policy drop', sources: ['nft-ruleset'] } },
    { name: 'nftables accept policy ending in a catch-all drop', input: { 'nft-ruleset': nftAccept.replace('tcp dport { 22, 443 } accept', 'tcp dport { 22, 443 } accept\n\t\tdrop') }, expect: { status: 'pass' } },
    { name: 'iptables INPUT policy DROP', input: { 'iptables-save': fixture('iptables-save-drop.txt') }, expect: { status: 'pass', detail: 'iptables, INPUT policy DROP' } },
    {
      name: 'iptables ACCEPT policy ending in -j REJECT',
      input: { 'iptables-save': fixture('iptables-save-open.txt').replace(/(-A INPUT .*\n)(?![\s\S]*-A INPUT)/, '$1-A INPUT -j REJECT --reject-with icmp-port-unreachable\n') },
      expect: { status: 'pass' },
    },
    { name: 'ufw active, default deny (incoming)', input: { 'ufw-status': 'Status: active\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n' }, expect: { status: 'pass' } },
    { name: 'ufw active, default reject (incoming)', input: { 'ufw-status': 'Status: active\nDefault: reject (incoming), allow (outgoing)\n' }, expect: { status: 'pass' } },
    { name: 'firewalld running, zone target default', input: { firewalld: 'running\npublic (active)\n  target: default\n  services: ssh\n' }, expect: { status: 'pass' } },
    { name: 'an open nftables beside a denying ufw', input: { 'nft-ruleset': nftAccept, 'ufw-status': 'Status: active\nDefault: deny (incoming)\n' }, expect: { status: 'pass', sources: ['ufw-status'] } },
  ],
  [
    { name: 'nftables input chain with policy accept', input: { 'nft-ruleset': nftAccept }, expect: { status: 'fail', detail: 'nftables: table inet cocoscan_lab, chain input: policy accept' } },
    { name: 'nftables whose last rule drops one port only', input: { 'nft-ruleset': nftAccept.replace('tcp dport { 22, 443 } accept', 'tcp dport { 22, 443 } accept\n\t\ttcp dport 23 drop') }, expect: { status: 'fail' } },
    { name: 'an empty nftables ruleset', input: { 'nft-ruleset': '' }, expect: { status: 'fail', detail: 'nftables: empty ruleset' } },
    { name: 'iptables INPUT ACCEPT without a final drop', input: { 'iptables-save': fixture('iptables-save-open.txt') }, expect: { status: 'fail' } },
    { name: 'ufw active, default allow (incoming)', input: { 'ufw-status': 'Status: active\nDefault: allow (incoming)\n' }, expect: { status: 'fail' } },
    { name: 'ufw inactive', input: { 'ufw-status': 'Status: inactive\n' }, expect: { status: 'fail', detail: 'ufw: ufw is inactive' } },
    { name: 'firewalld zone target ACCEPT', input: { firewalld: 'running\ntrusted (active)\n  target: ACCEPT\n' }, expect: { status: 'fail' } },
    { name: 'no tool could be read', input: {}, expect: { status: 'not_tested' } },
  ],
);

describe('host firewall: a tool that timed out or was cut is unread, never absent', () => {
  it('an open iptables beside an nftables dump that timed out is not tested, naming both', () => {
    const judgement = judgeFirewall(readFirewallDumps(new Map([['iptables-save', fixture('iptables-save-open.txt')]])), ['nft-ruleset']);
    expect(judgement).toMatchObject({ status: 'not_tested', unread: ['nft-ruleset'], partial: expect.stringMatching(/^iptables: /) });
  });

  it('a denying tool still passes whatever else could not be read', () => {
    expect(judgeFirewall(readFirewallDumps(new Map([['iptables-save', fixture('iptables-save-drop.txt')]])), ['nft-ruleset'])).toMatchObject({ status: 'pass' });
  });
});

table(
  'host audit logging: an audit or syslog daemon runs',
  judgeAuditLogging,
  [
    { name: 'auditd and rsyslogd', input: 'systemd\nrsyslogd\nauditd\nbash\n', expect: { status: 'pass', daemons: ['auditd', 'rsyslogd'] } },
    { name: 'systemd-journald alone', input: 'systemd\nsystemd-journal\n', expect: { status: 'pass', daemons: ['systemd-journal'] } },
    { name: 'syslog-ng with padding', input: '  syslog-ng  \n', expect: { status: 'pass', daemons: ['syslog-ng'] } },
  ],
  [
    { name: 'no log daemon', input: 'bash\nnginx\nsshd\n', expect: { status: 'fail', daemons: [] } },
    { name: 'an empty process list', input: '', expect: { status: 'fail' } },
    { name: 'prototype names as processes', input: 'constructor\n__proto__\ntoString\n', expect: { status: 'fail', daemons: [] } },
  ],
);

table(
  'host log forwarding: logs leave the gateway',
  ({ configs, denied }: { configs: Parameters<typeof judgeLogForwarding>[0]; denied: string[] }) => judgeLogForwarding(configs, denied),
  [
    { name: 'rsyslog over TCP', input: { configs: { rsyslog: '*.* @@siem.example.org:6514\n' }, denied: [] }, expect: { status: 'pass', destinations: ['rsyslog TCP to siem.example.org'] } },
    { name: 'rsyslog omfwd action', input: { configs: { rsyslog: 'action(type="omfwd" target="10.0.0.5" port="514")\n' }, denied: [] }, expect: { status: 'pass' } },
    { name: 'syslog-ng network destination', input: { configs: { syslogNg: 'destination d { network("siem.example.org" transport("tls")); };' }, denied: [] }, expect: { status: 'pass' } },
    { name: 'audisp-remote active', input: { configs: { auditRemote: 'active = yes\n' }, denied: [] }, expect: { status: 'pass', destinations: ['audisp-remote'] } },
    { name: 'journal-upload active', input: { configs: { journalUpload: 'active\n' }, denied: [] }, expect: { status: 'pass', destinations: ['systemd-journal-upload'] } },
    { name: 'forwarding found even if another file was denied', input: { configs: { rsyslog: '*.* @siem\n' }, denied: ['syslog-ng-config'] }, expect: { status: 'pass' } },
  ],
  [
    { name: 'local files only', input: { configs: { rsyslog: '*.* /var/log/syslog\n' }, denied: [] }, expect: { status: 'fail' } },
    { name: 'forwarding commented out', input: { configs: { rsyslog: '#*.* @@siem.example.org\n' }, denied: [] }, expect: { status: 'fail' } },
    { name: 'audisp-remote inactive', input: { configs: { auditRemote: 'active = no\n' }, denied: [] }, expect: { status: 'fail' } },
    { name: 'nothing found, a configuration denied', input: { configs: { rsyslog: '*.* /var/log/syslog\n' }, denied: ['syslog-ng-config'] }, expect: { status: 'not_tested' } },
  ],
);

const sshd = (text: string) => {
  const settings = readSshdSettings(text);
  return { config: judgeSshdConfig(settings), root: judgeRootLogin(settings) };
};
const HARDENED = 'passwordauthentication no\nkbdinteractiveauthentication no\npermitrootlogin no\npermitemptypasswords no\nusepam yes\n';

table(
  'sshd -T: no password, empty-password or root password log-on; no direct root log-in',
  sshd,
  [
    { name: 'hardened', input: HARDENED, expect: { config: { status: 'pass', problems: [], shown: 'passwordauthentication no, kbdinteractiveauthentication no, permitrootlogin no, permitemptypasswords no, usepam yes' }, root: { status: 'pass', value: 'no' } } },
    { name: 'keyboard-interactive without PAM', input: HARDENED.replace('kbdinteractiveauthentication no', 'kbdinteractiveauthentication yes').replace('usepam yes', 'usepam no'), expect: { config: { status: 'pass' } } },
    { name: 'root with forced commands only', input: HARDENED.replace('permitrootlogin no', 'permitrootlogin forced-commands-only'), expect: { root: { status: 'pass', value: 'forced-commands-only' } } },
    { name: 'keywords in any case, extra spaces', input: '  PasswordAuthentication   no\nPermitRootLogin no\nPermitEmptyPasswords NO\nusepam no\n', expect: { config: { status: 'pass', missing: [] }, root: { status: 'pass' } } },
    { name: 'an OpenSSH before 8.7 (ChallengeResponseAuthentication)', input: HARDENED.replace('kbdinteractiveauthentication no', 'challengeresponseauthentication no'), expect: { config: { status: 'pass', missing: [] } } },
  ],
  [
    { name: 'the lab default (passwords on, root by key)', input: fixture('sshd-T-lab.txt'), expect: { config: { status: 'fail', problems: ['password log-on (PasswordAuthentication yes)'] }, root: { status: 'fail', value: 'without-password' } } },
    { name: 'keyboard-interactive through PAM', input: HARDENED.replace('kbdinteractiveauthentication no', 'kbdinteractiveauthentication yes'), expect: { config: { status: 'fail', problems: ['keyboard-interactive log-on through PAM'] } } },
    { name: 'empty passwords', input: HARDENED.replace('permitemptypasswords no', 'permitemptypasswords yes'), expect: { config: { status: 'fail', problems: ['empty passwords (PermitEmptyPasswords yes)'] } } },
    { name: 'root log-in with a password', input: HARDENED.replace('permitrootlogin no', 'permitrootlogin yes'), expect: { config: { status: 'fail', problems: ['root log-in with a password (PermitRootLogin yes)'] }, root: { status: 'fail', value: 'yes' } } },
    { name: 'root by key (prohibit-password)', input: HARDENED.replace('permitrootlogin no', 'permitrootlogin prohibit-password'), expect: { config: { status: 'pass' }, root: { status: 'fail', value: 'prohibit-password' } } },
    { name: 'PermitRootLogin not printed is unknown, never a pass', input: 'passwordauthentication no\n', expect: { config: { status: 'unknown' }, root: { status: 'unknown', value: 'unknown' } } },
    { name: 'nothing the verdict needs was printed: unknown, never a pass', input: 'port 22\n', expect: { config: { status: 'unknown', missing: ['passwordauthentication', 'permitemptypasswords', 'permitrootlogin', 'usepam', 'kbdinteractiveauthentication'] } } },
    { name: 'a problem seen is a fail even when other settings are missing', input: 'passwordauthentication yes\n', expect: { config: { status: 'fail' } } },
    { name: 'prototype keywords are only keywords', input: 'constructor yes\n__proto__ yes\ntoString no\n', expect: { config: { status: 'unknown', shown: 'passwordauthentication ?, kbdinteractiveauthentication ?, permitrootlogin ?, permitemptypasswords ?, usepam ?' }, root: { value: 'unknown' } } },
  ],
);

describe('firewall tools that could not be read in full', () => {
  it('a denied, timed-out or cut tool may hold the deny policy; a missing or failed one cannot', async () => {
    const { unreadFirewallSources } = await import('../../probes/host.ts');
    const status = (s: string) => ({ status: s as 'ok' });
    expect(unreadFirewallSources({ 'nft-ruleset': status('denied'), 'iptables-save': status('ok'), 'ufw-status': status('timeout'), firewalld: status('truncated') })).toEqual(['nft-ruleset', 'ufw-status', 'firewalld']);
    expect(unreadFirewallSources({ 'nft-ruleset': status('missing'), 'iptables-save': status('ok'), 'ufw-status': status('failed') })).toEqual([]);
  });
});
