import { isKnownAlgorithm, judgeAlgorithm } from '../../src/ssh/algorithm-table.ts';
import { describeNames, keepNames } from '../../src/ssh/bounded-text.ts';
import type { HostKey } from '../../src/ssh/exchange.ts';
import type { Judged, Offered } from './algorithms.ts';
import type { SshPortFacts } from './gather.ts';
import type { PortOutcome } from './verdict.ts';

/** "host key", or "certificate key" for the key an OpenSSH certificate carries. */
const keyKind = (key: HostKey) => (key.type === key.keyType ? 'host key' : `certificate key (${key.type})`);

/** Host keys: the offered algorithms, and each key's own type and size (a certificate's and its authority's). */
export function hostKeysOutcome(port: SshPortFacts, offered: Offered, judged: Judged, minRsaBits: number): PortOutcome {
  const keys = port.hostKeys;
  const weakKeys = [
    ...judged.hostKey.filter((j) => j.verdict === 'fail').map((j) => `${j.name} (${j.reason})`),
    ...keys
      .filter((key) => key.keyType === 'ssh-rsa' && key.bits < minRsaBits)
      .map((key) => `RSA ${keyKind(key)} of ${key.bits} bits (under ${minRsaBits})`),
    ...keys.filter((key) => key.keyType === 'ssh-dss').map((key) => `DSA ${keyKind(key)} (${key.bits} bits)`),
    ...keys
      .filter((key) => key.signedBy?.type === 'ssh-rsa' && key.signedBy.bits < minRsaBits)
      .map((key) => `${key.type} signed by an RSA authority key of ${key.signedBy!.bits} bits (under ${minRsaBits})`),
    ...keys.filter((key) => key.signedBy?.type === 'ssh-dss').map((key) => `${key.type} signed by a DSA authority key`),
  ];
  const signer = (key: HostKey) => (key.signedBy ? ` (signed by ${key.signedBy.type} ${key.signedBy.bits} bits)` : '');
  const keyText = keys.map((key) => `${key.type} ${key.bits} bits ${key.fingerprint}${signer(key)}`).join('; ');
  // A small RSA key makes every RSA signature algorithm that uses it weak, whatever its hash.
  const smallRsa = keys.some((key) => key.keyType === 'ssh-rsa' && key.bits < minRsaBits);
  const weakAlgorithms = offered.hostKey.filter(
    (name) =>
      judgeAlgorithm('hostKey', name).verdict === 'fail' ||
      (smallRsa && isKnownAlgorithm('hostKey', name) && /^(rsa-sha2-|ssh-rsa)/.test(name)),
  );
  const plan = port.hostKeyPlan;
  const notFetched = plan?.unknown ?? [];
  const unread = [
    ...port.hostKeyErrors,
    ...(notFetched.length > 0
      ? [
          `${notFetched.length} offered host-key algorithm(s) cocoscan does not know, so their keys were not fetched ` +
            `and their sizes are unread: ${describeNames(notFetched, 5)}`,
        ]
      : []),
    ...(plan && plan.overCap.length > 0
      ? [`not fetched (at most ${plan.queries.length} host keys per port): ${describeNames(plan.overCap)}`]
      : []),
    ...(plan && plan.unreadable.length > 0
      ? [`offered in a format whose key cocoscan cannot read (check by hand): ${describeNames(plan.unreadable)}`]
      : []),
    ...keys
      .filter((key) => key.type !== key.keyType && !key.signedBy)
      .map((key) => `the authority key that signed ${key.type} ${key.fingerprint} is of a type whose size cocoscan cannot read`),
  ];
  const data = {
    hostKeys: keys,
    errors: port.hostKeyErrors,
    weak: weakAlgorithms,
    ...(notFetched.length > 0 ? { notFetched: keepNames(notFetched, 16) } : {}),
  };
  const expected = `Ed25519 or RSA of at least ${minRsaBits} bits with SHA-2 signatures`;
  if (weakKeys.length > 0)
    return { status: 'fail', params: { weak: weakKeys.join('; ') }, expected, actual: keyText || describeNames(offered.hostKey), data };
  if (keys.length === 0 || unread.length > 0) {
    return {
      status: 'error',
      params: { reason: `host keys could not be read: ${unread.join('; ') || 'none offered'}` },
      expected,
      actual: keyText || 'none',
      data,
    };
  }
  return { status: 'pass', params: { keys: keyText }, expected, actual: keyText, data };
}
