/** The read-only commands run over an authenticated SSH session, each named for the facts it gives. */
export interface HostCommand {
  name: string;
  command: string;
  /** Needs root; prefixed with `sudo -n` when the connection file allows it. */
  privileged: boolean;
}

export const HOST_COMMANDS: readonly HostCommand[] = [
  { name: 'os-release', command: 'cat /etc/os-release', privileged: false },
  { name: 'kernel', command: 'uname -r', privileged: false },
  { name: 'dpkg-packages', command: "dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'", privileged: false },
  { name: 'rpm-packages', command: "rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'", privileged: false },
  { name: 'processes', command: 'ps -eo comm=', privileged: false },
  { name: 'nft-ruleset', command: 'nft list ruleset', privileged: true },
  { name: 'iptables-save', command: 'iptables-save', privileged: true },
  { name: 'ip6tables-save', command: 'ip6tables-save', privileged: true },
  { name: 'ufw-status', command: 'ufw status verbose', privileged: true },
  { name: 'firewalld', command: 'firewall-cmd --state && firewall-cmd --list-all', privileged: true },
  { name: 'rsyslog-config', command: 'cat /etc/rsyslog.conf /etc/rsyslog.d/*.conf', privileged: false },
  { name: 'syslog-ng-config', command: 'cat /etc/syslog-ng/syslog-ng.conf /etc/syslog-ng/conf.d/*.conf', privileged: false },
  { name: 'audit-remote', command: 'cat /etc/audit/plugins.d/au-remote.conf /etc/audisp/plugins.d/au-remote.conf', privileged: false },
  { name: 'journal-upload', command: 'systemctl is-active systemd-journal-upload', privileged: false },
  { name: 'clock', command: 'date -u +%s && date +%z', privileged: false },
  { name: 'clamscan-version', command: 'clamscan --version', privileged: false },
  {
    name: 'sigtool-daily',
    command:
      'for f in /var/lib/clamav/daily.cld /var/lib/clamav/daily.cvd; do if [ -f "$f" ]; then sigtool --info="$f"; exit $?; fi; done; ' +
      'echo "no ClamAV daily database" >&2; exit 127',
    privileged: false,
  },
  {
    // Debian and Ubuntu log to /var/log/clamav/; RHEL's freshclam.conf names /var/log/freshclam.log when logging is on.
    name: 'freshclam-log',
    command:
      'for f in /var/log/clamav/freshclam.log /var/log/freshclam.log; do if [ -f "$f" ]; then tail -n 20000 "$f"; exit $?; fi; done; ' +
      'echo "no freshclam.log" >&2; exit 127',
    privileged: false,
  },
  { name: 'mdatp-health', command: 'mdatp health --output json', privileged: false },
  { name: 'apt-upgradable', command: 'apt list --upgradable', privileged: false },
  { name: 'apt-lists', command: "stat -c '%Y %n' /var/lib/apt/lists/*Release", privileged: false },
  { name: 'apt-history', command: 'tail -n 5000 /var/log/apt/history.log', privileged: false },
  {
    name: 'reboot-required',
    command:
      'if [ -f /var/run/reboot-required ]; then echo required; cat /var/run/reboot-required.pkgs 2>/dev/null; else echo not-required; fi',
    privileged: false,
  },
  { name: 'boot-kernels', command: 'ls -1 /boot', privileged: false },
  { name: 'dnf-security-list', command: 'dnf -q --cacheonly updateinfo list --security --available', privileged: false },
  { name: 'dnf-security-info', command: 'dnf -q --cacheonly updateinfo info --security --available', privileged: false },
  { name: 'dnf-lists', command: "stat -c '%Y %n' /var/cache/dnf/*/repodata/repomd.xml", privileged: false },
  { name: 'apk-pending', command: "apk version -l '<'", privileged: false },
];

/** Commands whose output is anti-virus data (read by the same parsers as agent reports). */
export const AV_COMMANDS = ['clamscan-version', 'sigtool-daily', 'freshclam-log', 'mdatp-health'] as const;

const ENVIRONMENT = 'LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"';

/**
 * The command with English messages and sbin tools on the path. A compound command (for, if, …) cannot take
 * variable assignments in front of it, so the shell is given them first.
 */
export function commandBody(command: HostCommand): string {
  return /^(?:for|if|while|until|case)\s|^[{(]/.test(command.command)
    ? `export ${ENVIRONMENT}; ${command.command}`
    : `${ENVIRONMENT} ${command.command}`;
}

/** Wraps a command so that sbin tools are found and messages are in English, whatever the user's shell. */
export function remoteCommandLine(command: HostCommand, sudo: boolean): string {
  const body = commandBody(command);
  return command.privileged && sudo ? `sudo -n sh -c '${body.replace(/'/g, `'\\''`)}'` : `sh -c '${body.replace(/'/g, `'\\''`)}'`;
}

/**
 * `timeout`: no complete answer in time (its own deadline, the session's budget, or the run was cancelled);
 * `truncated`: the output passed the byte cap, so it is incomplete and never judged.
 */
export type CommandStatus = 'ok' | 'missing' | 'denied' | 'failed' | 'timeout' | 'truncated';

/** Statuses where the command may have worked but its whole output could not be read: never judged as read. */
export const UNREAD_STATUSES: ReadonlySet<CommandStatus> = new Set(['denied', 'timeout', 'truncated']);

export interface CommandOutcome {
  name: string;
  command: string;
  status: CommandStatus;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Reads why a command did not give its output: not installed, not allowed, or failed. */
export function classifyOutcome(exitCode: number | null, stderr: string): CommandStatus {
  if (exitCode === 0) return 'ok';
  if (
    /permission denied|operation not permitted|must be root|you need to be root|password is required|not in the sudoers|are you root|superuser/i.test(
      stderr,
    )
  )
    return 'denied';
  if (exitCode === 127 || /command not found|not found$|No such file or directory|no ClamAV daily database/im.test(stderr))
    return 'missing';
  return 'failed';
}
