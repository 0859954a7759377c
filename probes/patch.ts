import { z } from 'zod';
import type { Gateway } from '../src/connection/schema.ts';
import type { Finding, FindingStatus } from '../src/findings.ts';
import type { NmapHost } from '../src/nmap/parse.ts';
import { patchFacts, type PatchFacts } from '../src/patch/facts.ts';
import { findRelease, OS_SUPPORT } from '../src/patch/os-support.ts';
import type { PendingUpdate } from '../src/patch/parse.ts';
import { defineFindings, defineProbe, findingIds, type FindingIdOf, type ProbeContext } from '../src/probe/contract.ts';

const DAY = 86_400_000;
const days = (n: number) => z.number().int().min(1, { error: 'expected 1 to 365 days' }).max(365, { error: 'expected 1 to 365 days' }).default(n);

const thresholds = z.strictObject({
  // MoJ patch guide: critical and high 3-7 days on servers (14 days upper bound), medium 28, low 90.
  criticalDays: days(7),
  highDays: days(7),
  mediumDays: days(28),
  lowDays: days(90),
  unratedDays: days(14),
  listFreshnessDays: days(7),
  maxFactAgeHours: z.number().positive().max(720).default(24),
});
type Thresholds = z.output<typeof thresholds>;

const patchFindings = defineFindings({
  'patch.overdue-updates': {
    severity: 'high',
    title: 'No security update is pending beyond its window',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {count} security update(s) pending beyond their window: {list}' },
  },
  'patch.undated-updates': {
    severity: 'medium',
    title: 'No pending security update of unknown age',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {count} pending security update(s) of unknown age ({why}): {list}' },
  },
  'patch.package-lists': {
    severity: 'medium',
    title: 'Package lists are refreshed',
    messages: { pass: '{gateway}: package lists refreshed {age} ago', fail: '{gateway}: package lists last refreshed {age} ago (over {limit} days): pending updates may be missing' },
  },
  'patch.os-support': {
    severity: 'high',
    title: 'The operating system is supported by its vendor',
    messages: { pass: '{gateway}: {os} {support}', fail: '{gateway}: {os} has been out of support since {since}' },
  },
  'patch.reboot-required': {
    severity: 'low',
    title: 'No reboot is owed for installed updates',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: a reboot is owed: {why}' },
  },
  'patch.service-banners': {
    severity: 'low',
    title: 'Running services match their installed packages',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {mismatches}' },
  },
});
type PatchFindingId = FindingIdOf<typeof patchFindings>;

export default defineProbe({
  meta: {
    id: 'patch',
    title: 'Patch level (CoCo-11): pending security updates, their age, support, reboots',
    description:
      'From the SSH session or an agent report: pending updates and which are security fixes (apt, dnf, apk), their age against the ' +
      "profile's windows by severity, package-list freshness, the OS release against its vendor's end of support, reboots owed, and service banners against installed packages.",
    reads: ['reportedSources'],
    thresholds,
    findings: patchFindings,
  },

  async run(ctx) {
    const perGateway = await Promise.all(ctx.connection.gateways.map((gateway) => judgeGateway(ctx, gateway)));
    return perGateway.flat();
  },
});

async function judgeGateway(ctx: ProbeContext<Thresholds, PatchFindingId>, gateway: Gateway): Promise<Finding[]> {
  const t = ctx.thresholds;
  const now = ctx.now();
  const target = { gateway: gateway.name, host: gateway.host };
  const sources = (await ctx.facts.reportedSources(gateway)).filter((s) => s.commands && !s.unusable);
  const fresh = sources.filter((s) => s.collectedAt && now.getTime() - s.collectedAt.getTime() <= t.maxFactAgeHours * 3_600_000);
  const chosen = fresh.sort((a, b) => b.collectedAt!.getTime() - a.collectedAt!.getTime())[0];
  const make = (id: PatchFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, artefacts: string[], data?: Record<string, unknown>) =>
    ctx.finding({ id, target, status, params: { gateway: gateway.name, ...params }, evidence: { source: chosen ? `${chosen.label} (${chosen.kind}, collected ${chosen.collectedAt!.toISOString()})` : 'cocoscan patch probe', expected, actual, artefacts }, data });

  if (!chosen) {
    const snmp = await ctx.facts.snmpIfGathered(gateway);
    const software = snmp?.software?.names.length;
    const stale = sources.length > 0 ? ` (the reports given were collected over ${t.maxFactAgeHours} h ago)` : '';
    const reason = software
      ? `SNMP shows ${software} installed packages${snmp?.system?.sysUpTime ? ` and an uptime of ${snmp.system.sysUpTime} ticks` : ''} but not which updates are pending; give gateways[].ssh credentials or a cocoscan agent report${stale}`
      : `no patch facts: give gateways[].ssh credentials or a cocoscan agent report (cocoscan agent collect)${stale}`;
    return findingIds(patchFindings).map((id) => make(id, 'not_tested', { reason }, 'patch facts from the host', 'none', []));
  }

  const facts = patchFacts(chosen.commands!, chosen.utcOffsetMinutes);
  const artefact = ctx.evidence.add([gateway.name, 'patch.json'], JSON.stringify({ source: chosen.label, ...facts, installed: facts.installed.size }, null, 2));
  const findings: Finding[] = [];
  const list = (updates: PendingUpdate[], detail: (u: PendingUpdate) => string) => `${updates.slice(0, 15).map(detail).join('; ')}${updates.length > 15 ? `; and ${updates.length - 15} more` : ''}`;

  if (facts.manager === 'unknown') {
    const reason = facts.managerProblem ?? 'no package manager output';
    findings.push(make('patch.overdue-updates', 'not_tested', { reason }, 'pending security updates', 'unknown', [artefact]));
    findings.push(make('patch.undated-updates', 'not_tested', { reason }, 'pending security updates', 'unknown', [artefact]));
    findings.push(make('patch.package-lists', 'not_tested', { reason }, 'fresh package lists', 'unknown', [artefact]));
  } else {
    const security = facts.pending.filter((u) => u.security !== false);
    const dated = security.filter((u) => u.issued);
    const undated = security.filter((u) => !u.issued);
    const windowFor = (u: PendingUpdate) => {
      const s = (u.severity ?? '').toLowerCase();
      return s === 'critical' ? t.criticalDays : s === 'important' || s === 'high' ? t.highDays : s === 'moderate' || s === 'medium' ? t.mediumDays : s === 'low' ? t.lowDays : t.unratedDays;
    };
    const overdue = dated.filter((u) => now.getTime() - u.issued!.getTime() > windowFor(u) * DAY);
    const describe = (u: PendingUpdate) =>
      `${u.name} ${u.from ? `${u.from} → ` : ''}${u.version}${u.advisory ? ` (${u.advisory}${u.severity ? `, ${u.severity}` : ''}, issued ${u.issued!.toISOString().slice(0, 10)}, ${Math.floor((now.getTime() - u.issued!.getTime()) / DAY)} days ago, window ${windowFor(u)} days)` : ''}`;
    const windows = `windows: critical ${t.criticalDays}, high ${t.highDays}, medium ${t.mediumDays}, low ${t.lowDays}, unrated ${t.unratedDays} days`;
    findings.push(
      overdue.length > 0
        ? make('patch.overdue-updates', 'fail', { count: overdue.length, list: list(overdue, describe) }, windows, `${overdue.length} overdue of ${security.length} pending`, [artefact], { overdue: overdue.map((u) => u.name), pending: facts.pending.length, securityPending: security.length })
        : make('patch.overdue-updates', 'pass', { summary: `no security update pending beyond its window (${dated.length} dated pending, ${facts.pending.length} pending in all, ${facts.manager})` }, windows, `${security.length} security pending`, [artefact], { pending: facts.pending.length, securityPending: security.length }),
    );
    const why =
      facts.manager === 'apt'
        ? 'apt says which updates come from a security archive, but its package lists do not date them'
        : facts.manager === 'apk'
          ? 'apk says neither which updates are security fixes nor when they were released'
          : 'their advisories carry no date';
    findings.push(
      undated.length > 0
        ? make('patch.undated-updates', 'fail', { count: undated.length, why, list: list(undated, (u) => `${u.name} ${u.from ? `${u.from} → ` : ''}${u.version}${u.origin ? ` (${u.origin})` : ''}`) }, 'every pending security update dated', `${undated.length} undated`, [artefact], { undated: undated.map((u) => u.name) })
        : make('patch.undated-updates', 'pass', { summary: 'no pending security update of unknown age' }, 'every pending security update dated', 'none undated', [artefact]),
    );
    if (facts.listsRefreshedAt) {
      const age = now.getTime() - facts.listsRefreshedAt.getTime();
      const ageText = age >= DAY ? `${(age / DAY).toFixed(1)} days` : `${(age / 3_600_000).toFixed(1)} h`;
      findings.push(make('patch.package-lists', age > t.listFreshnessDays * DAY ? 'fail' : 'pass', { age: ageText, limit: t.listFreshnessDays }, `lists refreshed within ${t.listFreshnessDays} days`, facts.listsRefreshedAt.toISOString(), [artefact]));
    } else {
      findings.push(make('patch.package-lists', 'not_tested', { reason: 'the package lists could not be dated' }, `lists refreshed within ${t.listFreshnessDays} days`, 'unknown', [artefact]));
    }
  }

  findings.push(judgeSupport(make, facts, now, artefact));
  findings.push(judgeReboot(make, facts, artefact));
  findings.push(await judgeBanners(ctx, make, gateway, facts, artefact));
  return findings;
}

type Make = (id: PatchFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, artefacts: string[], data?: Record<string, unknown>) => Finding;

function judgeSupport(make: Make, facts: PatchFacts, now: Date, artefact: string): Finding {
  const expected = `a release inside its vendor's support (table checked ${OS_SUPPORT.checked})`;
  if (!facts.os) return make('patch.os-support', 'not_tested', { reason: '/etc/os-release could not be read' }, expected, 'unknown', [artefact]);
  const release = findRelease(facts.os.id, facts.os.versionId);
  if (!release) return make('patch.os-support', 'not_tested', { reason: `${facts.os.prettyName} is not in cocoscan's support table (src/patch/os-support.yaml)` }, expected, facts.os.prettyName, [artefact]);
  const ends = new Date(`${release.supportEnds}T23:59:59Z`);
  const extended = release.extendedEnds ? new Date(`${release.extendedEnds}T23:59:59Z`) : undefined;
  if (now <= ends) return make('patch.os-support', 'pass', { os: release.name, support: `is supported until ${release.supportEnds}` }, expected, `supported until ${release.supportEnds}`, [artefact]);
  if (extended && now <= extended) {
    return make('patch.os-support', 'pass', { os: release.name, support: `left regular support on ${release.supportEnds} and is in extended support (security fixes) until ${release.extendedEnds}` }, expected, `extended support until ${release.extendedEnds}`, [artefact]);
  }
  return make('patch.os-support', 'fail', { os: release.name, since: release.extendedEnds ?? release.supportEnds }, expected, `support ended ${release.extendedEnds ?? release.supportEnds}`, [artefact]);
}

/** Kernel release strings compared by their numeric parts (6.1.0-28-amd64 < 6.1.0-30-amd64). */
function compareKernels(a: string, b: string): number {
  const parts = (v: string) => v.split(/[^0-9]+/).filter(Boolean).map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function judgeReboot(make: Make, facts: PatchFacts, artefact: string): Finding {
  const verdict = rebootVerdict(facts);
  const expected = 'no reboot owed';
  if (verdict.status === 'fail') return make('patch.reboot-required', 'fail', { why: verdict.text }, expected, verdict.text, [artefact]);
  if (verdict.status === 'not_tested') return make('patch.reboot-required', 'not_tested', { reason: verdict.text }, expected, 'unknown', [artefact]);
  return make('patch.reboot-required', 'pass', { summary: verdict.text }, expected, 'none owed', [artefact]);
}

/** Debian and its derivatives write /var/run/reboot-required; elsewhere its absence says nothing. */
function usesRebootFlag(facts: Pick<PatchFacts, 'os' | 'manager'>): boolean {
  const family = facts.os ? [facts.os.id, ...facts.os.idLike] : [];
  return family.includes('debian') || family.includes('ubuntu') || (!facts.os && facts.manager === 'apt');
}

export type RebootFacts = Pick<PatchFacts, 'os' | 'manager' | 'reboot' | 'runningKernel' | 'installedKernels'>;

/**
 * Whether a reboot is owed. A pass rests on something read: the Debian reboot flag on a Debian-family
 * system, or the running kernel found among the installed ones. Otherwise nothing was tested.
 */
export function rebootVerdict(facts: RebootFacts): { status: 'pass' | 'fail' | 'not_tested'; text: string } {
  const reasons: string[] = [];
  if (facts.reboot?.required) reasons.push(`/var/run/reboot-required is set${facts.reboot.packages.length ? ` by ${facts.reboot.packages.join(', ')}` : ''}`);
  const newest = [...facts.installedKernels].sort(compareKernels).pop();
  const kernelCompared = Boolean(facts.runningKernel && newest && facts.installedKernels.includes(facts.runningKernel));
  if (kernelCompared && compareKernels(newest!, facts.runningKernel!) > 0) reasons.push(`kernel ${facts.runningKernel} runs while ${newest} is installed`);
  if (reasons.length > 0) return { status: 'fail', text: reasons.join('; ') };

  const flagMeaningful = facts.reboot !== undefined && usesRebootFlag(facts);
  if (kernelCompared) return { status: 'pass', text: `no reboot owed (running kernel ${facts.runningKernel} is the newest installed)` };
  if (flagMeaningful) return { status: 'pass', text: `no reboot owed (/var/run/reboot-required is not set; running kernel ${facts.runningKernel ?? 'unknown'})` };

  const kernelProblem = !facts.runningKernel
    ? 'the running kernel is unknown (uname -r was not read)'
    : facts.installedKernels.length === 0
      ? `the installed kernels could not be read from /boot (running ${facts.runningKernel})`
      : `the running kernel ${facts.runningKernel} is not among the kernels in /boot (${facts.installedKernels.slice(0, 5).join(', ')})`;
  const os = facts.os?.prettyName ?? 'this system';
  const flagProblem =
    facts.reboot === undefined ? '/var/run/reboot-required could not be read' : `/var/run/reboot-required is a Debian/Ubuntu flag that ${os} does not write, so its absence says nothing`;
  return { status: 'not_tested', text: `${kernelProblem}, and ${flagProblem}` };
}

/** Banner products and the packages that provide them on Debian and RHEL-like systems; a Map, as products come from the network. */
const BANNER_PACKAGES: ReadonlyMap<string, readonly string[]> = new Map([
  ['OpenSSH', ['openssh-server']],
  ['nginx', ['nginx', 'nginx-light', 'nginx-full', 'nginx-core', 'nginx-extras']],
  ['Apache httpd', ['apache2', 'httpd']],
  ['Postfix', ['postfix']],
  ['Net-SNMP', ['snmpd', 'net-snmp']],
]);

async function judgeBanners(ctx: ProbeContext<Thresholds, PatchFindingId>, make: Make, gateway: Gateway, facts: PatchFacts, artefact: string): Promise<Finding> {
  const sweep = await ctx.facts.sweepIfEnabled(gateway);
  const host: NmapHost | undefined = sweep?.host;
  const services = (host?.ports ?? []).filter((p) => p.state === 'open' && p.service?.product && p.service.version && BANNER_PACKAGES.has(p.service.product));
  if (services.length === 0 || facts.installed.size === 0) {
    return make('patch.service-banners', 'not_applicable', { reason: services.length === 0 ? 'no versioned service banner to compare' : 'no installed-package list to compare with' }, 'banners matching installed packages', 'not compared', [artefact]);
  }
  const mismatches: string[] = [];
  const matches: string[] = [];
  for (const port of services) {
    const { product, version } = port.service!;
    const pkg = BANNER_PACKAGES.get(product!)!.find((name) => facts.installed.has(name));
    if (!pkg) continue;
    const installed = facts.installed.get(pkg)!;
    // Banners carry the upstream version and sometimes the distribution revision ("9.2p1 Debian 2+deb12u10").
    const [upstream, , revision] = version!.split(' ');
    const consistent = installed.includes(upstream!) && (!revision || installed.includes(revision));
    (consistent ? matches : mismatches).push(
      consistent
        ? `${port.port}/tcp ${product} ${version} matches ${pkg} ${installed}`
        : `${port.port}/tcp reports ${product} ${version} but ${pkg} ${installed} is installed: the running service predates the package (restart it)`,
    );
  }
  if (mismatches.length > 0) return make('patch.service-banners', 'fail', { mismatches: mismatches.join('; ') }, 'banners matching installed packages', mismatches.join('; '), [artefact, sweep!.artefact]);
  if (matches.length === 0) return make('patch.service-banners', 'not_applicable', { reason: 'no banner product has a matching installed package' }, 'banners matching installed packages', 'not compared', [artefact]);
  return make('patch.service-banners', 'pass', { summary: `${matches.join('; ')} (a banner alone never decides patch level: distributions backport fixes)` }, 'banners matching installed packages', matches.join('; '), [artefact, sweep!.artefact]);
}

