/**
 * The authenticated host verdicts (firewall ruleset, audit logging, log forwarding, sshd) judged from
 * recorded or written command output: no root and no SSH needed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SshdFacts } from '../../probes/host/gather.ts';
import { judgeHost, observeHost, unreadFirewallSources, type HostFacts } from '../../probes/host/judge.ts';
import type { CommandOutcome, CommandStatus } from '../../src/host/commands.ts';
import { judgeTable } from '../helpers/judge-table.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/host/${name}`, import.meta.url), 'utf8');
const nftDrop = fixture('nft-ruleset-drop.txt');
const nftAccept = nftDrop.replace('policy drop', 'policy accept');
const iptablesOpen = fixture('iptables-save-open.txt');
const iptablesDrop = fixture('iptables-save-drop.txt');
const iptablesFinalReject = iptablesOpen.replace('COMMIT', '-A INPUT -j REJECT --reject-with icmp-port-unreachable\nCOMMIT');
/** The lab's inet table, policy drop, with these rules in place of the declared-port accept. */
const nftDropWith = (rules: string) => nftDrop.replace('tcp dport { 22, 443 } accept', rules);
/** A table ip and a table ip6, each with its own input policy. */
const nftPerFamily = (v4: string, v6: string) =>
  ['ip', 'ip6']
    .map(
      (family, i) =>
        `table ${family} filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy ${[v4, v6][i]};\n` +
        '\t\ttcp dport 22 accept\n\t}\n}\n',
    )
    .join('');
/** Policy drop, jumping to a regular chain with these rules. */
const nftJump = (rules: string) =>
  'table inet f {\n\tchain allowed {\n\t\t' +
  rules +
  '\n\t}\n\n\tchain input {\n' +
  '\t\ttype filter hook input priority filter; policy drop;\n\t\tjump allowed\n\t}\n}\n';
const iptablesUfwStyle = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':ufw-before-input - [0:0]',
  ':ufw-user-input - [0:0]',
  '-A INPUT -j ufw-before-input',
  '-A INPUT -j ufw-user-input',
  '-A INPUT -j DROP',
  '-A ufw-before-input -i lo -j ACCEPT',
  '-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A ufw-before-input -p icmp -m icmp --icmp-type 8 -j ACCEPT',
  '-A ufw-user-input -p tcp -m multiport --dports 22,443 -m comment --comment "ssh and https" -j ACCEPT',
  '-A ufw-user-input -p tcp ! --dport 22 -j LOG --log-prefix "[UFW BLOCK] "',
  'COMMIT',
  '',
].join('\n');
const HARDENED = 'passwordauthentication no\nkbdinteractiveauthentication no\npermitrootlogin no\npermitemptypasswords no\nusepam yes\n';
const HARDENED_SHOWN =
  'passwordauthentication no, kbdinteractiveauthentication no, permitrootlogin no, permitemptypasswords no, usepam yes';

const outcome = (name: string, status: CommandStatus, stdout = '', stderr = ''): CommandOutcome => ({
  name,
  command: name,
  status,
  exitCode: status === 'ok' ? 0 : status === 'missing' ? 127 : status === 'timeout' ? null : 1,
  stdout,
  stderr,
});
const sudoDenied = (name: string) => outcome(name, 'denied', '', 'sudo: a password is required\n');

/** A gateway that passes everything: a dropping nftables, auditd and rsyslogd, rsyslog forwarding, a hardened sshd. */
const BASELINE: Record<string, string> = {
  'nft-ruleset': nftDrop,
  processes: 'systemd\nrsyslogd\nauditd\nsshd\n',
  'rsyslog-config': '*.* @@siem.example.org:6514\n',
  'sshd-config': HARDENED,
};

/**
 * The session of a gateway: the baseline commands, overridden by `commands` (text is an `ok` output, an
 * outcome is kept as it is, undefined leaves the command out: not run).
 */
function facts(commands: Record<string, string | CommandOutcome | undefined> = {}, verified = true, sshd?: SshdFacts): HostFacts {
  const merged: Record<string, CommandOutcome> = Object.create(null) as Record<string, CommandOutcome>;
  for (const [name, value] of Object.entries({ ...BASELINE, ...commands })) {
    if (value !== undefined) merged[name] = typeof value === 'string' ? outcome(name, 'ok', value) : value;
  }
  return {
    target: { gateway: 'gw', host: '192.0.2.1' },
    session: {
      ok: true,
      username: 'auditor',
      hostKeyFingerprint: 'SHA256:abc',
      hostKeyVerified: verified,
      commands: merged,
      sshd: sshd ?? agreeing(merged['sshd-config']?.stdout ?? ''),
    },
    evidenceFolder: 'evidence/gateways/gw/host',
  };
}

const INSTANCE = { port: 22, pid: 812, binary: '/usr/sbin/sshd', configFile: '/etc/ssh/sshd_config', explicit: false };
/** A live server that offers an unknown user what the plain settings say: password when PasswordAuthentication is yes. */
function agreeing(text: string): SshdFacts {
  const password = /^passwordauthentication\s+yes/im.test(text);
  return { instance: INSTANCE, users: [], livePort: 22, live: [{ methods: password ? ['publickey', 'password'] : ['publickey'] }] };
}
/** Per-user settings and live answers: `users` maps a user to its `sshd -T -C` text and what the server offered it. */
function perUser(
  users: [user: string, settings: string | CommandOutcome | undefined, live: string[] | string][],
  global = HARDENED,
  unknownLive: string[] | string = ['publickey'],
): HostFacts {
  const answer = (live: string[] | string) => (typeof live === 'string' ? { failure: live } : { methods: live });
  const sshdFacts: SshdFacts = {
    instance: INSTANCE,
    users: users.map(([user]) => user),
    livePort: 22,
    live: [answer(unknownLive), ...users.map(([user, , live]) => ({ user, ...answer(live) }))],
  };
  return facts(
    { 'sshd-config': global, ...Object.fromEntries(users.map(([user, settings]) => [`sshd-config-user-${user}`, settings])) },
    true,
    sshdFacts,
  );
}
/** Only the firewall tools given, none of the baseline's. */
const firewall = (commands: Record<string, string | CommandOutcome>) => facts({ 'nft-ruleset': undefined, ...commands });
const declaring = (f: HostFacts, declared: HostFacts['declared']): HostFacts => ({ ...f, declared });
/** A gateway whose flow api (tcp/8443) is declared open only to `sources`, with these firewall dumps. */
const restricting = (commands: Record<string, string | CommandOutcome | undefined>, sources = ['10.99.0.0/16']): HostFacts =>
  declaring(firewall(commands as Record<string, string | CommandOutcome>), [
    { transport: 'tcp', port: 22 },
    { transport: 'tcp', port: 8443, flow: 'api', sources },
  ]);
const nftWith8443 = (rules: string) => ({ 'nft-ruleset': nftDropWith(`tcp dport 22 accept\n\t\t${rules}`) });
const flowSourcesVerdict = (status: 'pass' | 'fail' | 'not_tested', params: Record<string, string | RegExp>) => ({
  id: 'host.flow-sources' as const,
  port: 8443,
  status,
  params: { flow: 'api', ...params },
});
const iptablesWith8443 = (rule: string) => iptablesDrop.replace('COMMIT', `${rule}\nCOMMIT`);
const sshd = (text: string | CommandOutcome) => facts({ 'sshd-config': text });
const forwarding = (commands: Record<string, string | CommandOutcome>) => facts({ 'rsyslog-config': undefined, ...commands });

judgeTable('host', {
  judge: (f: HostFacts) => judgeHost(f),
  thresholds: {},
  now: new Date('2026-11-30T10:00:00Z'),
  valid: [
    { name: 'a hardened gateway', facts: facts() },
    {
      name: 'sshd per user: root, admin and the audit user all refused passwords, settings and server agree',
      facts: perUser([
        ['root', HARDENED, ['publickey']],
        ['admin', HARDENED, ['publickey']],
        ['auditor', HARDENED, ['publickey']],
      ]),
    },
    {
      name: 'firewall: nftables accept policy ending in a catch-all drop',
      facts: firewall({ 'nft-ruleset': nftAccept.replace('tcp dport { 22, 443 } accept', 'tcp dport { 22, 443 } accept\n\t\tdrop') }),
    },
    {
      name: 'firewall: iptables and ip6tables :INPUT DROP',
      facts: firewall({ 'iptables-save': iptablesDrop, 'ip6tables-save': iptablesDrop }),
    },
    {
      name: 'firewall: iptables and ip6tables ACCEPT policy ending in -j REJECT',
      facts: firewall({ 'iptables-save': iptablesFinalReject, 'ip6tables-save': iptablesFinalReject }),
    },
    {
      name: 'firewall: ufw active, default deny (incoming)',
      facts: firewall({ 'ufw-status': 'Status: active\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n' }),
    },
    {
      name: 'firewall: ufw active, default reject (incoming)',
      facts: firewall({ 'ufw-status': 'Status: active\nDefault: reject (incoming), allow (outgoing)\n' }),
    },
    {
      name: 'firewall: firewalld running, zone target default',
      facts: firewall({ firewalld: 'running\npublic (active)\n  target: default\n  services: ssh\n' }),
    },
    {
      name: 'firewall: an open nftables beside a denying ufw',
      facts: firewall({ 'nft-ruleset': nftAccept, 'ufw-status': 'Status: active\nDefault: deny (incoming)\n' }),
    },
    {
      name: 'firewall: denying iptables and ip6tables whatever else timed out',
      facts: firewall({ 'iptables-save': iptablesDrop, 'ip6tables-save': iptablesDrop, 'nft-ruleset': outcome('nft-ruleset', 'timeout') }),
    },
    {
      name: 'firewall: nftables table ip and table ip6, both policy drop',
      facts: firewall({ 'nft-ruleset': nftPerFamily('drop', 'drop') }),
    },
    {
      name: 'firewall: an accept for a named source is no accept for the rest',
      facts: firewall({ 'nft-ruleset': nftDropWith('ip saddr 10.0.0.0/8 accept\n\t\tip6 saddr fd00::/8 accept') }),
    },
    {
      name: 'firewall: loopback, established and ICMP accepts are no accept for a new connection from outside',
      facts: firewall({
        'nft-ruleset': nftDropWith(
          'iifname "lo" accept\n\t\tct state { established, related } accept\n\t\t' +
            'icmp type echo-request accept\n\t\tmeta l4proto ipv6-icmp accept',
        ),
      }),
    },
    {
      name: 'firewall: nftables jumping to a chain that accepts the declared port and returns',
      facts: firewall({ 'nft-ruleset': nftJump('tcp dport 22 accept\n\t\treturn') }),
    },
    {
      name: 'firewall: iptables user chains the way ufw writes them, ending in a drop',
      facts: firewall({ 'iptables-save': iptablesUfwStyle, 'ip6tables-save': iptablesUfwStyle }),
    },
    {
      name: 'firewall: a catch-all reject with TCP resets is a deny',
      facts: firewall({
        'nft-ruleset': nftAccept.replace(
          'tcp dport { 22, 443 } accept',
          'tcp dport { 22, 443 } accept\n\t\tmeta l4proto tcp reject with tcp reset\n\t\treject',
        ),
      }),
    },
    { name: 'audit logging: systemd-journald alone', facts: facts({ processes: 'systemd\nsystemd-journal\n' }) },
    { name: 'audit logging: syslog-ng with padding', facts: facts({ processes: '  syslog-ng  \n' }) },
    {
      name: 'log forwarding: rsyslog omfwd action',
      facts: forwarding({ 'rsyslog-config': 'action(type="omfwd" target="10.0.0.5" port="514")\n' }),
    },
    {
      name: 'log forwarding: syslog-ng network destination',
      facts: forwarding({ 'syslog-ng-config': 'destination d { network("siem.example.org" transport("tls")); };' }),
    },
    { name: 'log forwarding: audisp-remote active', facts: forwarding({ 'audit-remote': 'active = yes\n' }) },
    { name: 'log forwarding: journal-upload active', facts: forwarding({ 'journal-upload': 'active\n' }) },
    {
      name: 'log forwarding: found even if another file was denied',
      facts: forwarding({ 'rsyslog-config': '*.* @siem\n', 'syslog-ng-config': sudoDenied('syslog-ng-config') }),
    },
    {
      name: 'sshd: keyboard-interactive without PAM',
      facts: sshd(
        HARDENED.replace('kbdinteractiveauthentication no', 'kbdinteractiveauthentication yes').replace('usepam yes', 'usepam no'),
      ),
    },
    {
      name: 'sshd: PermitRootLogin forced-commands-only',
      facts: sshd(HARDENED.replace('permitrootlogin no', 'permitrootlogin forced-commands-only')),
    },
    {
      name: 'sshd: keywords in any case, extra spaces',
      facts: sshd('  PasswordAuthentication   no\nPermitRootLogin no\nPermitEmptyPasswords NO\nusepam no\n'),
    },
    {
      name: 'sshd: an OpenSSH before 8.7 (ChallengeResponseAuthentication)',
      facts: sshd(HARDENED.replace('kbdinteractiveauthentication no', 'challengeresponseauthentication no')),
    },
  ],
  invalid: [
    // Flows open only to given sources
    {
      name: 'a flow restricted to 10.99.0.0/16 by nftables: every other source dropped, over both families',
      facts: restricting(nftWith8443('ip saddr 10.99.0.0/16 tcp dport 8443 accept')),
      verdicts: [
        flowSourcesVerdict('pass', {
          sources: '10.99.0.0/16',
          detail: 'tcp/8443 IPv4: nftables refuses every other source. IPv6: nftables refuses every other source',
        }),
      ],
    },
    {
      name: 'a flow restricted to a narrower block than declared still refuses every other source',
      facts: restricting(nftWith8443('ip saddr { 10.99.1.0/24, 10.99.2.7 } tcp dport 8443 accept')),
      verdicts: [flowSourcesVerdict('pass', { sources: '10.99.0.0/16' })],
    },
    {
      name: 'a flow restricted by iptables and ip6tables, in order',
      facts: restricting({
        'iptables-save': iptablesWith8443('-A INPUT -s 10.99.0.0/16 -p tcp -m tcp --dport 8443 -j ACCEPT'),
        'ip6tables-save': iptablesDrop,
      }),
      verdicts: [flowSourcesVerdict('pass', { detail: /IPv4: iptables refuses every other source\. IPv6: ip6tables refuses/ })],
    },
    {
      name: 'every other source dropped first (ip saddr != the block), then the port accepted',
      facts: restricting(
        nftWith8443('ip saddr != 10.99.0.0/16 tcp dport 8443 drop\n\t\tmeta nfproto ipv6 tcp dport 8443 drop\n\t\ttcp dport 8443 accept'),
      ),
      verdicts: [flowSourcesVerdict('pass', {})],
    },
    {
      name: 'iptables: every source but the block dropped (! -s), then the port accepted',
      facts: restricting({
        'iptables-save': iptablesWith8443(
          '-A INPUT ! -s 10.99.0.0/16 -p tcp -m tcp --dport 8443 -j DROP\n-A INPUT -p tcp -m tcp --dport 8443 -j ACCEPT',
        ),
        'ip6tables-save': iptablesDrop,
      }),
      verdicts: [flowSourcesVerdict('pass', {})],
    },
    {
      name: 'a flow declared restricted but open to all sources',
      facts: restricting(nftWith8443('tcp dport 8443 accept')),
      verdicts: [
        flowSourcesVerdict('fail', {
          sources: '10.99.0.0/16',
          detail: 'tcp/8443 IPv4: nftables accepts any source (0.0.0.0 and others). IPv6: nftables accepts any source (:: and others)',
        }),
        { id: 'host.firewall-policy', status: 'pass' },
      ],
    },
    {
      name: 'a flow accepted from a wider block than declared: names the block',
      facts: restricting(nftWith8443('ip saddr 10.0.0.0/8 tcp dport 8443 accept')),
      verdicts: [flowSourcesVerdict('fail', { detail: /^tcp\/8443 IPv4: nftables accepts 10\.0\.0\.0\/8\. IPv6: nftables refuses/ })],
    },
    {
      name: 'a wider block in nftables beside an iptables with no filter table: only the tool that filters is named',
      facts: restricting({ ...nftWith8443('ip saddr 10.96.0.0/12 tcp dport 8443 accept'), 'iptables-save': '' }),
      verdicts: [flowSourcesVerdict('fail', { detail: /^tcp\/8443 IPv4: nftables accepts 10\.96\.0\.0\/12\. IPv6: nftables refuses/ })],
    },
    {
      name: 'a wider iptables rule after a narrower one: order does not save it',
      facts: restricting({
        'iptables-save': iptablesWith8443(
          '-A INPUT -s 10.99.0.0/16 -p tcp -m tcp --dport 8443 -j ACCEPT\n-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 8443 -j ACCEPT',
        ),
        'ip6tables-save': iptablesDrop,
      }),
      verdicts: [flowSourcesVerdict('fail', { detail: /IPv4: iptables accepts 10\.0\.0\.0\/8/ })],
    },
    {
      name: 'a wider block dropped first, then the declared one: restricted',
      facts: restricting(nftWith8443('ip saddr 10.99.0.0/16 tcp dport 8443 accept\n\t\tip saddr 10.0.0.0/8 drop\n\t\ttcp dport 8443 drop')),
      verdicts: [flowSourcesVerdict('pass', {})],
    },
    {
      name: 'IPv6: a declared /64 accepted over a /48',
      facts: restricting(nftWith8443('ip saddr 10.99.0.0/16 tcp dport 8443 accept\n\t\tip6 saddr fd00:99::/48 tcp dport 8443 accept'), [
        '10.99.0.0/16',
        'fd00:99::/64',
      ]),
      verdicts: [
        flowSourcesVerdict('fail', {
          sources: '10.99.0.0/16, fd00:99::/64',
          detail: 'tcp/8443 IPv4: nftables refuses every other source. IPv6: nftables accepts fd00:99::/48',
        }),
      ],
    },
    {
      name: 'IPv6: a flow restricted to its IPv6 block only',
      facts: restricting(nftWith8443('ip6 saddr fd00:99::/64 tcp dport 8443 accept'), ['fd00:99::/64']),
      verdicts: [flowSourcesVerdict('pass', { sources: 'fd00:99::/64' })],
    },
    {
      name: 'a flow restricted to IPv4 sources that IPv6 reaches from anywhere',
      facts: restricting(nftWith8443('ip saddr 10.99.0.0/16 tcp dport 8443 accept\n\t\tmeta nfproto ipv6 tcp dport 8443 accept')),
      verdicts: [flowSourcesVerdict('fail', { detail: /IPv6: nftables accepts any source \(:: and others\)$/ })],
    },
    {
      name: 'a named set the reader cannot see into: not tested',
      facts: restricting(nftWith8443('ip saddr @allowed tcp dport 8443 accept')),
      verdicts: [
        flowSourcesVerdict('not_tested', {
          reason: /could not be evaluated for every other source \(tcp\/8443 IPv4: nftables not evaluated\. IPv6: nftables refuses/,
        }),
      ],
    },
    {
      name: 'more named addresses than can be evaluated: not tested, saying so',
      facts: restricting(
        nftWith8443(
          `ip saddr { ${Array.from({ length: 600 }, (_, i) => `10.${i >> 8}.${i & 255}.1`).join(', ')} } tcp dport 8443 drop\n\t\t` +
            'ip saddr 10.99.0.0/16 tcp dport 8443 accept',
        ),
      ),
      verdicts: [
        flowSourcesVerdict('not_tested', { reason: /IPv4: nftables not evaluated \(more than 1024 address ranges to evaluate\)/ }),
      ],
    },
    {
      name: 'the ruleset could not be read: not tested',
      facts: restricting({ 'nft-ruleset': sudoDenied('nft-ruleset') }),
      verdicts: [flowSourcesVerdict('not_tested', { reason: /^no firewall tool could be read \(nft-ruleset: denied/ })],
    },
    {
      name: 'only ufw read: its per-port rules are not read, so neither are the sources',
      facts: restricting({ 'ufw-status': 'Status: active\nDefault: deny (incoming)\n' }),
      verdicts: [flowSourcesVerdict('not_tested', {})],
    },
    {
      name: 'no ruleset at all on the host: every source reaches the port',
      facts: restricting({ 'nft-ruleset': '' }),
      verdicts: [flowSourcesVerdict('fail', { detail: 'tcp/8443 IPv4: nftables accepts any source. IPv6: nftables accepts any source' })],
    },
    {
      name: 'a gateway with no restricted flow: does not apply',
      facts: facts(),
      verdicts: [{ id: 'host.flow-sources', status: 'not_applicable', params: { reason: 'no declared flow names its allowed sources' } }],
    },
    {
      name: 'a hardened gateway, as the findings say it',
      facts: facts({}, false),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'pass',
          params: {
            gateway: 'gw',
            detail: 'IPv4 and IPv6 deny by default: nftables, table inet cocoscan_lab, chain input (policy drop): other ports drop',
          },
        },
        { id: 'host.audit-logging', status: 'pass', params: { daemons: 'auditd, rsyslogd' }, actual: 'auditd, rsyslogd' },
        { id: 'host.log-forwarding', status: 'pass', params: { destinations: 'rsyslog TCP to siem.example.org' } },
        { id: 'host.sshd-config', status: 'pass', params: { settings: HARDENED_SHOWN } },
        { id: 'host.root-login', status: 'pass', params: { value: 'no' }, actual: 'PermitRootLogin no' },
      ],
    },
    // Firewall
    {
      name: 'firewall: nft policy accept',
      facts: firewall({ 'nft-ruleset': nftAccept }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: {
            detail: 'IPv4 and IPv6 accept by default: nftables, table inet cocoscan_lab, chain input (policy accept): other ports accept',
          },
        },
      ],
    },
    {
      name: 'firewall: the verdict of each declared port, and of undeclared ones',
      facts: declaring(firewall({ 'nft-ruleset': nftDrop }), [
        { transport: 'tcp', port: 22 },
        { transport: 'tcp', port: 8443 },
        { transport: 'udp', port: 53 },
      ]),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'pass',
          params: {
            detail:
              'IPv4 and IPv6 deny by default: nftables, table inet cocoscan_lab, chain input (policy drop): other ports drop; ' +
              'tcp/22 accept, tcp/8443 drop, udp/53 drop',
          },
        },
      ],
    },
    {
      name: 'firewall: a table ip with policy drop leaves IPv6 open',
      facts: firewall({ 'nft-ruleset': nftDrop.replace('table inet', 'table ip') }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: {
            detail:
              'IPv6 open to undeclared ports. ' +
              'IPv4 denies by default: nftables, table ip cocoscan_lab, chain input (policy drop): other ports drop. ' +
              'IPv6 accepts by default: nftables, no chain hooks input for IPv6: other ports accept',
          },
        },
      ],
    },
    {
      name: 'firewall: table ip drops, table ip6 accepts',
      facts: firewall({ 'nft-ruleset': nftPerFamily('drop', 'accept') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail', params: { detail: /^IPv6 open to undeclared ports\. IPv4 denies/ } }],
    },
    {
      name: 'firewall: nftables policy drop followed by a catch-all accept',
      facts: firewall({ 'nft-ruleset': nftDropWith('counter packets 0 bytes 0 accept') }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: {
            detail: 'IPv4 and IPv6 accept by default: nftables, table inet cocoscan_lab, chain input (policy drop): other ports accept',
          },
        },
      ],
    },
    {
      name: 'firewall: iptables :INPUT DROP followed by -A INPUT -j ACCEPT',
      facts: firewall({ 'iptables-save': iptablesDrop.replace('COMMIT', '-A INPUT -j ACCEPT\nCOMMIT'), 'ip6tables-save': iptablesDrop }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: {
            detail:
              'IPv4 open to undeclared ports. IPv4 accepts by default: iptables, filter INPUT (policy DROP): other ports accept. ' +
              'IPv6 denies by default: ip6tables, filter INPUT (policy DROP): other ports drop',
          },
        },
      ],
    },
    {
      name: 'firewall: iptables drops, ip6tables accepts',
      facts: firewall({ 'iptables-save': iptablesDrop, 'ip6tables-save': iptablesOpen }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail', params: { detail: /^IPv6 open to undeclared ports\. / } }],
    },
    {
      name: 'firewall: iptables drops, nothing read IPv6',
      facts: firewall({ 'iptables-save': iptablesDrop, 'ip6tables-save': outcome('ip6tables-save', 'missing') }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'not_tested',
          params: {
            reason:
              /^no default deny proven for both IPv4 and IPv6 \(IPv4 denies by default: .*IPv6 not evaluated: no tool read its ruleset\)$/,
          },
        },
      ],
    },
    {
      name: 'firewall: TCP dropped but UDP accepted is open',
      facts: firewall({ 'nft-ruleset': nftAccept.replace('tcp dport { 22, 443 } accept', 'tcp dport != 22 drop') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail', params: { detail: /other TCP ports drop, other UDP ports accept$/ } }],
    },
    {
      name: 'firewall: a source that is not the named one is accepted',
      facts: firewall({ 'nft-ruleset': nftDropWith('ip saddr != 10.0.0.0/8 accept') }),
      verdicts: [
        { id: 'host.firewall-policy', status: 'fail', params: { detail: /^IPv4 open to undeclared ports\. .*IPv6 denies by default/ } },
      ],
    },
    {
      name: 'firewall: a rate limit the reader cannot evaluate is unknown, never a pass',
      facts: firewall({ 'nft-ruleset': nftDropWith('limit rate 10/second accept') }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'not_tested',
          params: { reason: /IPv4 and IPv6 not evaluated: nftables, .*: other ports unknown\)$/ },
        },
      ],
    },
    {
      name: 'firewall: 60 000 rules the reader cannot evaluate are unknown, and read without overflowing the stack',
      facts: firewall({ 'nft-ruleset': nftDropWith(Array.from({ length: 60_000 }, () => 'limit rate 1/second accept').join('\n\t\t')) }),
      verdicts: [{ id: 'host.firewall-policy', status: 'not_tested' }],
    },
    {
      name: 'firewall: a rule the reader cannot evaluate is harmless when both ways end the same',
      facts: firewall({ 'nft-ruleset': nftDropWith('limit rate 1/second drop\n\t\tmeta pkttype broadcast reject') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'pass' }],
    },
    {
      name: 'firewall: an accept on an interface the reader cannot place is unknown',
      facts: firewall({ 'nft-ruleset': nftDropWith('iifname "eth1" accept') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'not_tested' }],
    },
    {
      name: 'firewall: a port range accepted may hold an undeclared port: unknown',
      facts: firewall({ 'nft-ruleset': nftDropWith('tcp dport 1024-65535 accept') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'not_tested' }],
    },
    {
      name: 'firewall: a jump to a chain that does not exist is unknown',
      facts: firewall({ 'nft-ruleset': nftDropWith('jump nowhere') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'not_tested' }],
    },
    {
      name: 'firewall: a jump to a chain that accepts everything',
      facts: firewall({ 'nft-ruleset': nftJump('accept') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail' }],
    },
    {
      name: 'firewall: chains named like prototype properties are only chains',
      facts: firewall({
        'iptables-save': iptablesDrop
          .replace(':OUTPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]\n:constructor - [0:0]\n:__proto__ - [0:0]')
          .replace('COMMIT', '-A INPUT -j __proto__\n-A __proto__ -j constructor\n-A constructor -j ACCEPT\nCOMMIT'),
        'ip6tables-save': iptablesDrop.replace('COMMIT', '-A INPUT -j toString\nCOMMIT'),
      }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: {
            detail: /^IPv4 open to undeclared ports\. .*IPv6 not evaluated: ip6tables, filter INPUT \(policy DROP\): other ports unknown$/,
          },
        },
      ],
    },
    {
      name: 'firewall: chains jumping to each other forever are unknown',
      facts: firewall({
        'iptables-save': iptablesDrop
          .replace(':OUTPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]\n:a - [0:0]')
          .replace('COMMIT', '-A INPUT -j a\n-A a -j a\nCOMMIT'),
        'ip6tables-save': iptablesDrop,
      }),
      verdicts: [{ id: 'host.firewall-policy', status: 'not_tested' }],
    },
    {
      name: 'firewall: an empty nftables ruleset',
      facts: firewall({ 'nft-ruleset': '' }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: { detail: 'IPv4 and IPv6 accept by default: nftables, empty ruleset: other ports accept' },
        },
      ],
    },
    {
      name: 'firewall: every tool read, every output empty',
      facts: firewall({ 'nft-ruleset': '', 'iptables-save': '', 'ip6tables-save': '', 'ufw-status': '', firewalld: '' }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: {
            detail:
              'IPv4 accepts by default: nftables, empty ruleset: other ports accept; iptables, no filter table: other ports accept; ' +
              'ufw, ufw is inactive: other ports accept; firewalld, firewalld is not running: other ports accept. ' +
              'IPv6 accepts by default: nftables, empty ruleset: other ports accept; ip6tables, no filter table: other ports accept; ' +
              'ufw, ufw is inactive: other ports accept; firewalld, firewalld is not running: other ports accept',
          },
        },
      ],
    },
    {
      name: 'firewall: iptables INPUT ACCEPT without a final drop',
      facts: firewall({ 'iptables-save': iptablesOpen, 'ip6tables-save': iptablesOpen }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail' }],
    },
    {
      name: 'firewall: iptables :INPUT DROP written by hand with a lower-case policy is not read as a policy',
      facts: firewall({ 'iptables-save': iptablesDrop.replace(':INPUT DROP', ':INPUT drop'), 'ip6tables-save': iptablesDrop }),
      verdicts: [{ id: 'host.firewall-policy', status: 'not_tested' }],
    },
    {
      name: 'firewall: ufw active, default allow (incoming)',
      facts: firewall({ 'ufw-status': 'Status: active\nDefault: allow (incoming)\n' }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail' }],
    },
    {
      name: 'firewall: ufw inactive',
      facts: firewall({ 'ufw-status': 'Status: inactive\n' }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: { detail: 'IPv4 and IPv6 accept by default: ufw, ufw is inactive: other ports accept' },
        },
      ],
    },
    {
      name: 'firewall: firewalld zone target ACCEPT',
      facts: firewall({ firewalld: 'running\ntrusted (active)\n  target: ACCEPT\n' }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail' }],
    },
    {
      name: 'firewall: no tool run at all',
      facts: firewall({}),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'not_tested',
          params: { reason: /^no firewall tool could be read \(not run; not run; not run; not run; not run\); if they are only denied/ },
        },
      ],
    },
    {
      name: 'firewall: every tool denied by sudo',
      facts: firewall({
        'nft-ruleset': sudoDenied('nft-ruleset'),
        'iptables-save': sudoDenied('iptables-save'),
        'ip6tables-save': sudoDenied('ip6tables-save'),
        'ufw-status': sudoDenied('ufw-status'),
        firewalld: sudoDenied('firewalld'),
      }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'not_tested',
          params: { reason: /\(nft-ruleset: denied \(sudo: a password is required\); iptables-save: denied/ },
        },
      ],
    },
    {
      name: 'firewall: every tool missing',
      facts: firewall({ 'nft-ruleset': outcome('nft-ruleset', 'missing'), 'iptables-save': outcome('iptables-save', 'missing') }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'not_tested',
          params: { reason: /no firewall tool could be read \(nft-ruleset: missing; iptables-save: missing/ },
        },
      ],
    },
    {
      name: 'firewall: an open iptables beside an nftables dump that timed out',
      facts: firewall({ 'iptables-save': iptablesOpen, 'nft-ruleset': outcome('nft-ruleset', 'timeout') }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'not_tested',
          params: {
            reason: new RegExp(
              '^no default deny proven for both IPv4 and IPv6 \\(IPv4 not evaluated: iptables, .*; nft-ruleset not read in full\\. ' +
                'IPv6 not evaluated: nft-ruleset not read in full\\); nft-ruleset: timeout could not be read in full and may hold it$',
            ),
          },
        },
      ],
    },
    {
      name: 'firewall: a dropping nftables cut at the size limit is not read',
      facts: firewall({
        'nft-ruleset': outcome('nft-ruleset', 'truncated', nftDrop),
        'ufw-status': 'Status: active\nDefault: allow (incoming)\n',
      }),
      verdicts: [
        { id: 'host.firewall-policy', status: 'not_tested', params: { reason: /nft-ruleset: truncated could not be read in full/ } },
      ],
    },
    {
      name: 'firewall: an open ufw beside a denied ip6tables-save is open over IPv4',
      facts: firewall({ 'ufw-status': 'Status: active\nDefault: allow (incoming)\n', 'ip6tables-save': sudoDenied('ip6tables-save') }),
      verdicts: [
        {
          id: 'host.firewall-policy',
          status: 'fail',
          params: { detail: /^IPv4 open to undeclared ports\. .*IPv6 not evaluated: .*ip6tables-save not read in full$/ },
        },
      ],
    },
    {
      name: 'firewall: an open ufw beside a denied iptables-save',
      facts: firewall({ 'ufw-status': 'Status: active\nDefault: allow (incoming)\n', 'iptables-save': sudoDenied('iptables-save') }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail', params: { detail: /^IPv6 open to undeclared ports\. / } }],
    },
    {
      name: 'firewall: a tool that failed is no deny policy',
      facts: firewall({
        'ufw-status': 'Status: active\nDefault: allow (incoming)\n',
        'nft-ruleset': outcome('nft-ruleset', 'failed', '', 'netlink: Error'),
      }),
      verdicts: [{ id: 'host.firewall-policy', status: 'fail' }],
    },
    // Audit logging
    {
      name: 'audit logging: no log daemon',
      facts: facts({ processes: 'bash\nnginx\nsshd\n' }),
      verdicts: [{ id: 'host.audit-logging', status: 'fail', params: { daemons: '' }, actual: 'none' }],
    },
    {
      name: 'audit logging: an empty process list',
      facts: facts({ processes: '' }),
      verdicts: [{ id: 'host.audit-logging', status: 'fail' }],
    },
    {
      name: 'audit logging: prototype names as processes',
      facts: facts({ processes: 'constructor\n__proto__\ntoString\n' }),
      verdicts: [{ id: 'host.audit-logging', status: 'fail', params: { daemons: '' } }],
    },
    {
      name: 'audit logging: the process list timed out',
      facts: facts({ processes: outcome('processes', 'timeout') }),
      verdicts: [
        {
          id: 'host.audit-logging',
          status: 'not_tested',
          params: { reason: 'the process list could not be read (processes: timeout)' },
          actual: 'unknown',
        },
      ],
    },
    {
      name: 'audit logging: no process list run',
      facts: facts({ processes: undefined }),
      verdicts: [{ id: 'host.audit-logging', status: 'not_tested', params: { reason: 'the process list could not be read (not run)' } }],
    },
    // Log forwarding
    {
      name: 'log forwarding: local files only',
      facts: forwarding({ 'rsyslog-config': '*.* /var/log/syslog\n' }),
      verdicts: [
        {
          id: 'host.log-forwarding',
          status: 'fail',
          params: { checked: 'rsyslog-config: ok; not run; not run; not run' },
          actual: 'no forwarding found',
        },
      ],
    },
    {
      name: 'log forwarding: rsyslog forwarding commented out',
      facts: forwarding({ 'rsyslog-config': '#*.* @@siem.example.org\n' }),
      verdicts: [{ id: 'host.log-forwarding', status: 'fail' }],
    },
    {
      name: 'log forwarding: audisp-remote inactive',
      facts: forwarding({ 'audit-remote': 'active = no\n' }),
      verdicts: [{ id: 'host.log-forwarding', status: 'fail' }],
    },
    {
      name: 'log forwarding: journal-upload inactive (exit 3 read as failed, its answer still read)',
      facts: forwarding({ 'journal-upload': outcome('journal-upload', 'failed', 'inactive\n') }),
      verdicts: [{ id: 'host.log-forwarding', status: 'fail', params: { checked: /journal-upload: failed/ } }],
    },
    {
      name: 'log forwarding: every configuration empty',
      facts: forwarding({ 'rsyslog-config': '', 'syslog-ng-config': '', 'audit-remote': '', 'journal-upload': '' }),
      verdicts: [{ id: 'host.log-forwarding', status: 'fail' }],
    },
    {
      name: 'log forwarding: nothing found, a configuration denied',
      facts: forwarding({ 'rsyslog-config': '*.* /var/log/syslog\n', 'syslog-ng-config': sudoDenied('syslog-ng-config') }),
      verdicts: [
        {
          id: 'host.log-forwarding',
          status: 'not_tested',
          params: {
            reason:
              /^the logging configuration could not be read \(syslog-ng-config: denied \(sudo: a password is required\)\); allow the audit user/,
          },
        },
      ],
    },
    {
      name: 'log forwarding: the rsyslog configuration timed out, the journal-upload answer was cut',
      facts: forwarding({
        'rsyslog-config': outcome('rsyslog-config', 'timeout'),
        'journal-upload': outcome('journal-upload', 'truncated', 'active\n'),
      }),
      verdicts: [
        { id: 'host.log-forwarding', status: 'not_tested', params: { reason: /\(rsyslog-config: timeout; journal-upload: truncated\)/ } },
      ],
    },
    // sshd per user (issue 16 item 6) and against the live server (item 9)
    {
      name: 'sshd: Match User root turns passwords on for root only: fails naming root',
      facts: perUser([
        ['root', HARDENED.replace('passwordauthentication no', 'passwordauthentication yes'), ['publickey', 'password']],
        ['admin', HARDENED, ['publickey']],
      ]),
      verdicts: [
        { id: 'host.sshd-config', status: 'fail', params: { problems: 'password log-on (PasswordAuthentication yes) for root' } },
        { id: 'host.sshd-drift', status: 'pass', params: { who: 'an unknown user, root, admin' } },
      ],
    },
    {
      name: 'sshd: the same problem for two users is named once with both',
      facts: perUser([
        ['root', HARDENED.replace('passwordauthentication no', 'passwordauthentication yes'), ['password']],
        ['admin', HARDENED.replace('passwordauthentication no', 'passwordauthentication yes'), ['password']],
      ]),
      verdicts: [
        { id: 'host.sshd-config', status: 'fail', params: { problems: 'password log-on (PasswordAuthentication yes) for root, admin' } },
      ],
    },
    {
      name: "sshd: a Match block giving root PermitRootLogin yes: root's own settings decide root log-in",
      facts: perUser([['root', HARDENED.replace('permitrootlogin no', 'permitrootlogin yes'), ['publickey']]]),
      verdicts: [
        {
          id: 'host.root-login',
          status: 'fail',
          params: { value: 'yes' },
        },
        { id: 'host.sshd-config', status: 'fail', params: { problems: 'root log-in with a password (PermitRootLogin yes) for root' } },
      ],
    },
    {
      name: 'sshd: the file says passwords, the running server offers none: the server decides, the drift is a finding',
      facts: perUser([], HARDENED.replace('passwordauthentication no', 'passwordauthentication yes'), ['publickey']),
      verdicts: [
        { id: 'host.sshd-config', status: 'pass' },
        {
          id: 'host.sshd-drift',
          status: 'fail',
          params: { drift: 'an unknown user: PasswordAuthentication yes, yet the server does not offer password', port: '22' },
        },
      ],
    },
    {
      name: 'sshd: the file says no passwords, the running server offers them to root: fails, and drifts',
      facts: perUser([['root', HARDENED, ['publickey', 'password']]]),
      verdicts: [
        {
          id: 'host.sshd-config',
          status: 'fail',
          params: { problems: 'password log-on (offered on port 22 although sshd -T says PasswordAuthentication no) for root' },
        },
        { id: 'host.sshd-drift', status: 'fail', params: { drift: 'root: PasswordAuthentication no, yet the server offers password' } },
      ],
    },
    {
      name: 'sshd: the running instance was not found: the default file is read and the verdict says so',
      facts: facts({}, true, {
        instance: { port: 22, failure: 'ss -tlnp shows no sshd listening on port 22' },
        users: [],
        livePort: 22,
        live: [{ methods: ['publickey'] }],
      }),
      verdicts: [
        {
          id: 'host.sshd-drift',
          status: 'pass',
          params: { config: /^the default configuration file, as the running sshd was not found: ss -tlnp shows no sshd/ },
        },
      ],
    },
    {
      name: "sshd: one user's sshd -T -C was denied: not tested naming the user, never a pass",
      facts: perUser([['admin', sudoDenied('sshd-config-user-admin'), ['publickey']]]),
      verdicts: [
        {
          id: 'host.sshd-config',
          status: 'not_tested',
          params: { reason: /^sshd -T -C could not be read for admin \(sshd-config-user-admin: denied/ },
        },
      ],
    },
    {
      name: 'sshd: the live server did not answer: the drift is not tested, the settings alone judge',
      facts: perUser(
        [['root', HARDENED.replace('passwordauthentication no', 'passwordauthentication yes'), 'the server closed the connection']],
        HARDENED,
        'timed out',
      ),
      verdicts: [
        { id: 'host.sshd-config', status: 'fail', params: { problems: 'password log-on (PasswordAuthentication yes) for root' } },
        {
          id: 'host.sshd-drift',
          status: 'not_tested',
          params: { reason: /an unknown user: timed out; root: the server closed the connection/ },
        },
      ],
    },
    {
      name: 'sshd: user names __proto__ and constructor are names, not properties',
      facts: perUser([
        ['__proto__', HARDENED.replace('passwordauthentication no', 'passwordauthentication yes'), ['password']],
        ['constructor', HARDENED, ['publickey']],
      ]),
      verdicts: [
        { id: 'host.sshd-config', status: 'fail', params: { problems: 'password log-on (PasswordAuthentication yes) for __proto__' } },
      ],
    },
    {
      name: 'sshd: a session without the sshd reading (no instance looked for): drift not tested',
      facts: { ...facts(), session: { ...(facts().session as Extract<HostFacts['session'], { ok: true }>), sshd: undefined } },
      verdicts: [
        { id: 'host.sshd-drift', status: 'not_tested', params: { reason: 'the running sshd was not looked for in this session' } },
      ],
    },
    // sshd -T
    {
      name: 'sshd: the lab default (passwords on, root by key)',
      facts: sshd(fixture('sshd-T-lab.txt')),
      verdicts: [
        { id: 'host.sshd-config', status: 'fail', params: { problems: 'password log-on (PasswordAuthentication yes)' } },
        { id: 'host.root-login', status: 'fail', params: { value: 'without-password' } },
      ],
    },
    {
      name: 'sshd: keyboard-interactive through PAM',
      facts: sshd(HARDENED.replace('kbdinteractiveauthentication no', 'kbdinteractiveauthentication yes')),
      verdicts: [{ id: 'host.sshd-config', status: 'fail', params: { problems: 'keyboard-interactive log-on through PAM' } }],
    },
    {
      name: 'sshd: empty passwords',
      facts: sshd(HARDENED.replace('permitemptypasswords no', 'permitemptypasswords yes')),
      verdicts: [{ id: 'host.sshd-config', status: 'fail', params: { problems: 'empty passwords (PermitEmptyPasswords yes)' } }],
    },
    {
      name: 'sshd: PermitRootLogin yes',
      facts: sshd(HARDENED.replace('permitrootlogin no', 'permitrootlogin yes')),
      verdicts: [
        { id: 'host.sshd-config', status: 'fail', params: { problems: 'root log-in with a password (PermitRootLogin yes)' } },
        { id: 'host.root-login', status: 'fail', params: { value: 'yes' } },
      ],
    },
    {
      name: 'sshd: PermitRootLogin prohibit-password',
      facts: sshd(HARDENED.replace('permitrootlogin no', 'permitrootlogin prohibit-password')),
      verdicts: [
        { id: 'host.sshd-config', status: 'pass' },
        { id: 'host.root-login', status: 'fail', params: { value: 'prohibit-password' } },
      ],
    },
    {
      name: 'sshd: PermitRootLogin without-password (the old name)',
      facts: sshd(HARDENED.replace('permitrootlogin no', 'permitrootlogin without-password')),
      verdicts: [{ id: 'host.root-login', status: 'fail', params: { value: 'without-password' } }],
    },
    {
      name: 'sshd: PermitRootLogin with a value sshd does not know',
      facts: sshd(HARDENED.replace('permitrootlogin no', 'permitrootlogin __proto__')),
      verdicts: [{ id: 'host.root-login', status: 'fail', params: { value: '__proto__' } }],
    },
    {
      name: 'sshd: PermitRootLogin not printed is unknown, never a pass',
      facts: sshd('passwordauthentication no\n'),
      verdicts: [
        { id: 'host.sshd-config', status: 'not_tested' },
        {
          id: 'host.root-login',
          status: 'not_tested',
          params: { reason: /^sshd -T printed no value for permitrootlogin; run it on the gateway/ },
          actual: 'PermitRootLogin unknown',
        },
      ],
    },
    {
      name: 'sshd: -T printed none of the keywords the verdict needs',
      facts: sshd('port 22\n'),
      verdicts: [
        {
          id: 'host.sshd-config',
          status: 'not_tested',
          params: {
            reason:
              /printed no value for passwordauthentication, permitemptypasswords, permitrootlogin, usepam, kbdinteractiveauthentication;/,
          },
        },
      ],
    },
    {
      name: 'sshd: an empty output',
      facts: sshd(''),
      verdicts: [
        { id: 'host.sshd-config', status: 'not_tested' },
        { id: 'host.root-login', status: 'not_tested' },
      ],
    },
    {
      name: 'sshd: a problem seen is a fail even when other settings are missing',
      facts: sshd('passwordauthentication yes\n'),
      verdicts: [{ id: 'host.sshd-config', status: 'fail' }],
    },
    {
      name: 'sshd: prototype keywords are only keywords',
      facts: sshd('constructor yes\n__proto__ yes\ntoString no\n'),
      verdicts: [
        { id: 'host.sshd-config', status: 'not_tested' },
        { id: 'host.root-login', status: 'not_tested' },
      ],
    },
    {
      name: 'sshd: -T denied by sudo',
      facts: sshd(sudoDenied('sshd-config')),
      verdicts: [
        {
          id: 'host.sshd-config',
          status: 'not_tested',
          params: { reason: /^sshd -T could not be read \(sshd-config: denied \(sudo: a password is required\)\); it needs root/ },
          actual: 'unknown',
        },
        { id: 'host.root-login', status: 'not_tested', params: { reason: /^sshd -T could not be read/ } },
      ],
    },
    {
      name: 'sshd: -T output cut at the size limit',
      facts: sshd(outcome('sshd-config', 'truncated', HARDENED)),
      verdicts: [{ id: 'host.sshd-config', status: 'not_tested' }],
    },
    // The session
    {
      name: 'no credentials: every verdict not tested, with the reason',
      facts: {
        target: { gateway: 'gw', host: 'h' },
        session: { ok: false, credentials: false, reason: 'no SSH credentials for gw' },
        evidenceFolder: 'e',
      },
      verdicts: (
        [
          'host.firewall-policy',
          'host.audit-logging',
          'host.log-forwarding',
          'host.sshd-config',
          'host.root-login',
          'host.flow-sources',
        ] as const
      ).map((id) => ({
        id,
        status: 'not_tested' as const,
        params: { reason: 'no SSH credentials for gw' },
        actual: 'no SSH credentials for gw',
      })),
    },
    {
      name: 'a session that failed: every verdict an error',
      facts: {
        target: { gateway: 'gw', host: 'h' },
        session: { ok: false, credentials: true, reason: 'log-in as auditor failed: denied' },
        evidenceFolder: 'e',
      },
      verdicts: (['host.firewall-policy', 'host.audit-logging', 'host.log-forwarding', 'host.sshd-config', 'host.root-login'] as const).map(
        (id) => ({
          id,
          status: 'error' as const,
          params: { reason: 'log-in as auditor failed: denied' },
        }),
      ),
    },
  ],
});

describe('host: evidence', () => {
  it('names the session and its host key, and cites the output each verdict rests on', () => {
    const [fw, audit, logs, config, root] = judgeHost(
      facts({ 'nft-ruleset': nftAccept, 'ufw-status': 'Status: active\nDefault: deny (incoming)\n' }),
    );
    expect(fw!.evidence).toMatchObject({
      source: 'SSH session as auditor, host key SHA256:abc (verified against knownHosts)',
      artefacts: ['evidence/gateways/gw/host/ufw-status.txt'],
    });
    expect(fw!.evidence.raw).toBe('Status: active\nDefault: deny (incoming)\n');
    expect(audit!.evidence.artefacts).toEqual(['evidence/gateways/gw/host/processes.txt']);
    expect(logs!.evidence.artefacts).toHaveLength(4);
    expect(config!.evidence.artefacts).toEqual(['evidence/gateways/gw/host/sshd-config.txt']);
    expect(root!.evidence.artefacts).toEqual(config!.evidence.artefacts);
    expect(judgeHost(facts({}, false))[0]!.evidence.source).toBe(
      'SSH session as auditor, host key SHA256:abc (not verified: no knownHosts given)',
    );
  });

  it('keeps at most 2000 characters of the deciding dump as the raw excerpt', () => {
    const huge = `${nftDrop}\n${'# padding\n'.repeat(10_000)}`;
    expect(judgeHost(facts({ 'nft-ruleset': huge }))[0]!.evidence.raw).toHaveLength(2000);
  });
});

describe('host: what history compares', () => {
  it('observes the host firewall verdict with what decided it', () => {
    expect(observeHost(facts())).toEqual([
      {
        kind: 'firewall',
        gateway: 'gw',
        view: 'host',
        verdict: 'pass',
        detail: 'IPv4 and IPv6 deny by default: nftables, table inet cocoscan_lab, chain input (policy drop): other ports drop',
      },
    ]);
    expect(observeHost(firewall({ 'ufw-status': 'Status: inactive\n' }))).toEqual([
      {
        kind: 'firewall',
        gateway: 'gw',
        view: 'host',
        verdict: 'fail',
        detail: 'IPv4 and IPv6 accept by default: ufw, ufw is inactive: other ports accept',
      },
    ]);
  });

  it('observes nothing for a firewall that could not be read, or without a session', () => {
    expect(observeHost(firewall({ 'iptables-save': iptablesOpen, 'nft-ruleset': outcome('nft-ruleset', 'timeout') }))).toEqual([]);
    expect(
      observeHost({ target: { gateway: 'gw', host: 'h' }, session: { ok: false, credentials: false, reason: 'x' }, evidenceFolder: 'e' }),
    ).toEqual([]);
  });
});

describe('firewall tools that could not be read in full', () => {
  it('a denied, timed-out or cut tool may hold the deny policy; a missing or failed one cannot', () => {
    const status = (s: CommandStatus) => ({ status: s });
    expect(
      unreadFirewallSources({
        'nft-ruleset': status('denied'),
        'iptables-save': status('ok'),
        'ufw-status': status('timeout'),
        firewalld: status('truncated'),
      }),
    ).toEqual(['nft-ruleset', 'ufw-status', 'firewalld']);
    expect(
      unreadFirewallSources({ 'nft-ruleset': status('missing'), 'iptables-save': status('ok'), 'ufw-status': status('failed') }),
    ).toEqual([]);
  });
});

describe('host: a flow open only to given sources, on a hostile ruleset', () => {
  it('reads 20 000 rules naming 10 000 addresses in bounded time, and says it could not evaluate them all', () => {
    const rules = Array.from({ length: 20_000 }, (_, i) => `ip saddr 10.${(i >> 8) & 255}.${i & 255}.${i >> 16} tcp dport 8443 drop`);
    const started = performance.now();
    const [verdict] = judgeHost(restricting(nftWith8443(rules.join('\n\t\t')))).filter((v) => v.id === 'host.flow-sources');
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(verdict?.status).toBe('not_tested');
    expect(verdict?.params?.reason).toMatch(/more than \d+ address ranges to evaluate/);
  });
});
