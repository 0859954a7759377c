import { UNKNOWN_ALGORITHM_REASON, judgeAlgorithm, type AlgorithmJudgement, type AlgorithmKind } from '../../src/ssh/algorithm-table.ts';
import { describeItems, describeNames, displayName, keepNames } from '../../src/ssh/bounded-text.ts';
import type { Kexinit } from '../../src/ssh/wire.ts';
import type { PortOutcome } from './verdict.ts';

export const STRICT_KEX = 'kex-strict-s-v00@openssh.com';

export type Offered = Record<AlgorithmKind, string[]>;
export type Judged = Record<AlgorithmKind, AlgorithmJudgement[]>;

/** What the server offers, each name once; ciphers and MACs of both directions together. */
export function offeredAlgorithms(k: Kexinit): Offered {
  return {
    kex: [...new Set(k.kex)],
    hostKey: [...new Set(k.hostKey)],
    cipher: [...new Set([...k.encryptionServerToClient, ...k.encryptionClientToServer])],
    mac: [...new Set([...k.macServerToClient, ...k.macClientToServer])],
  };
}

export function judgeOffered(offered: Offered): Judged {
  const judge = (kind: AlgorithmKind) => offered[kind].map((name) => judgeAlgorithm(kind, name));
  return { kex: judge('kex'), hostKey: judge('hostKey'), cipher: judge('cipher'), mac: judge('mac') };
}

// Messages, `actual` and data repeat at most a fixed number of names, each shortened: a server offering
// hundreds of made-up algorithms must not make every finding hundreds of kilobytes.
export const describeJudged = (items: AlgorithmJudgement[]) => describeItems(items, (j) => `${displayName(j.name)} (${j.reason})`);

/** The `offered` list a finding's data keeps (and history compares), bounded. */
export function offeredData(names: string[]): { offered: string[]; offeredOmitted?: number } {
  const kept = keepNames(names);
  return { offered: kept.names, ...(kept.omitted ? { offeredOmitted: kept.omitted } : {}) };
}

/**
 * Key exchange, ciphers or MACs: fail when any offered algorithm is weak. A list with no algorithm in it
 * (empty, or only markers such as kex-strict-s-v00@openssh.com) leaves nothing to judge: an error, never a pass.
 */
export function categoryOutcome(offered: string[], judged: AlgorithmJudgement[], expected: string, noun: string): PortOutcome {
  const weak = judged.filter((j) => j.verdict === 'fail');
  const actual = describeNames(offered);
  if (weak.length > 0) {
    const data = { weak: weak.map((w) => w.name), ...offeredData(offered) };
    return { status: 'fail', params: { weak: describeJudged(weak) }, expected, actual, data };
  }
  const algorithms = judged.filter((j) => j.verdict !== 'info').map((j) => j.name);
  if (algorithms.length === 0) {
    const what = offered.length === 0 ? 'an empty list' : `only markers: ${actual}`;
    const reason = `the server offered no ${noun} (${what}), so there is nothing to judge`;
    return { status: 'error', params: { reason }, expected, actual: actual || 'none', data: offeredData(offered) };
  }
  return { status: 'pass', params: { offered: describeNames(algorithms) }, expected, actual, data: offeredData(offered) };
}

/** Terrapin: ChaCha20-Poly1305, or any encrypt-then-MAC MAC, without strict key exchange. */
export function strictKexOutcome(offered: Offered): PortOutcome {
  const exposed = [
    ...offered.cipher.filter((c) => c === 'chacha20-poly1305@openssh.com'),
    ...offered.mac.filter((m) => m.includes('-etm@')),
  ];
  const strict = offered.kex.includes(STRICT_KEX);
  const expected = `${STRICT_KEX} offered`;
  if (!strict && exposed.length > 0) {
    return { status: 'fail', params: { exposed: describeNames(exposed), marker: STRICT_KEX }, expected, actual: 'not offered' };
  }
  const why = strict
    ? `offers strict key exchange (${STRICT_KEX})`
    : 'offers neither ChaCha20-Poly1305 nor encrypt-then-MAC, so Terrapin does not apply';
  return { status: 'pass', params: { why }, expected, actual: strict ? 'offered' : 'not needed' };
}

const nameOf = (j: AlgorithmJudgement) => j.name;

/** Algorithms the table warns about, and those it does not know (never a silent pass). */
export function warningsOutcome(judged: Judged): PortOutcome {
  const expected = 'no algorithm with a warning';
  const warnedAll = Object.values(judged)
    .flat()
    .filter((j) => j.verdict === 'warn');
  if (warnedAll.length === 0) return { status: 'pass', params: {}, expected, actual: 'none' };
  const warnedKnown = warnedAll.filter((j) => j.known);
  const unknown = warnedAll.filter((j) => !j.known);
  const unknownNames = describeNames(unknown.map(nameOf), 5);
  const warned = [
    ...(warnedKnown.length > 0 ? [describeJudged(warnedKnown)] : []),
    ...(unknown.length > 0 ? [`${unknown.length} algorithm(s) ${UNKNOWN_ALGORITHM_REASON}: ${unknownNames}`] : []),
  ].join('; ');
  return { status: 'fail', params: { warned }, expected, actual: warned };
}
