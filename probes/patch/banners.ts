import type { FindingStatus } from '../../src/findings.ts';
import type { ServiceBanner } from './gather.ts';

/** Banner products and the packages that provide them on Debian and RHEL-like systems; a Map, as products come from the network. */
const BANNER_PACKAGES: ReadonlyMap<string, readonly string[]> = new Map([
  ['OpenSSH', ['openssh-server']],
  ['nginx', ['nginx', 'nginx-light', 'nginx-full', 'nginx-core', 'nginx-extras']],
  ['Apache httpd', ['apache2', 'httpd']],
  ['Postfix', ['postfix']],
  ['Net-SNMP', ['snmpd', 'net-snmp']],
]);

export interface BannerVerdict {
  status: FindingStatus;
  params: Record<string, string | number>;
  actual: string;
  /** Whether the verdict rests on the sweep too (its artefact is cited). */
  citesSweep: boolean;
}

/**
 * Compares the running services' banners with the installed packages. A banner older than its package means
 * a daemon not restarted after an upgrade; a banner alone never decides patch level (backported fixes).
 */
export function bannerVerdict(banners: readonly ServiceBanner[], installed: ReadonlyMap<string, string>): BannerVerdict {
  const services = banners.filter((b) => BANNER_PACKAGES.has(b.product));
  if (services.length === 0 || installed.size === 0) {
    const reason = services.length === 0 ? 'no versioned service banner to compare' : 'no installed-package list to compare with';
    return { status: 'not_applicable', params: { reason }, actual: 'not compared', citesSweep: false };
  }
  const mismatches: string[] = [];
  const matches: string[] = [];
  for (const { port, protocol, product, version } of services) {
    const pkg = BANNER_PACKAGES.get(product)!.find((name) => installed.has(name));
    if (!pkg) continue;
    const installedVersion = installed.get(pkg)!;
    // Banners carry the upstream version and sometimes the distribution revision ("9.2p1 Debian 2+deb12u10").
    const [upstream, , revision] = version.split(' ');
    const consistent = installedVersion.includes(upstream!) && (!revision || installedVersion.includes(revision));
    (consistent ? matches : mismatches).push(
      consistent
        ? `${port}/${protocol} ${product} ${version} matches ${pkg} ${installedVersion}`
        : `${port}/${protocol} reports ${product} ${version} but ${pkg} ${installedVersion} is installed: ` +
            'the running service predates the package (restart it)',
    );
  }
  if (mismatches.length > 0)
    return { status: 'fail', params: { mismatches: mismatches.join('; ') }, actual: mismatches.join('; '), citesSweep: true };
  if (matches.length === 0)
    return {
      status: 'not_applicable',
      params: { reason: 'no banner product has a matching installed package' },
      actual: 'not compared',
      citesSweep: false,
    };
  const summary = `${matches.join('; ')} (a banner alone never decides patch level: distributions backport fixes)`;
  return { status: 'pass', params: { summary }, actual: matches.join('; '), citesSweep: true };
}
