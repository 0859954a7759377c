import { KNOWN_SSH_VULNERABILITIES, type KnownVulnerability, type SshProduct } from './known-vulnerabilities.ts';

/** SSH server software as its identification names it, e.g. `OpenSSH_9.2p1` → OpenSSH 9.2, patch `p1`. */
export interface SshSoftware {
  product: SshProduct;
  /** The dotted version's numbers: `9.2` → [9, 2]. */
  version: number[];
  /** What follows the version (`p1`, `test2`), without leading separators; empty when nothing does. */
  patch: string;
  /** Product, version and patch as the identification wrote them, for messages. */
  display: string;
}

/** Longer software fields are not read: RFC 4253 limits the whole identification to 255 characters. */
const MAX_SOFTWARE_CHARS = 255;
/** A version number with more digits than this is not a version cocoscan compares. */
const MAX_NUMBER_DIGITS = 9;

const PRODUCTS: readonly [SshProduct, RegExp][] = [
  ['OpenSSH', /^OpenSSH[_.-]+(\d+(?:\.\d+)*)(.*)$/],
  ['Dropbear', /^dropbear_(\d+(?:\.\d+)*)(.*)$/],
  ['libssh', /^libssh[-_](\d+(?:\.\d+)*)(.*)$/],
];

/** The software field of an identification (`SSH-2.0-<software> <comments>`); undefined when there is none. */
export function softwareField(ident: string): string | undefined {
  const match = /^SSH-[^-\s]{1,8}-(\S{1,255})/.exec(ident.slice(0, MAX_SOFTWARE_CHARS + 16));
  return match?.[1];
}

/** Parses a version written the product's way (`7.2p2`, `2016.73`, `0.8.3`); undefined when it is not one. */
function parseVersion(product: SshProduct, text: string, pattern: RegExp): SshSoftware | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const numbers = match[1]!.split('.');
  if (numbers.some((n) => n.length > MAX_NUMBER_DIGITS)) return undefined;
  const patch = match[2]!.replace(/^[-_.]+/, '');
  // The patch is the server's text: the display keeps a short run of plain characters of it.
  const shown = /^[\w.+~]{0,32}/.exec(patch)![0];
  return { product, version: numbers.map(Number), patch, display: `${product} ${match[1]}${shown}${shown === patch ? '' : '…'}` };
}

/** The software an identification names, when it is one the vulnerability table covers. */
export function identifySshSoftware(ident: string): SshSoftware | undefined {
  const software = softwareField(ident);
  if (software === undefined) return undefined;
  for (const [product, pattern] of PRODUCTS) {
    const parsed = parseVersion(product, software, pattern);
    if (parsed) return parsed;
  }
  return undefined;
}

/**
 * Where a patch sorts within one version. OpenSSH: `pN` is N, and the OpenBSD release (no patch) is the same as
 * p1; Dropbear: a `test` pre-release comes before the release. Any other text sorts as the release itself.
 */
function patchRank(product: SshProduct, patch: string): number {
  if (product === 'OpenSSH') {
    const portable = /^p(\d{1,4})/.exec(patch);
    return portable ? Number(portable[1]) : 1;
  }
  if (product === 'Dropbear') return /^test\d/.test(patch) ? 0 : 1;
  return 0;
}

function compare(a: SshSoftware, b: SshSoftware): number {
  const length = Math.max(a.version.length, b.version.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (a.version[i] ?? 0) - (b.version[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return Math.sign(patchRank(a.product, a.patch) - patchRank(b.product, b.patch));
}

function bound(product: SshProduct, text: string): SshSoftware {
  const parsed = parseVersion(product, text, /^(\d+(?:\.\d+)*)(.*)$/);
  if (!parsed) throw new TypeError(`not a ${product} version in the vulnerability table: ${text}`);
  return parsed;
}

/**
 * The table's CVEs whose version range holds the software, highest CVSS first. Versions are compared number by
 * number (ssh-audit 2.5 compares them as text, so it would match OpenSSH 10.0 against ranges ending in 7.7).
 */
export function knownVulnerabilities(
  software: SshSoftware,
  table: readonly KnownVulnerability[] = KNOWN_SSH_VULNERABILITIES,
): KnownVulnerability[] {
  return table
    .filter((v) => v.product === software.product)
    .filter((v) => compare(software, bound(v.product, v.from)) >= 0 && compare(software, bound(v.product, v.to)) <= 0)
    .sort((x, y) => y.cvss - x.cvss || x.cve.localeCompare(y.cve));
}
