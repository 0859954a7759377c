/** Log daemons whose presence means the gateway keeps its own logs. */
const LOG_DAEMONS = ['auditd', 'rsyslogd', 'syslog-ng', 'syslogd', 'systemd-journal', 'journald'];

export function runningLogDaemons(processList: string): string[] {
  const names = new Set(processList.split('\n').map((l) => l.trim()).filter(Boolean));
  return LOG_DAEMONS.filter((daemon) => [...names].some((n) => n === daemon || n.startsWith(daemon)));
}

/** Destinations logs are forwarded to, read from rsyslog, syslog-ng and audisp-remote configuration. */
export function logForwarding(configs: { rsyslog?: string; syslogNg?: string; auditRemote?: string; journalUpload?: string }): string[] {
  const found: string[] = [];
  const active = (text: string) => text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
  if (configs.rsyslog) {
    const text = active(configs.rsyslog);
    // Legacy selector lines: "*.* @host" (UDP) or "*.* @@host:514" (TCP), options in brackets allowed.
    for (const m of text.matchAll(/^\s*[^\s#]+\s+(@@?)(?:\([^)]*\))?(\[[^\]]+\]|[^\s:;]+)/gm)) found.push(`rsyslog ${m[1] === '@@' ? 'TCP' : 'UDP'} to ${m[2]}`);
    for (const m of text.matchAll(/action\s*\([^)]*type\s*=\s*"(omfwd|omrelp)"[^)]*target\s*=\s*"([^"]+)"/g)) found.push(`rsyslog ${m[1]} to ${m[2]}`);
  }
  if (configs.syslogNg) {
    for (const m of active(configs.syslogNg).matchAll(/destination\s+(\S+)\s*\{[^}]*\b(network|tcp|udp|syslog)\s*\(\s*"?([^"\s)]+)/g)) found.push(`syslog-ng ${m[2]} to ${m[3]}`);
  }
  if (configs.auditRemote && /^\s*active\s*=\s*yes/m.test(configs.auditRemote)) found.push('audisp-remote');
  if (configs.journalUpload?.trim() === 'active') found.push('systemd-journal-upload');
  return found;
}
