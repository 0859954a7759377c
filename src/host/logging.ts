/** Log daemons whose presence means the gateway keeps its own logs. */
const LOG_DAEMONS = ['auditd', 'rsyslogd', 'syslog-ng', 'syslogd', 'systemd-journal', 'journald'];

export function runningLogDaemons(processList: string): string[] {
  const names = new Set(
    processList
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  return LOG_DAEMONS.filter((daemon) => [...names].some((n) => n === daemon || n.startsWith(daemon)));
}

/** Destinations logs are forwarded to, read from rsyslog, syslog-ng and audisp-remote configuration. */
export function logForwarding(configs: { rsyslog?: string; syslogNg?: string; auditRemote?: string; journalUpload?: string }): string[] {
  const found: string[] = [];
  const active = (text: string) =>
    text
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n');
  if (configs.rsyslog) {
    const text = active(configs.rsyslog);
    // Legacy selector lines: "*.* @host" (UDP) or "*.* @@host:514" (TCP), options in brackets allowed.
    for (const m of text.matchAll(/^\s*[^\s#]+\s+(@@?)(?:\([^)]*\))?(\[[^\]]+\]|[^\s:;]+)/gm))
      found.push(`rsyslog ${m[1] === '@@' ? 'TCP' : 'UDP'} to ${m[2]}`);
    for (const m of text.matchAll(/action\s*\([^)]*type\s*=\s*"(omfwd|omrelp)"[^)]*target\s*=\s*"([^"]+)"/g))
      found.push(`rsyslog ${m[1]} to ${m[2]}`);
  }
  if (configs.syslogNg) {
    for (const m of active(configs.syslogNg).matchAll(/destination\s+(\S+)\s*\{[^}]*\b(network|tcp|udp|syslog)\s*\(\s*"?([^"\s)]+)/g))
      found.push(`syslog-ng ${m[2]} to ${m[3]}`);
  }
  if (configs.auditRemote && /^\s*active\s*=\s*yes/m.test(configs.auditRemote)) found.push('audisp-remote');
  if (configs.journalUpload?.trim() === 'active') found.push('systemd-journal-upload');
  return found;
}

export type AuditLoggingJudgement = { status: 'pass' | 'fail'; daemons: string[] };

/** The gateway keeps its own logs when an audit or syslog daemon runs. */
export function judgeAuditLogging(processList: string): AuditLoggingJudgement {
  const daemons = runningLogDaemons(processList);
  return { status: daemons.length > 0 ? 'pass' : 'fail', daemons };
}

export type LogForwardingJudgement = { status: 'pass'; destinations: string[] } | { status: 'fail' | 'not_tested'; destinations: [] };

/**
 * Logs leave the gateway when any configuration forwards them. With no forwarding found, a configuration
 * that could not be read (denied) may hold it: not tested, never a fail.
 */
export function judgeLogForwarding(configs: Parameters<typeof logForwarding>[0], deniedConfigs: readonly string[]): LogForwardingJudgement {
  const destinations = logForwarding(configs);
  if (destinations.length > 0) return { status: 'pass', destinations };
  return { status: deniedConfigs.length > 0 ? 'not_tested' : 'fail', destinations: [] };
}
