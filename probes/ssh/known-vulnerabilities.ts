import { KNOWN_VULNERABILITIES_SOURCE, type KnownVulnerability } from '../../src/ssh/known-vulnerabilities.ts';
import { identifySshSoftware, knownVulnerabilities, softwareField } from '../../src/ssh/software-version.ts';
import { describeNames } from '../../src/ssh/bounded-text.ts';
import type { PortOutcome } from './verdict.ts';

/** CVEs named in a message; the rest are counted (every one is in the verdict's data). */
const MAX_NAMED = 6;
const CAVEAT = 'a version in a banner is a lead, not proof: distributions backport fixes without changing it';

const describe = (v: KnownVulnerability) => `${v.cve} (CVSS ${v.cvss.toFixed(1)}${v.local ? ', local users only' : ''}: ${v.description})`;
const list = (vs: KnownVulnerability[]) =>
  vs.slice(0, MAX_NAMED).map(describe).join('; ') + (vs.length > MAX_NAMED ? `; and ${vs.length - MAX_NAMED} more` : '');

/**
 * The version the identification names, looked up in the table of published CVEs the way ssh-audit does. Fails
 * when one matching CVE scores `failCvss` or more; CVEs below it are named in the pass. Software the table does
 * not cover (or a banner without a version) cannot be looked up: not tested, with the banner named.
 */
export function knownVulnerabilitiesOutcome(ident: string, failCvss: number): PortOutcome {
  const expected = `no published CVE of CVSS ${failCvss.toFixed(1)} or more for the version named (${KNOWN_VULNERABILITIES_SOURCE})`;
  const software = identifySshSoftware(ident);
  if (!software) {
    const named = describeNames([softwareField(ident) ?? '(none)'], 1);
    const reason = `the identification names software cocoscan has no CVE table for (${named}; covered: OpenSSH, Dropbear, libssh)`;
    return { status: 'not_tested', params: { reason }, expected, actual: named };
  }
  const matched = knownVulnerabilities(software);
  const data = {
    software: software.display,
    cves: matched.map((v) => ({ cve: v.cve, cvss: v.cvss, description: v.description, ...(v.local ? { local: true } : {}) })),
  };
  const actual = matched.length === 0 ? `${software.display}: none` : `${software.display}: ${matched.map((v) => v.cve).join(', ')}`;
  const serious = matched.filter((v) => v.cvss >= failCvss);
  const lesser = matched.filter((v) => v.cvss < failCvss);
  const threshold = failCvss.toFixed(1);
  if (serious.length > 0) {
    const ids =
      lesser
        .slice(0, MAX_NAMED)
        .map((v) => v.cve)
        .join(', ') + (lesser.length > MAX_NAMED ? ` and ${lesser.length - MAX_NAMED} more` : '');
    const others = lesser.length > 0 ? `; also ${lesser.length} CVE(s) below CVSS ${threshold}: ${ids}` : '';
    return {
      status: 'fail',
      params: { software: software.display, threshold, cves: list(serious), others, caveat: CAVEAT },
      expected,
      actual,
      data,
    };
  }
  const summary =
    lesser.length === 0
      ? `no published CVE in ${KNOWN_VULNERABILITIES_SOURCE} matches this version`
      : `published CVEs below CVSS ${threshold} match this version (${CAVEAT}): ${list(lesser)}`;
  return { status: 'pass', params: { software: software.display, summary }, expected, actual, data };
}
