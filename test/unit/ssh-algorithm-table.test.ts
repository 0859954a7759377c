import { describe, expect, it } from 'vitest';
import { ALGORITHM_KINDS, isKnownAlgorithm, judgeAlgorithm } from '../../src/ssh/algorithm-table.ts';
import { hostKeyQueries, MAX_HOST_KEY_QUERIES } from '../../src/ssh/audit-endpoint.ts';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

describe('SSH algorithm table: names from the network are looked up without a prototype', () => {
  for (const kind of ALGORITHM_KINDS) {
    for (const name of PROTOTYPE_NAMES) {
      it(`${kind} "${name}" is unknown and warned about, not known-good`, () => {
        expect(isKnownAlgorithm(kind, name)).toBe(false);
        expect(judgeAlgorithm(kind, name)).toEqual({ name, kind, verdict: 'warn', reason: "not in cocoscan's table; review it by hand", known: false });
      });
    }
  }

  it('still knows its own names', () => {
    expect(judgeAlgorithm('kex', 'curve25519-sha256')).toMatchObject({ verdict: 'ok', known: true });
    expect(judgeAlgorithm('cipher', 'aes128-cbc')).toMatchObject({ verdict: 'fail', known: true });
    expect(judgeAlgorithm('hostKey', 'ssh-rsa')).toMatchObject({ verdict: 'fail', known: true });
  });
});

describe('hostKeyQueries: which host keys are fetched, one connection each', () => {
  it('asks for one RSA key whatever the signature algorithms, and skips certificates and security keys', () => {
    expect(hostKeyQueries(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com'])).toEqual({
      queries: ['ssh-ed25519', 'rsa-sha2-512'],
      unknown: [],
      overCap: [],
    });
  });

  it('never asks for an algorithm it does not know, prototype names included', () => {
    const plan = hostKeyQueries(['x509v3-sign-rsa', 'constructor', '__proto__', 'ssh-ed25519', 'toString']);
    expect(plan.queries).toEqual(['ssh-ed25519']);
    expect(plan.unknown).toEqual(['x509v3-sign-rsa', 'constructor', '__proto__', 'toString']);
  });

  it('asks for at most MAX_HOST_KEY_QUERIES keys, however many are offered', () => {
    const offered = ['ssh-ed25519', 'ssh-ed448', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];
    expect(hostKeyQueries(offered).queries).toHaveLength(MAX_HOST_KEY_QUERIES);
    const capped = hostKeyQueries(offered, 3);
    expect(capped.queries).toEqual(['ssh-ed25519', 'ssh-ed448', 'ssh-dss']);
    expect(capped.overCap).toEqual(['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']);
    expect(hostKeyQueries([...offered, ...offered, ...Array.from({ length: 1000 }, (_, i) => `made-up-${i}`)]).queries).toHaveLength(MAX_HOST_KEY_QUERIES);
  });
});
