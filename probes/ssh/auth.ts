import { describeNames, displayName, keepNames } from '../../src/ssh/bounded-text.ts';
import type { SshPortFacts } from './gather.ts';
import type { PortOutcome } from './verdict.ts';

/** The log-on methods an unknown user is offered: a banned method, or `none`, fails. */
export function authOutcome(auth: SshPortFacts['auth'], bannedAuthMethods: readonly string[]): PortOutcome {
  const expected = `no ${bannedAuthMethods.join(' or ')} log-on`;
  if (!auth || 'failure' in auth) return { status: 'error', params: { reason: auth?.failure ?? 'not asked' }, expected, actual: 'unknown' };
  const banned = auth.methods.filter((m) => bannedAuthMethods.includes(m) || m === 'none');
  const methods = describeNames(auth.methods) || 'no method at all';
  const data = { methods: keepNames(auth.methods, 16).names };
  if (banned.length > 0) {
    const bannedText = banned.slice(0, 8).map(displayName).join(' and ');
    return { status: 'fail', params: { methods, banned: bannedText }, expected, actual: methods, data };
  }
  return { status: 'pass', params: { methods }, expected, actual: methods, data };
}
