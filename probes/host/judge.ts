import type { FindingStatus, FindingTarget } from '../../src/findings.ts';
import type { Observation } from '../../src/history/observation.ts';
import { UNREAD_STATUSES, type CommandOutcome } from '../../src/host/commands.ts';
import {
  FIREWALL_SOURCES,
  judgeFirewall,
  judgeFlowSources,
  readFirewallDumps,
  type FirewallReading,
} from '../../src/host/firewall-rules.ts';
import { judgeAuditLogging, judgeLogForwarding } from '../../src/host/logging.ts';
import { judgeRootLogin, judgeSshdConfig, readSshdSettings } from '../../src/host/sshd-config.ts';
import { userConfigName } from '../../src/host/sshd-instance.ts';
import { findingIds, type Verdict } from '../../src/probe/contract.ts';
import { HOST_FINDINGS, type HostFindingId } from './findings.ts';
import type { HostFacts, SshdFacts } from './gather.ts';

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
 * Each flow open only to given sources: its port must refuse every other source, over IPv4 and IPv6, by the rules
 * in order. The scanner outside those sources cannot test it; the ruleset is the evidence.
 */
function flowSources(c: Common, commands: Commands, declared: HostFacts['declared'] = []): HostVerdict[] {
  const restricted = declared.filter((d) => d.sources && d.sources.length > 0);
  if (restricted.length === 0) {
    const reason = 'no declared flow names its allowed sources';
    return [
      verdict(
        c,
        'host.flow-sources',
        'not_applicable',
        { reason },
        { expected: 'flows restricted to their sources', actual: reason, artefacts: [] },
      ),
    ];
  }
  const { dumps, readings } = firewallOf(commands, declared);
  const unread = unreadFirewallSources(commands);
  return restricted.map((port): HostVerdict => {
    const sources = (port.sources ?? []).join(', ');
    const target: FindingTarget = { ...c.target, port: port.port, transport: port.transport, ...(port.flow ? { flow: port.flow } : {}) };
    const at = { ...c, target };
    const expected = `${port.transport}/${port.port} accepted only from ${sources}, over IPv4 and IPv6`;
    const judgement = judgeFlowSources(readings, port, unread);
    const params = { flow: port.flow ?? `${port.transport}/${port.port}`, sources, detail: judgement.detail };
    const artefacts = judgement.sources.map((name) => artefact(c, name));
    if (judgement.status !== 'not_tested') {
      const raw =
        judgement.status === 'pass'
          ? judgement.sources
              .map((name) => dumps.get(name) ?? '')
              .join('\n')
              .slice(0, 2000)
          : undefined;
      return verdict(at, 'host.flow-sources', judgement.status, params, {
        expected,
        actual: judgement.detail,
        artefacts,
        ...(raw ? { raw } : {}),
      });
    }
    const reason =
      judgement.sources.length === 0
        ? `no firewall tool could be read (${FIREWALL_SOURCES.map((name) => why(commands[name])).join('; ')})`
        : `the rules for ${port.transport}/${port.port} could not be evaluated for every other source (${judgement.detail})`;
    const everyArtefact = FIREWALL_SOURCES.map((name) => artefact(c, name));
    return verdict(at, 'host.flow-sources', 'not_tested', { ...params, reason }, { expected, actual: reason, artefacts: everyArtefact });
  });
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
  return [
    firewallPolicy(c, commands, facts.declared),
    auditLogging(c, commands),
    logForwarding(c, commands),
    ...sshd(c, commands, session.sshd),
    ...flowSources(c, commands, facts.declared),
  ];
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

/** One reading of sshd's settings: the plain `sshd -T` (no user) or one user's `sshd -T -C user=…`. */
interface SshdView {
  user?: string;
  name: string;
  settings?: ReadonlyMap<string, string>;
  outcome?: CommandOutcome;
  /** What the server offered the same user on the session's port, when it answered. */
  live?: string[];
}

const PASSWORD_PROBLEM = 'password log-on (PasswordAuthentication yes)';
const forUsers = (users: string[]) => (users.length > 0 ? ` for ${users.join(', ')}` : '');

function sshdViews(commands: Commands, sshd: SshdFacts | undefined): SshdView[] {
  const liveOf = (user?: string) => {
    const answer = sshd?.live.find((l) => l.user === user);
    return answer && 'methods' in answer ? answer.methods : undefined;
  };
  const view = (name: string, user?: string): SshdView => {
    const text = stdoutOf(commands, name);
    const live = liveOf(user);
    return {
      name,
      ...(user !== undefined ? { user } : {}),
      ...(text !== undefined ? { settings: readSshdSettings(text) } : {}),
      ...(commands[name] ? { outcome: commands[name] } : {}),
      ...(live ? { live } : {}),
    };
  };
  return [view('sshd-config'), ...(sshd?.users ?? []).map((user) => view(userConfigName(user), user))];
}

/** The configuration that was read: the running instance's file, or the default one and why. */
function configRead(sshd: SshdFacts | undefined): string {
  if (!sshd) return 'the default configuration file';
  const instance = sshd.instance;
  return 'pid' in instance
    ? `${instance.configFile} of the sshd (pid ${instance.pid}) listening on port ${instance.port}`
    : `the default configuration file, as the running sshd was not found: ${instance.failure}`;
}

/** Where a user's settings and the live server disagree about password log-on: "root: sshd -T says no, the server offers it". */
function driftOf(view: SshdView): string | undefined {
  if (!view.settings || !view.live) return undefined;
  const configured = view.settings.get('passwordauthentication');
  if (configured === undefined) return undefined;
  const offered = view.live.includes('password');
  if ((configured === 'yes') === offered) return undefined;
  const who = view.user ?? 'an unknown user';
  return `${who}: PasswordAuthentication ${configured}, yet the server ${offered ? 'offers' : 'does not offer'} password`;
}

function sshd(c: Common, commands: Commands, facts: SshdFacts | undefined): [HostVerdict, HostVerdict, HostVerdict] {
  const views = sshdViews(commands, facts);
  const artefacts = views.map((v) => artefact(c, v.name));
  const drift = sshdDrift(c, views, facts, artefacts);
  const global = views[0]!;
  if (!global.settings) {
    const reason =
      `sshd -T could not be read (${why(commands['sshd-config'])}); it needs root: ` + 'allow it through sudo and set ssh.sudo: true';
    return [
      verdict(c, 'host.sshd-config', 'not_tested', { reason }, { expected: 'sshd settings', actual: 'unknown', artefacts }),
      verdict(c, 'host.root-login', 'not_tested', { reason }, { expected: 'PermitRootLogin no', actual: 'unknown', artefacts }),
      drift,
    ];
  }
  const unprinted = (names: string[]) =>
    `sshd -T printed no value for ${names.join(', ')}; ` +
    'run it on the gateway to see why (an old or patched sshd, or a wrapper that filters its output)';
  const config = judgeSshdConfig(global.settings);
  // Each problem once, with the users whose Match blocks alone give it; the live answer decides about passwords.
  const problemUsers = new Map<string, string[]>();
  const add = (problem: string, user: string | undefined) => {
    const users = problemUsers.get(problem) ?? [];
    if (user !== undefined && !users.includes(user)) users.push(user);
    problemUsers.set(problem, users);
  };
  const globalProblems = new Set<string>();
  for (const view of views) {
    if (!view.settings) continue;
    const problems = judgeSshdConfig(view.settings).problems;
    const passwordOffered = view.live?.includes('password');
    for (const problem of problems) {
      if (problem === PASSWORD_PROBLEM && passwordOffered === false) continue;
      if (view.user === undefined) globalProblems.add(problem);
      else if (!globalProblems.has(problem)) add(problem, view.user);
      if (view.user === undefined) add(problem, undefined);
    }
    if (passwordOffered && !problems.includes(PASSWORD_PROBLEM)) {
      const offered = `password log-on (offered on port ${facts?.livePort ?? '?'} although sshd -T says PasswordAuthentication no)`;
      if (view.user === undefined) {
        globalProblems.add(offered);
        add(offered, undefined);
      } else if (!globalProblems.has(offered)) add(offered, view.user);
    }
  }
  const problems = [...problemUsers].map(([problem, users]) => `${problem}${globalProblems.has(problem) ? '' : forUsers(users)}`);
  const unreadUsers = views.filter((v) => v.user !== undefined && !v.settings);
  const shown = views.length > 1 ? `${config.shown} (${configRead(facts)})` : config.shown;
  const evidence = { expected: 'no password, empty-password or root password log-on for any user', actual: shown, artefacts };
  const configVerdict =
    problems.length > 0
      ? verdict(c, 'host.sshd-config', 'fail', { problems: problems.join(', ') }, evidence)
      : config.status === 'unknown'
        ? verdict(c, 'host.sshd-config', 'not_tested', { reason: unprinted(config.missing) }, evidence)
        : unreadUsers.length > 0
          ? verdict(
              c,
              'host.sshd-config',
              'not_tested',
              {
                reason: `sshd -T -C could not be read for ${unreadUsers.map((v) => `${v.user} (${why(v.outcome)})`).join(', ')}`,
              },
              evidence,
            )
          : verdict(c, 'host.sshd-config', 'pass', { settings: config.shown }, evidence);
  // Root's own settings (a Match User root block) decide; without them, the plain ones.
  const rootView = views.find((v) => v.user === 'root' && v.settings) ?? global;
  const root = judgeRootLogin(rootView.settings!);
  const rootArtefacts = [artefact(c, rootView.name)];
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
            artefacts: rootArtefacts,
          },
        )
      : verdict(
          c,
          'host.root-login',
          root.status,
          { value: root.value },
          { expected: 'PermitRootLogin no', actual: `PermitRootLogin ${root.value}`, artefacts: rootArtefacts },
        );
  return [configVerdict, rootVerdict, drift];
}

/** The settings read against the live server, user by user: a disagreement is a finding of its own. */
function sshdDrift(c: Common, views: SshdView[], facts: SshdFacts | undefined, artefacts: string[]): HostVerdict {
  const expected = 'the settings read agree with what the server offers';
  const config = configRead(facts);
  const compared = views.filter((v) => v.settings?.has('passwordauthentication') && v.live);
  if (!facts || compared.length === 0) {
    const unasked = facts?.live.flatMap((l) => ('failure' in l ? [`${l.user ?? 'an unknown user'}: ${l.failure}`] : [])) ?? [];
    const global = views[0];
    const reason = !facts
      ? 'the running sshd was not looked for in this session'
      : !global?.settings
        ? `nothing to compare: sshd -T could not be read (${why(global?.outcome)})`
        : `nothing to compare: ${unasked.length > 0 ? `the server did not answer (${unasked.join('; ')})` : 'sshd -T printed no PasswordAuthentication'}`;
    return verdict(c, 'host.sshd-drift', 'not_tested', { reason }, { expected, actual: 'unknown', artefacts });
  }
  const drift = compared.map(driftOf).filter((d): d is string => d !== undefined);
  const port = String(facts.livePort);
  if (drift.length > 0) {
    return verdict(
      c,
      'host.sshd-drift',
      'fail',
      { config, port, drift: drift.join('; ') },
      { expected, actual: drift.join('; '), artefacts },
    );
  }
  const who = compared.map((v) => v.user ?? 'an unknown user').join(', ');
  return verdict(c, 'host.sshd-drift', 'pass', { config, port, who }, { expected, actual: `agree for ${who}`, artefacts });
}

/** The host's own firewall verdict, for comparison with a later run, with what decided it. */
export function observeHost(facts: HostFacts): Observation[] {
  if (!facts.session.ok) return [];
  const { judgement } = firewallOf(facts.session.commands, facts.declared);
  if (judgement.status !== 'pass' && judgement.status !== 'fail') return [];
  return [{ kind: 'firewall', gateway: facts.target.gateway, view: 'host', verdict: judgement.status, detail: judgement.detail }];
}
