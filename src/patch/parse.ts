import { calendarDate } from '../input/calendar.ts';

/**
 * Readers for the package-manager outputs the patch probe judges. Each is pure and tolerant of noise: what it
 * cannot read is left out, and every date it returns is a real one (never an Invalid Date).
 */

function validDate(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date : undefined;
}

export interface OsRelease {
  id: string;
  versionId: string;
  prettyName: string;
  /** ID_LIKE: the families this release derives from ("rhel fedora", "debian"). */
  idLike: string[];
}

export function parseOsRelease(text: string): OsRelease | undefined {
  const value = (key: string) =>
    new RegExp(`^${key}=(?:"([^"]*)"|(\\S*))`, 'm')
      .exec(text)
      ?.slice(1)
      .find((v) => v !== undefined);
  const id = value('ID');
  if (!id) return undefined;
  return {
    id,
    versionId: value('VERSION_ID') ?? '',
    prettyName: value('PRETTY_NAME') ?? id,
    idLike: (value('ID_LIKE') ?? '').split(/\s+/).filter(Boolean),
  };
}

export interface PendingUpdate {
  name: string;
  version: string;
  from?: string;
  /** true: from a security archive or advisory; false: not a security update; undefined: cannot tell. */
  security: boolean | undefined;
  origin?: string;
  advisory?: string;
  severity?: string;
  issued?: Date;
}

/** `apt list --upgradable`: "name/suite[,suite] version arch [upgradable from: old]". */
export function parseAptUpgradable(text: string): PendingUpdate[] {
  const updates: PendingUpdate[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9][a-z0-9+.-]*)\/(\S+)\s+(\S+)\s+\S+(?:\s+\[upgradable from: ([^\]]+)\])?/.exec(line.trim());
    if (!m) continue;
    const suites = m[2]!.split(',');
    updates.push({ name: m[1]!, origin: m[2]!, version: m[3]!, from: m[4], security: suites.some((s) => /-security$/.test(s)) });
  }
  return updates;
}

/** `stat -c '%Y %n'` lines: the newest modification time. */
export function newestMtime(text: string): Date | undefined {
  // A loop, not Math.max(...times): a spread over a huge listing overflows the stack.
  let newest: number | undefined;
  for (const line of text.split('\n')) {
    const seconds = /^(\d{9,11})\s/.exec(line)?.[1];
    if (seconds !== undefined && (newest === undefined || Number(seconds) > newest)) newest = Number(seconds);
  }
  return newest === undefined ? undefined : validDate(newest * 1000);
}

/** /var/log/apt/history.log: when the last upgrade finished (host local time). */
export function lastAptUpgrade(text: string, utcOffsetMinutes = 0): Date | undefined {
  let last: Date | undefined;
  for (const block of text.split(/\n\s*\n/)) {
    if (!/^Upgrade: /m.test(block)) continue;
    const end = /^End-Date:\s+(\d{4})-(\d{2})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})/m.exec(block);
    if (!end) continue;
    const [year, month, day, hour, minute, second] = end.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const at = calendarDate(year, month, day, hour, minute, second, utcOffsetMinutes);
    if (at && (!last || at > last)) last = at;
  }
  return last;
}

export function parseRebootRequired(text: string): { required: boolean; packages: string[] } | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines[0] === 'not-required') return { required: false, packages: [] };
  if (lines[0] === 'required') return { required: true, packages: lines.slice(1) };
  return undefined;
}

/** Kernel versions installed in /boot (vmlinuz-<version>). */
export function bootKernels(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^vmlinuz-(.+)$/.exec(l.trim())?.[1])
    .filter((v): v is string => v !== undefined);
}

/** `dnf updateinfo list --security`: "ADVISORY Severity/Sec. package-version.arch". */
export function parseDnfSecurityList(text: string): PendingUpdate[] {
  const updates: PendingUpdate[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+(?:(\w+)\/)?Sec\.\s+(\S+)$/.exec(line);
    if (!m) continue;
    const nevra = /^(.+)-([^-]+-[^-]+)\.([^.]+)$/.exec(m[3]!);
    updates.push({
      name: nevra?.[1] ?? m[3]!,
      version: nevra?.[2] ?? '',
      security: true,
      advisory: m[1],
      severity: m[2] && m[2] !== 'Unknown' ? m[2] : undefined,
    });
  }
  return updates;
}

/**
 * `dnf updateinfo info`: advisory id → issue (or update) date and severity. Read line by line: a multi-line
 * pattern anchored with `^\s*` would rescan every blank line from every line start, quadratic on a hostile output.
 */
export function parseDnfSecurityInfo(text: string): Map<string, { issued?: Date; severity?: string }> {
  const advisories = new Map<string, { issued?: Date; severity?: string }>();
  let block: { id?: string; issued?: Date; dated: boolean; severity?: string } = { dated: false };
  const close = () => {
    if (block.id && !advisories.has(block.id)) advisories.set(block.id, { issued: block.issued, severity: block.severity });
    block = { dated: false };
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (/^=+$/.test(line)) {
      close();
      continue;
    }
    const id = /^Update ID\s*:\s*(\S+)/.exec(line);
    if (id && !block.id) block.id = id[1];
    const date = /^(?:Issued|Updated)\s*:\s*(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2}))?/.exec(line);
    if (date && !block.dated) {
      block.dated = true;
      const [year, month, day] = date[1]!.split('-').map(Number) as [number, number, number];
      const [hour, minute, second] = (date[2] ?? '00:00:00').split(':').map(Number) as [number, number, number];
      block.issued = calendarDate(year, month, day, hour, minute, second);
    }
    const severity = /^Severity\s*:\s*(\w+)/.exec(line);
    if (severity && !block.severity) block.severity = severity[1];
  }
  close();
  return advisories;
}

/** `apk version -l '<'`: "name-oldver-rN < newver-rN". */
export function parseApkPending(text: string): PendingUpdate[] {
  const updates: PendingUpdate[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+?)-(\d[^\s-]*-r\d+)\s+<\s+(\S+)/.exec(line.trim());
    if (m) updates.push({ name: m[1]!, from: m[2], version: m[3]!, security: undefined });
  }
  return updates;
}

/** `dpkg-query -W -f='${Package}\t${Version}\t${db:Status-Abbrev}'`: installed packages. */
export function installedDpkg(text: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (name && version && (status === undefined || status.trim().startsWith('ii'))) installed.set(name, version);
  }
  return installed;
}

/** `rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}'`. */
export function installedRpm(text: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [name, version] = line.split('\t');
    if (name && version) installed.set(name, version.trim());
  }
  return installed;
}
