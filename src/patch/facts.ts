import type { CommandOutcome } from '../host/commands.ts';
import {
  bootKernels,
  installedDpkg,
  installedRpm,
  lastAptUpgrade,
  newestMtime,
  parseApkPending,
  parseAptUpgradable,
  parseDnfSecurityInfo,
  parseDnfSecurityList,
  parseOsRelease,
  parseRebootRequired,
  type OsRelease,
  type PendingUpdate,
} from './parse.ts';

export interface PatchFacts {
  os?: OsRelease;
  manager: 'apt' | 'dnf' | 'apk' | 'unknown';
  /** Why no package manager output could be read, when manager is unknown. */
  managerProblem?: string;
  pending: PendingUpdate[];
  /**
   * Lines of the pending-updates listing that are neither its header nor an update the reader knows (another
   * version's format, say): the listing then cannot show that nothing is pending. The count and the first few.
   */
  unreadPending?: { count: number; sample: string[] };
  listsRefreshedAt?: Date;
  lastUpgradeAt?: Date;
  reboot?: { required: boolean; packages: string[] };
  runningKernel?: string;
  installedKernels: string[];
  installed: Map<string, string>;
}

/** Reads patch facts from one source's command outputs (SSH session or agent report). */
export function patchFacts(commands: Record<string, CommandOutcome>, utcOffsetMinutes?: number): PatchFacts {
  const ok = (name: string) => (commands[name]?.status === 'ok' ? commands[name].stdout : undefined);
  const facts: PatchFacts = {
    os: ok('os-release') ? parseOsRelease(ok('os-release')!) : undefined,
    manager: 'unknown',
    pending: [],
    installedKernels: ok('boot-kernels') ? bootKernels(ok('boot-kernels')!) : [],
    runningKernel: ok('kernel')?.trim() || undefined,
    installed: ok('dpkg-packages')
      ? installedDpkg(ok('dpkg-packages')!)
      : ok('rpm-packages')
        ? installedRpm(ok('rpm-packages')!)
        : new Map<string, string>(),
    reboot: ok('reboot-required') ? parseRebootRequired(ok('reboot-required')!) : undefined,
  };
  if (ok('apt-upgradable') !== undefined) {
    facts.manager = 'apt';
    facts.pending = parseAptUpgradable(ok('apt-upgradable')!);
    noteUnread(facts, ok('apt-upgradable')!, parseAptUpgradable);
    facts.listsRefreshedAt = ok('apt-lists') ? newestMtime(ok('apt-lists')!) : undefined;
    facts.lastUpgradeAt = ok('apt-history') ? lastAptUpgrade(ok('apt-history')!, utcOffsetMinutes) : undefined;
  } else if (ok('dnf-security-list') !== undefined) {
    facts.manager = 'dnf';
    const info = ok('dnf-security-info')
      ? parseDnfSecurityInfo(ok('dnf-security-info')!)
      : new Map<string, { issued?: Date; severity?: string }>();
    facts.pending = parseDnfSecurityList(ok('dnf-security-list')!).map((u) => {
      const advisory = u.advisory ? info.get(u.advisory) : undefined;
      return { ...u, issued: advisory?.issued, severity: u.severity ?? advisory?.severity };
    });
    noteUnread(facts, ok('dnf-security-list')!, parseDnfSecurityList);
    facts.listsRefreshedAt = ok('dnf-lists') ? newestMtime(ok('dnf-lists')!) : undefined;
  } else if (ok('apk-pending') !== undefined) {
    facts.manager = 'apk';
    facts.pending = parseApkPending(ok('apk-pending')!);
    noteUnread(facts, ok('apk-pending')!, parseApkPending);
  } else {
    const tried = ['apt-upgradable', 'dnf-security-list', 'apk-pending'].map((n) => `${n}: ${commands[n]?.status ?? 'not run'}`);
    facts.managerProblem = `no package manager output could be read (${tried.join(', ')})`;
  }
  return facts;
}

/** What apt (`Listing...`) and apk (`Installed: Available:`) print above their lists: never an update. */
const LISTING_HEADER = /^(?:Listing\.\.\.|Installed:\s+Available:)/;
const UNREAD_SAMPLE = 3;

/** Records the lines of a pending-updates listing its reader could not read (each reader reads line by line). */
function noteUnread(facts: PatchFacts, text: string, read: (line: string) => PendingUpdate[]): void {
  let count = 0;
  const sample: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || LISTING_HEADER.test(line) || read(line).length > 0) continue;
    count += 1;
    if (sample.length < UNREAD_SAMPLE) sample.push(line.slice(0, 120));
  }
  if (count > 0) facts.unreadPending = { count, sample };
}
