import { describeNames, displayName, keepNames } from '../../src/ssh/bounded-text.ts';
import type { AuthFacts, SshPortFacts } from './gather.ts';
import type { PortOutcome } from './verdict.ts';

const UNKNOWN_USER = 'an unknown user';

/** "a", "a and b", "a, b and c". */
function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/**
 * The log-on methods offered to an unknown user and to each named user, judged together: a banned method,
 * or `none`, offered to any of them fails, naming who. A user who could not be asked leaves the verdict open
 * (an error, or not tested when cocoscan could not ask at all), unless another already fails it.
 */
export function authOutcome(port: Pick<SshPortFacts, 'auth' | 'users'>, bannedAuthMethods: readonly string[]): PortOutcome {
  const expected = `no ${bannedAuthMethods.join(' or ')} log-on`;
  const asked: { who: string; auth: AuthFacts | undefined }[] = [
    { who: UNKNOWN_USER, auth: port.auth },
    ...(port.users ?? []).map(({ user, ...auth }) => ({ who: displayName(user), auth })),
  ];
  const answered = asked.flatMap(({ who, auth }) => (auth && 'methods' in auth ? [{ who, methods: auth.methods }] : []));
  const unanswered = asked.flatMap(({ who, auth }) =>
    auth && 'methods' in auth ? [] : [{ who, failure: auth?.failure ?? 'not asked', untestable: auth?.untestable === true }],
  );
  const isBanned = (m: string) => bannedAuthMethods.includes(m) || m === 'none';
  const failing = answered.filter((a) => a.methods.some(isBanned));
  const named = asked.length > 1;
  const data = {
    methods: keepNames([...new Set(answered.flatMap((a) => a.methods))], 16).names,
    ...(named ? { users: answered.map((a) => ({ user: a.who, methods: keepNames(a.methods, 16).names })) } : {}),
  };
  const notAsked = unanswered.length > 0 ? `; not asked for ${joinWords(unanswered.map((u) => `${u.who} (${u.failure})`))}` : '';
  if (failing.length > 0) {
    const methods = describeNames([...new Set(failing.flatMap((a) => a.methods))]) || 'no method at all';
    const banned = [...new Set(failing.flatMap((a) => a.methods.filter(isBanned)))];
    const bannedText = banned.slice(0, 8).map(displayName).join(' and ');
    const users = joinWords(failing.map((a) => a.who));
    return { status: 'fail', params: { users, methods, banned: bannedText }, expected, actual: `${users}: ${methods}${notAsked}`, data };
  }
  if (unanswered.length > 0) {
    const reason = named ? unanswered.map((u) => `${u.who}: ${u.failure}`).join('; ') : (unanswered[0]?.failure ?? 'not asked');
    const status = unanswered.every((u) => u.untestable) ? 'not_tested' : 'error';
    return { status, params: { reason }, expected, actual: 'unknown', ...(answered.length > 0 ? { data } : {}) };
  }
  const methods = describeNames([...new Set(answered.flatMap((a) => a.methods))]) || 'no method at all';
  return { status: 'pass', params: { users: joinWords(answered.map((a) => a.who)), methods }, expected, actual: methods, data };
}
