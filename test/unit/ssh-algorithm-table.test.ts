import { describe, expect, it } from 'vitest';
import { ALGORITHM_KINDS, isKnownAlgorithm, judgeAlgorithm } from '../../src/ssh/algorithm-table.ts';
import { hostKeyQueries, MAX_HOST_KEY_QUERIES } from '../../src/ssh/audit-endpoint.ts';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

describe('SSH algorithm table: names from the network are looked up without a prototype', () => {
  for (const kind of ALGORITHM_KINDS) {
    for (const name of PROTOTYPE_NAMES) {
      it(`${kind} "${name}" is unknown and warned about, not known-good`, () => {
        expect(isKnownAlgorithm(kind, name)).toBe(false);
        expect(judgeAlgorithm(kind, name)).toEqual({
          name,
          kind,
          verdict: 'warn',
          reason: "not in cocoscan's table; review it by hand",
          known: false,
        });
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
  it('asks for one RSA key whatever the signature algorithms, and one RSA certificate whatever its signature algorithm', () => {
    expect(
      hostKeyQueries([
        'rsa-sha2-512',
        'rsa-sha2-256',
        'ssh-rsa',
        'ssh-ed25519',
        'ssh-ed25519-cert-v01@openssh.com',
        'sk-ssh-ed25519@openssh.com',
      ]),
    ).toEqual({
      queries: ['ssh-ed25519', 'sk-ssh-ed25519@openssh.com', 'rsa-sha2-512', 'ssh-ed25519-cert-v01@openssh.com'],
      unknown: [],
      overCap: [],
      unreadable: [],
    });
  });

  it('every offered host-key algorithm is asked for or listed: certificates and security keys are never left out silently', () => {
    const offered = [
      'ssh-ed25519',
      'rsa-sha2-512-cert-v01@openssh.com',
      'rsa-sha2-256-cert-v01@openssh.com',
      'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'ssh-rsa-cert-v00@openssh.com',
      'made-up',
    ];
    const plan = hostKeyQueries(offered);
    expect(plan).toEqual({
      queries: ['ssh-ed25519', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com'],
      unknown: ['made-up'],
      overCap: [],
      unreadable: ['ssh-rsa-cert-v00@openssh.com'],
    });
    // rsa-sha2-256-cert shares the certificate read through rsa-sha2-512-cert.
    const accounted = new Set([...plan.queries, ...plan.unknown, ...plan.overCap, ...plan.unreadable, 'rsa-sha2-256-cert-v01@openssh.com']);
    expect(offered.every((a) => accounted.has(a))).toBe(true);
  });

  it('never asks for an algorithm it does not know, prototype names included', () => {
    const plan = hostKeyQueries(['x509v3-sign-rsa', 'constructor', '__proto__', 'ssh-ed25519', 'toString']);
    expect(plan.queries).toEqual(['ssh-ed25519']);
    expect(plan.unknown).toEqual(['x509v3-sign-rsa', 'constructor', '__proto__', 'toString']);
  });

  it('asks for at most MAX_HOST_KEY_QUERIES keys, plain keys before certificates, however many are offered', () => {
    const plain = [
      'ssh-ed25519',
      'ssh-ed448',
      'ssh-dss',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'ssh-rsa',
      'sk-ssh-ed25519@openssh.com',
      'sk-ecdsa-sha2-nistp256@openssh.com',
    ];
    const certificates = [
      'ssh-ed25519-cert-v01@openssh.com',
      'ssh-dss-cert-v01@openssh.com',
      'ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'ecdsa-sha2-nistp384-cert-v01@openssh.com',
      'ecdsa-sha2-nistp521-cert-v01@openssh.com',
      'rsa-sha2-512-cert-v01@openssh.com',
    ];
    const offered = [...certificates, ...plain];
    const plan = hostKeyQueries(offered);
    expect(plan.queries).toHaveLength(MAX_HOST_KEY_QUERIES);
    expect([...plan.queries.slice(0, plain.length)].sort()).toEqual([...plain].sort());
    expect([...plan.queries, ...plan.overCap].sort()).toEqual([...offered].sort());
    const capped = hostKeyQueries(plain, 3);
    expect(capped.queries).toEqual(['ssh-ed25519', 'ssh-ed448', 'ssh-dss']);
    expect(capped.overCap).toEqual([
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'sk-ssh-ed25519@openssh.com',
      'sk-ecdsa-sha2-nistp256@openssh.com',
      'ssh-rsa',
    ]);
    expect(hostKeyQueries([...offered, ...offered, ...Array.from({ length: 1000 }, (_, i) => `made-up-${i}`)]).queries).toHaveLength(
      MAX_HOST_KEY_QUERIES,
    );
  });
});
