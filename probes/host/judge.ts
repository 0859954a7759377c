import type { FindingStatus, FindingTarget } from '../../src/findings.ts';
import type { Observation } from '../../src/history/observation.ts';
import { UNREAD_STATUSES, type CommandOutcome } from '../../src/host/commands.ts';
import { FIREWALL_SOURCES, judgeFirewall, readFirewallDumps, type FirewallReading } from '../../src/host/firewall-rules.ts';
import { judgeAuditLogging, judgeLogForwarding } from '../../src/host/logging.ts';
import { judgeRootLogin, judgeSshdConfig, readSshdSettings } from '../../src/host/sshd-config.ts';
import { findingIds, type Verdict } from '../../src/probe/contract.ts';
import { HOST_FINDINGS, type HostFindingId } from './findings.ts';
import type { HostFacts } from './gather.ts';

export type { HostFacts, HostSessionFacts } from './gather.ts';
type HostVerdict = Verdict<HostFindingId>;
type Commands = Readonly<Record<string, CommandOutcome>>;

/** What every verdict of one gateway shares: its target, the session as the evidence names it, the artefact folder. */
interface Common {
  target: FindingTarget;
  source: string;
  evidenceFolder: string;
}

const LOG_FILES = ['rsyslog-config', 'syslog-ng-config', 'audit-remote', 'journal-upload'];

function verdict(
  c: Common,
  id: HostFindingId,
  status: FindingStatus,
  params: Record<string, string>,
  evidence: { expected: string; actual: string; artefacts: string[]; raw?: string },
): HostVerdict {
  const { expected, actual, raw, artefacts } = evidence;
  return {
    id,
    target: c.target,
    status,
    params: { gateway: c.target.gateway, ...params },
    evidence: { source: c.source, expected, actual, raw, artefacts },
  };
}

const artefact = (c: Common, name: string) => `${c.evidenceFolder}/${name}.txt`;
const stdoutOf = (commands: Commands, name: string) => (commands[name]?.status === 'ok' ? commands[name].stdout : undefined);

/** A command's outcome in a few words, for a reason: "nft-ruleset: denied (sudo: a password is required)". */
function why(outcome: CommandOutcome | undefined): string {
  if (!outcome) return 'not run';
  return `${outcome.name}: ${outcome.status}${outcome.stderr ? ` (${outcome.stderr.trim().split('\n')[0]})` : ''}`;
}

/** The firewall tools whose output could not be read in full (denied, timed out, cut): they may hold a deny policy. */
export function unreadFirewallSources(commands: Readonly<Record<string, Pick<CommandOutcome, 'status'> | undefined>>): string[] {
  return FIREWALL_SOURCES.filter((name) => UNREAD_STATUSES.has(commands[name]?.status ?? 'ok'));
}

/** Each firewall tool's dump that was read, and the judgement of them all. */
function firewallOf(commands: Commands, declared: HostFacts['declared'] = []) {
  const dumps = new Map<string, string>(
    FIREWALL_SOURCES.flatMap((name) => {
      const text = stdoutOf(commands, name);
      return text === undefined ? [] : [[name, text] as const];
    }),
  );
  const readings: FirewallReading[] = readFirewallDumps(dumps, declared);
  // A tool that was denied, timed out or whose output was cut may hold the deny policy the others lack.
  return { dumps, readings, judgement: judgeFirewall(readings, unreadFirewallSources(commands)) };
}

/**
 * Judges the gateway's own controls from its SSH session. Pure. Without credentials every verdict is not
 * tested; a session that failed is an error. A tool that could not be read is never a pass or a fail.
 */
export function judgeHost(facts: HostFacts): HostVerdict[] {
  const { target, session, evidenceFolder } = facts;
  if (!session.ok) {
    const c: Common = { target, source: 'cocoscan host collection', evidenceFolder };
    const status: FindingStatus = session.credentials ? 'error' : 'not_tested';
    const evidence = { expected: 'facts read over SSH', actual: session.reason, artefacts: [] };
    return findingIds(HOST_FINDINGS).map((id) => verdict(c, id, status, { reason: session.reason }, evidence));
  }
  const verified = session.hostKeyVerified ? ' (verified against knownHosts)' : ' (not verified: no knownHosts given)';
  const c: Common = {
    target,
    source: `SSH session as ${session.username}, host key ${session.hostKeyFingerprint}${verified}`,
    evidenceFolder,
  };
  const { commands } = session;
  return [firewallPolicy(c, commands, facts.declared), auditLogging(c, commands), logForwarding(c, commands), ...sshd(c, commands)];
}

/**
 * Both address families must deny undeclared ports by default, by the rules in order; a family open fails,
 * naming it; one the reader cannot evaluate or read in full is not tested.
 */
function firewallPolicy(c: Common, commands: Commands, declared: HostFacts['declared']): HostVerdict {
  const { dumps, judgement } = firewallOf(commands, declared);
  const expected = 'inbound traffic to undeclared ports dropped or rejected by default, over IPv4 and IPv6';
  const artefacts = judgement.sources.map((name) => artefact(c, name));
  if (judgement.status === 'pass') {
    const raw = judgement.sources
      .map((name) => dumps.get(name) ?? '')
      .join('\n')
      .slice(0, 2000);
    return verdict(c, 'host.firewall-policy', 'pass', { detail: judgement.detail }, { expected, actual: judgement.detail, artefacts, raw });
  }
  if (judgement.status === 'fail') {
    return verdict(c, 'host.firewall-policy', 'fail', { detail: judgement.detail }, { expected, actual: judgement.detail, artefacts });
  }
  const everyArtefact = FIREWALL_SOURCES.map((name) => artefact(c, name));
  const unread = judgement.unread.map((name) => why(commands[name])).join('; ');
  const reason =
    judgement.sources.length === 0
      ? `no firewall tool could be read (${FIREWALL_SOURCES.map((name) => why(commands[name])).join('; ')}); ` +
        'if they are only denied, allow them through sudo and set ssh.sudo: true'
      : `no default deny proven for both IPv4 and IPv6 (${judgement.detail})` +
        (unread ? `; ${unread} could not be read in full and may hold it` : '');
  return verdict(c, 'host.firewall-policy', 'not_tested', { reason }, { expected, actual: reason, artefacts: everyArtefact });
}

function auditLogging(c: Common, commands: Commands): HostVerdict {
  const expected = 'auditd or a syslog daemon running';
  const artefacts = [artefact(c, 'processes')];
  const processes = stdoutOf(commands, 'processes');
  if (processes === undefined) {
    const reason = `the process list could not be read (${why(commands.processes)})`;
    return verdict(c, 'host.audit-logging', 'not_tested', { reason }, { expected, actual: 'unknown', artefacts });
  }
  const logging = judgeAuditLogging(processes);
  return verdict(
    c,
    'host.audit-logging',
    logging.status,
    { daemons: logging.daemons.join(', ') },
    { expected, actual: logging.daemons.join(', ') || 'none', artefacts },
  );
}

function logForwarding(c: Common, commands: Commands): HostVerdict {
  const expected = 'logs sent to a collector off the gateway';
  const artefacts = LOG_FILES.map((name) => artefact(c, name));
  // Refused, timed out or cut: the configuration that was not read may hold the forwarding.
  const unread = LOG_FILES.filter((name) => UNREAD_STATUSES.has(commands[name]?.status ?? 'ok'));
  const journal = commands['journal-upload'];
  const configs = {
    rsyslog: stdoutOf(commands, 'rsyslog-config'),
    syslogNg: stdoutOf(commands, 'syslog-ng-config'),
    auditRemote: stdoutOf(commands, 'audit-remote'),
    // `systemctl is-active` exits non-zero for an inactive unit; its answer is still read.
    journalUpload: journal && !UNREAD_STATUSES.has(journal.status) ? journal.stdout : undefined,
  };
  const forwarding = judgeLogForwarding(configs, unread);
  if (forwarding.status === 'pass') {
    const destinations = forwarding.destinations.join('; ');
    return verdict(c, 'host.log-forwarding', 'pass', { destinations }, { expected, actual: destinations, artefacts });
  }
  if (forwarding.status === 'not_tested') {
    // A configuration that could not be read may hold the forwarding: that is not a finding either way.
    const reason =
      `the logging configuration could not be read (${unread.map((name) => why(commands[name])).join('; ')}); ` +
      'allow the audit user to read it, or check why the gateway answers slowly';
    return verdict(c, 'host.log-forwarding', 'not_tested', { reason }, { expected, actual: 'unknown', artefacts });
  }
  const checked = LOG_FILES.map((name) => why(commands[name])).join('; ');
  return verdict(c, 'host.log-forwarding', 'fail', { checked }, { expected, actual: 'no forwarding found', artefacts });
}

function sshd(c: Common, commands: Commands): [HostVerdict, HostVerdict] {
  const artefacts = [artefact(c, 'sshd-config')];
  const text = stdoutOf(commands, 'sshd-config');
  if (text === undefined) {
    const reason =
      `sshd -T could not be read (${why(commands['sshd-config'])}); it needs root: ` + 'allow it through sudo and set ssh.sudo: true';
    return [
      verdict(c, 'host.sshd-config', 'not_tested', { reason }, { expected: 'sshd settings', actual: 'unknown', artefacts }),
      verdict(c, 'host.root-login', 'not_tested', { reason }, { expected: 'PermitRootLogin no', actual: 'unknown', artefacts }),
    ];
  }
  const settings = readSshdSettings(text);
  const unprinted = (names: string[]) =>
    `sshd -T printed no value for ${names.join(', ')}; ` +
    'run it on the gateway to see why (an old or patched sshd, or a wrapper that filters its output)';
  const config = judgeSshdConfig(settings);
  const evidence = { expected: 'no password, empty-password or root password log-on', actual: config.shown, artefacts };
  const configVerdict =
    config.status === 'fail'
      ? verdict(c, 'host.sshd-config', 'fail', { problems: config.problems.join(', ') }, evidence)
      : config.status === 'unknown'
        ? verdict(c, 'host.sshd-config', 'not_tested', { reason: unprinted(config.missing) }, evidence)
        : verdict(c, 'host.sshd-config', 'pass', { settings: config.shown }, evidence);
  const root = judgeRootLogin(settings);
  const rootVerdict =
    root.status === 'unknown'
      ? verdict(
          c,
          'host.root-login',
          'not_tested',
          { reason: unprinted(['permitrootlogin']) },
          {
            expected: 'PermitRootLogin no',
            actual: 'PermitRootLogin unknown',
            artefacts,
          },
        )
      : verdict(
          c,
          'host.root-login',
          root.status,
          { value: root.value },
          { expected: 'PermitRootLogin no', actual: `PermitRootLogin ${root.value}`, artefacts },
        );
  return [configVerdict, rootVerdict];
}

/** The host's own firewall verdict, for comparison with a later run, with what decided it. */
export function observeHost(facts: HostFacts): Observation[] {
  if (!facts.session.ok) return [];
  const { judgement } = firewallOf(facts.session.commands, facts.declared);
  if (judgement.status !== 'pass' && judgement.status !== 'fail') return [];
  return [{ kind: 'firewall', gateway: facts.target.gateway, view: 'host', verdict: judgement.status, detail: judgement.detail }];
}
