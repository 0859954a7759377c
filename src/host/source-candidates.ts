/**
 * The source addresses worth asking a ruleset about for a flow open only to given sources: a rule's source match
 * depends only on which named blocks hold an address, so the verdict is the same across each stretch between
 * the blocks' edges. The first address of every such stretch outside the declared sources stands for them all.
 */
import { addressCidr, cidrContains, lastOf, maxAddress, parseCidr, type Cidr } from '../connection/cidr.ts';
import type { Family } from './ruleset-eval.ts';

/** More stretches than this are not evaluated (a ruleset of thousands of addresses): the verdict is unknown. */
export const MAX_SOURCE_CANDIDATES = 1024;
/** Stretches times rules a reading may cost: a long ruleset gets fewer stretches, so a hostile dump stays quick. */
export const MAX_SOURCE_EVALUATIONS = 2_000_000;

/** How many stretches a ruleset of `lines` lines may have evaluated. */
export const candidateBudget = (lines: number): number =>
  Math.min(MAX_SOURCE_CANDIDATES, Math.max(16, Math.floor(MAX_SOURCE_EVALUATIONS / Math.max(1, lines))));

const ADDRESS =
  /(?<![\w:.])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:\d{1,3}(?:\.\d{1,3}){3})?)(?:\/\d{1,3})?(?![\w:.])/gi;

/** Every address or block a ruleset dump writes (sources and destinations alike: more stretches only cost time). */
export function namedBlocks(text: string): Cidr[] {
  return [...text.matchAll(ADDRESS)].flatMap((m) => {
    const block = parseCidr(m[0]);
    return block ? [block] : [];
  });
}

export interface SourceCandidate {
  source: Cidr;
  /** How a reader knows it: "10.0.0.0/8" (the named block that holds it) or "any source (0.0.0.0 …)". */
  label: string;
}

/** One address per stretch outside the declared blocks, or undefined when there are too many to evaluate. */
export function sourceCandidates(
  family: Family,
  declared: readonly Cidr[],
  named: readonly Cidr[],
  budget = MAX_SOURCE_CANDIDATES,
): SourceCandidate[] | undefined {
  const own = declared.filter((b) => b.family === family);
  const blocks = [...own, ...named.filter((b) => b.family === family)];
  const max = maxAddress(family);
  const starts = new Set<bigint>([0n]);
  for (const block of blocks) {
    starts.add(block.first);
    const after = lastOf(block) + 1n;
    if (after <= max) starts.add(after);
  }
  const outside = [...starts].filter((value) => !own.some((b) => cidrContains(b, addressCidr(family, value))));
  if (outside.length > budget) return undefined;
  return outside
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((value) => {
      const source = addressCidr(family, value);
      const holder = named
        .filter((b) => cidrContains(b, source) && b.prefix > 0)
        .sort((a, b) => b.prefix - a.prefix)
        .at(-1);
      return { source, label: holder ? formatCidr(holder) : `any source (${formatAddress(source)} and others)` };
    });
}

export function formatAddress(block: Cidr): string {
  if (block.family === 'ipv4') return [24n, 16n, 8n, 0n].map((shift) => String((block.first >> shift) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((block.first >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export const formatCidr = (block: Cidr): string =>
  `${formatAddress(block)}${block.prefix === (block.family === 'ipv4' ? 32 : 128) ? '' : `/${block.prefix}`}`;
