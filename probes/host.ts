import { z } from 'zod';
import { gatewayEvidencePath } from '../src/evidence-store.ts';
import type { Gateway } from '../src/connection/schema.ts';
import type { Finding, FindingStatus } from '../src/findings.ts';
import { UNREAD_STATUSES, type CommandOutcome } from '../src/host/commands.ts';
import { FIREWALL_SOURCES, judgeFirewall, readFirewallDumps } from '../src/host/firewall-rules.ts';
import { judgeAuditLogging, judgeLogForwarding } from '../src/host/logging.ts';
import { judgeRootLogin, judgeSshdConfig, readSshdSettings } from '../src/host/sshd-config.ts';
import { defineFindings, defineProbe, findingIds, type FindingIdOf, type ProbeContext } from '../src/probe/contract.ts';

const hostFindings = defineFindings({
  'host.firewall-policy': {
    severity: 'high',
    title: "The gateway's own firewall denies inbound traffic by default",
    messages: { pass: '{gateway} host firewall denies by default: {detail}', fail: '{gateway} host firewall does not deny by default: {detail}' },
  },
  'host.audit-logging': {
    severity: 'medium',
    title: 'The gateway keeps its own audit logs',
    messages: { pass: '{gateway} runs {daemons}', fail: '{gateway} runs no audit or syslog daemon' },
  },
  'host.log-forwarding': {
    severity: 'medium',
    title: 'Logs are forwarded off the gateway for protective monitoring',
    messages: { pass: '{gateway} forwards logs: {destinations}', fail: '{gateway} forwards no logs off the box ({checked})' },
  },
  'host.sshd-config': {
    severity: 'high',
    title: 'sshd refuses passwords and root log-in with a password',
    messages: { pass: '{gateway} sshd: {settings}', fail: '{gateway} sshd allows {problems}' },
  },
  'host.root-login': {
    severity: 'low',
    title: 'No direct SSH log-in to root',
    messages: { pass: '{gateway} sshd: PermitRootLogin {value}', fail: '{gateway} sshd lets root log in directly with a key (PermitRootLogin {value})' },
  },
});
type HostFindingId = FindingIdOf<typeof hostFindings>;

export default defineProbe({
  meta: {
    id: 'host',
    title: "The gateway's own firewall, audit logs and sshd settings (authenticated)",
    description:
      'Over an SSH session with the credentials the connection file names, runs read-only commands once per gateway ' +
      "(nft, iptables-save, ufw, firewall-cmd, ps, the syslog configuration, sshd -T) and judges the gateway's own controls. Without credentials every finding is not tested.",
    reads: ['hostSession'],
    thresholds: z.strictObject({}),
    findings: hostFindings,
  },

  async run(ctx) {
    const perGateway = await Promise.all(ctx.connection.gateways.map((gateway) => judgeGateway(ctx, gateway)));
    return perGateway.flat();
  },
});

/** The firewall tools whose output could not be read in full (denied, timed out, cut): they may hold a deny policy. */
export function unreadFirewallSources(commands: Readonly<Record<string, Pick<CommandOutcome, 'status'> | undefined>>): string[] {
  return FIREWALL_SOURCES.filter((name) => UNREAD_STATUSES.has(commands[name]?.status ?? 'ok'));
}

async function judgeGateway(ctx: ProbeContext<unknown, HostFindingId>, gateway: Gateway): Promise<Finding[]> {
  const session = await ctx.facts.hostSession(gateway);
  const target = { gateway: gateway.name, host: gateway.host };
  const source = session.ok ? `SSH session as ${session.username}, host key ${session.hostKeyFingerprint}${session.hostKeyVerified ? ' (verified against knownHosts)' : ' (not verified: no knownHosts given)'}` : 'cocoscan host collection';
  const artefact = (name: string) => gatewayEvidencePath(gateway.name, 'host', `${name}.txt`);
  const make = (id: HostFindingId, status: FindingStatus, params: Record<string, string>, expected: string, actual: string, artefacts: string[], raw?: string) =>
    ctx.finding({ id, target, status, params: { gateway: gateway.name, ...params }, evidence: { source, expected, actual, raw, artefacts } });

  if (!session.ok) {
    const status: FindingStatus = session.credentials ? 'error' : 'not_tested';
    return findingIds(hostFindings).map((id) => make(id, status, { reason: session.reason }, 'facts read over SSH', session.reason, []));
  }
  const out = (name: string): CommandOutcome | undefined => session.commands[name];
  const why = (outcome: CommandOutcome | undefined) => (outcome ? `${outcome.name}: ${outcome.status}${outcome.stderr ? ` (${outcome.stderr.trim().split('\n')[0]})` : ''}` : 'not run');
  const findings: Finding[] = [];

  // Firewall: any tool that shows a default-deny input policy is enough; an open or empty one fails.
  const dumps = new Map<string, string>(FIREWALL_SOURCES.flatMap((name) => (out(name)?.status === 'ok' ? [[name, out(name)!.stdout] as const] : [])));
  const readings = readFirewallDumps(dumps);
  // A tool that was denied, timed out or whose output was cut may hold the deny policy the others lack.
  const firewall = judgeFirewall(readings, unreadFirewallSources(session.commands));
  const fwExpected = 'a default drop or reject policy on inbound traffic';
  const fwActual = readings.map((r) => `${r.reading.tool}: ${r.reading.detail}`).join('; ');
  if (firewall.status === 'pass') findings.push(make('host.firewall-policy', 'pass', { detail: firewall.detail }, fwExpected, fwActual, firewall.sources.map(artefact), dumps.get(firewall.sources[0]!)!.slice(0, 2000)));
  else if (firewall.status === 'not_tested' && firewall.partial) {
    const reason = `no default-deny policy in what could be read (${firewall.partial}), but ${firewall.unread.map((name) => why(out(name))).join('; ')} could not be read in full and may hold it`;
    findings.push(make('host.firewall-policy', 'not_tested', { reason }, fwExpected, reason, FIREWALL_SOURCES.map(artefact)));
  } else if (firewall.status === 'fail') findings.push(make('host.firewall-policy', 'fail', { detail: firewall.detail }, fwExpected, fwActual, firewall.sources.map(artefact)));
  else {
    const reason = `no firewall tool could be read (${FIREWALL_SOURCES.map((name) => why(out(name))).join('; ')}); if they are only denied, allow them through sudo and set ssh.sudo: true`;
    findings.push(make('host.firewall-policy', 'not_tested', { reason }, fwExpected, reason, FIREWALL_SOURCES.map(artefact)));
  }

  const processes = out('processes');
  if (processes?.status === 'ok') {
    const logging = judgeAuditLogging(processes.stdout);
    findings.push(make('host.audit-logging', logging.status, { daemons: logging.daemons.join(', ') }, 'auditd or a syslog daemon running', logging.daemons.join(', ') || 'none', [artefact('processes')]));
  } else {
    findings.push(make('host.audit-logging', 'not_tested', { reason: `the process list could not be read (${why(processes)})` }, 'auditd or a syslog daemon running', 'unknown', [artefact('processes')]));
  }

  const text = (name: string) => (out(name)?.status === 'ok' ? out(name)!.stdout : undefined);
  const logFiles = ['rsyslog-config', 'syslog-ng-config', 'audit-remote', 'journal-upload'];
  // Refused, timed out or cut: the configuration that was not read may hold the forwarding.
  const denied = logFiles.filter((n) => UNREAD_STATUSES.has(out(n)?.status ?? 'ok'));
  const journal = out('journal-upload');
  const forwarding = judgeLogForwarding({ rsyslog: text('rsyslog-config'), syslogNg: text('syslog-ng-config'), auditRemote: text('audit-remote'), journalUpload: journal && !UNREAD_STATUSES.has(journal.status) ? journal.stdout : undefined }, denied);
  if (forwarding.status === 'pass') {
    const destinations = forwarding.destinations.join('; ');
    findings.push(make('host.log-forwarding', 'pass', { destinations }, 'logs sent to a collector off the gateway', destinations, logFiles.map(artefact)));
  } else if (forwarding.status === 'not_tested') {
    // A configuration that could not be read may hold the forwarding: that is not a finding either way.
    const reason = `the logging configuration could not be read (${denied.map((n) => why(out(n))).join('; ')}); allow the audit user to read it, or check why the gateway answers slowly`;
    findings.push(make('host.log-forwarding', 'not_tested', { reason }, 'logs sent to a collector off the gateway', 'unknown', logFiles.map(artefact)));
  } else {
    findings.push(make('host.log-forwarding', 'fail', { checked: logFiles.map((n) => why(out(n))).join('; ') }, 'logs sent to a collector off the gateway', 'no forwarding found', logFiles.map(artefact)));
  }

  const sshd = out('sshd-config');
  if (sshd?.status === 'ok') {
    const settings = readSshdSettings(sshd.stdout);
    const config = judgeSshdConfig(settings);
    const unprinted = (names: string[]) => `sshd -T printed no value for ${names.join(', ')}; run it on the gateway to see why (an old or patched sshd, or a wrapper that filters its output)`;
    const expected = 'no password, empty-password or root password log-on';
    findings.push(
      config.status === 'fail'
        ? make('host.sshd-config', 'fail', { problems: config.problems.join(', ') }, expected, config.shown, [artefact('sshd-config')])
        : config.status === 'unknown'
          ? make('host.sshd-config', 'not_tested', { reason: unprinted(config.missing) }, expected, config.shown, [artefact('sshd-config')])
          : make('host.sshd-config', 'pass', { settings: config.shown }, expected, config.shown, [artefact('sshd-config')]),
    );
    const root = judgeRootLogin(settings);
    findings.push(
      root.status === 'unknown'
        ? make('host.root-login', 'not_tested', { reason: unprinted(['permitrootlogin']) }, 'PermitRootLogin no', 'PermitRootLogin unknown', [artefact('sshd-config')])
        : make('host.root-login', root.status, { value: root.value }, 'PermitRootLogin no', `PermitRootLogin ${root.value}`, [artefact('sshd-config')]),
    );
  } else {
    const reason = `sshd -T could not be read (${why(sshd)}); it needs root: allow it through sudo and set ssh.sudo: true`;
    findings.push(make('host.sshd-config', 'not_tested', { reason }, 'sshd settings', 'unknown', [artefact('sshd-config')]));
    findings.push(make('host.root-login', 'not_tested', { reason }, 'PermitRootLogin no', 'unknown', [artefact('sshd-config')]));
  }
  return findings;
}
