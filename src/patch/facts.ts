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
    facts.listsRefreshedAt = ok('dnf-lists') ? newestMtime(ok('dnf-lists')!) : undefined;
  } else if (ok('apk-pending') !== undefined) {
    facts.manager = 'apk';
    facts.pending = parseApkPending(ok('apk-pending')!);
  } else {
    const tried = ['apt-upgradable', 'dnf-security-list', 'apk-pending'].map((n) => `${n}: ${commands[n]?.status ?? 'not run'}`);
    facts.managerProblem = `no package manager output could be read (${tried.join(', ')})`;
  }
  return facts;
}
