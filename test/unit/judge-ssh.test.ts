import { describe, expect, it } from 'vitest';
import type { SshThresholds } from '../../probes/ssh/findings.ts';
import { judgeSsh, type SshFacts, type SshPortFacts } from '../../probes/ssh/judge.ts';
import { observeSsh } from '../../probes/ssh/observe.ts';
import ssh from '../../probes/ssh/index.ts';
import { describeChange, diffStates } from '../../src/history/diff.ts';
import { observedState } from '../../src/history/state.ts';
import { findingBuilder } from '../../src/probe/finding-builder.ts';
import type { ReportFinding } from '../../src/report/schema.ts';
import { hostKeyQueries } from '../../src/ssh/audit-endpoint.ts';
import type { HostKey } from '../../src/ssh/exchange.ts';
import type { Kexinit } from '../../src/ssh/wire.ts';
import { judgeTable } from '../helpers/judge-table.ts';

const thresholds: SshThresholds = {
  minRsaBits: 2048,
  bannedAuthMethods: ['password', 'keyboard-interactive'],
  authUsers: ['root', 'admin'],
  vulnerabilityFailCvss: 8,
};
const now = new Date('2026-11-30T10:00:00Z');
const STRICT = 'kex-strict-s-v00@openssh.com';

interface Offer {
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
  /** Ciphers and MACs of the client-to-server direction, when they differ. */
  toServer?: { cipher: string[]; mac: string[] };
  /** Compression of both directions; the client-to-server list apart when it differs. */
  compression?: string[];
  compressionToServer?: string[];
}
const modern: Offer = {
  kex: ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com', 'ext-info-s', STRICT],
  hostKey: ['ssh-ed25519'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com'],
  mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'],
};

const kexinit = (o: Offer): Kexinit => ({
  cookie: '00'.repeat(16),
  kex: o.kex,
  hostKey: o.hostKey,
  encryptionServerToClient: o.cipher,
  encryptionClientToServer: o.toServer?.cipher ?? o.cipher,
  macServerToClient: o.mac,
  macClientToServer: o.toServer?.mac ?? o.mac,
  compressionServerToClient: o.compression ?? ['none'],
  compressionClientToServer: o.compressionToServer ?? o.compression ?? ['none'],
  firstKexFollows: false,
});

const ed25519: HostKey = {
  algorithm: 'ssh-ed25519',
  type: 'ssh-ed25519',
  keyType: 'ssh-ed25519',
  bits: 256,
  fingerprint: 'SHA256:ed25519key',
};
const rsa = (bits: number): HostKey => ({
  algorithm: 'rsa-sha2-512',
  type: 'ssh-rsa',
  keyType: 'ssh-rsa',
  bits,
  fingerprint: `SHA256:rsa${bits}`,
});
const dsa: HostKey = { algorithm: 'ssh-dss', type: 'ssh-dss', keyType: 'ssh-dss', bits: 1024, fingerprint: 'SHA256:dsa' };
const ecdsa: HostKey = {
  algorithm: 'ecdsa-sha2-nistp256',
  type: 'ecdsa-sha2-nistp256',
  keyType: 'ecdsa-sha2-nistp256',
  bits: 256,
  fingerprint: 'SHA256:ecdsa',
};
const rsaCertificate = (bits: number, signedBy?: HostKey['signedBy']): HostKey => ({
  algorithm: 'rsa-sha2-512-cert-v01@openssh.com',
  type: 'ssh-rsa-cert-v01@openssh.com',
  keyType: 'ssh-rsa',
  bits,
  fingerprint: `SHA256:rsacert${bits}`,
  ...(signedBy ? { signedBy } : {}),
});
const ed25519Certificate = (signedBy?: HostKey['signedBy']): HostKey => ({
  algorithm: 'ssh-ed25519-cert-v01@openssh.com',
  type: 'ssh-ed25519-cert-v01@openssh.com',
  keyType: 'ssh-ed25519',
  bits: 256,
  fingerprint: 'SHA256:edcert',
  ...(signedBy ? { signedBy } : {}),
});

interface PortSpec {
  port?: number;
  flow?: string;
  offer?: Partial<Offer>;
  keys?: HostKey[];
  keyErrors?: string[];
  methods?: string[];
  auth?: SshPortFacts['auth'] | null;
  users?: SshPortFacts['users'];
  preamble?: string[];
  ident?: string;
  plan?: SshPortFacts['hostKeyPlan'];
}

/** A port as the gathering returns it; by default a modern OpenSSH with one Ed25519 key offering public keys only. */
function port(spec: PortSpec = {}): SshPortFacts {
  const n = spec.port ?? 22;
  const offer = { ...modern, ...spec.offer };
  const k = kexinit(offer);
  return {
    port: n,
    ...(spec.flow === '' ? {} : { flow: spec.flow ?? 'admin-ssh' }),
    artefact: `evidence/gateways/gw/ssh-${n}.json`,
    hello: { ident: spec.ident ?? 'SSH-2.0-OpenSSH_9.6', preamble: spec.preamble ?? [], kexinit: k },
    hostKeys: spec.keys ?? [ed25519],
    hostKeyErrors: spec.keyErrors ?? [],
    hostKeyPlan: spec.plan ?? hostKeyQueries(k.hostKey),
    ...(spec.auth === null ? {} : { auth: spec.auth ?? { methods: spec.methods ?? ['publickey'] } }),
    ...(spec.users ? { users: spec.users } : {}),
  };
}
const failed = (failure: string, n = 22): SshPortFacts => ({
  port: n,
  flow: 'admin-ssh',
  artefact: `evidence/gateways/gw/ssh-${n}.json`,
  failure,
  hostKeys: [],
  hostKeyErrors: [],
});
const facts = (...ports: SshPortFacts[]): SshFacts => ({ target: { gateway: 'gw', host: '192.0.2.1' }, ports });
const one = (spec: PortSpec = {}) => facts(port(spec));

const EVERY_ID = [
  'ssh.kex',
  'ssh.host-keys',
  'ssh.ciphers',
  'ssh.macs',
  'ssh.strict-kex',
  'ssh.algorithm-warnings',
  'ssh.compression',
  'ssh.auth-methods',
  'ssh.known-vulnerabilities',
] as const;

judgeTable('ssh', {
  judge: judgeSsh,
  thresholds,
  now,
  valid: [
    {
      name: 'a modern OpenSSH: Ed25519, curve25519, ChaCha20 and encrypt-then-MAC with strict key exchange, public keys only',
      facts: one(),
    },
    { name: 'no SSH declared or found: nothing applies', facts: facts() },
    {
      name: 'Ed25519 and an RSA key of exactly 2048 bits with SHA-2 signatures',
      facts: one({ offer: { hostKey: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256'] }, keys: [ed25519, rsa(2048)] }),
    },
    {
      name: 'an RSA key of 1024 bits under a profile whose minimum is 1024',
      facts: one({ offer: { hostKey: ['rsa-sha2-512'] }, keys: [rsa(1024)] }),
      thresholds: { ...thresholds, minRsaBits: 1024 },
    },
    {
      name: 'an Ed25519 certificate signed by an Ed25519 authority',
      facts: one({
        offer: { hostKey: ['ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com'] },
        keys: [ed25519, ed25519Certificate({ type: 'ssh-ed25519', bits: 256 })],
      }),
    },
    {
      name: 'an RSA certificate of 3072 bits signed by a 4096-bit RSA authority',
      facts: one({
        offer: { hostKey: ['rsa-sha2-512-cert-v01@openssh.com'] },
        keys: [rsaCertificate(3072, { type: 'ssh-rsa', bits: 4096 })],
      }),
    },
    {
      name: 'keyboard-interactive offered under a profile that bans only passwords',
      facts: one({ methods: ['publickey', 'keyboard-interactive'] }),
      thresholds: { ...thresholds, bannedAuthMethods: ['password'] },
    },
    // Today's behaviour: a server that offers an unknown user no method at all lets nobody in with a password.
    { name: 'no log-on method offered at all', facts: one({ methods: [] }) },
    { name: 'several good ports, one undeclared', facts: facts(port(), port({ port: 2222, flow: '' })) },
    // ssh.known-vulnerabilities: versions past every range of the table
    { name: "Debian's OpenSSH 9.2p1 with its comment", facts: one({ ident: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7' }) },
    { name: "Debian's Dropbear 2022.83", facts: one({ ident: 'SSH-2.0-dropbear_2022.83' }) },
    // ssh-audit 2.5 compares versions as text ("10.0" < "7.7") and would list CVE-2018-15473 here.
    { name: 'OpenSSH 10.0, compared number by number', facts: one({ ident: 'SSH-2.0-OpenSSH_10.0' }) },
    { name: 'libssh 0.8.4, the first fix of the authentication bypass', facts: one({ ident: 'SSH-2.0-libssh_0.8.4' }) },
    {
      name: 'OpenSSH 7.2p2: CVEs below the CVSS at which the profile fails are named in a pass',
      facts: one({ ident: 'SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10' }),
      thresholds: { ...thresholds, vulnerabilityFailCvss: 9 },
    },
  ],
  invalid: [
    // Key exchange
    {
      name: 'a 1024-bit group with SHA-1 (Logjam)',
      facts: one({ offer: { kex: ['curve25519-sha256', 'diffie-hellman-group1-sha1', STRICT] } }),
      verdicts: [{ id: 'ssh.kex', status: 'fail', params: { weak: 'diffie-hellman-group1-sha1 (1024-bit group (Logjam) with SHA-1)' } }],
    },
    {
      name: 'SHA-1 group exchange and the NIST curves',
      facts: one({ offer: { kex: ['diffie-hellman-group-exchange-sha1', 'ecdh-sha2-nistp256', STRICT] } }),
      verdicts: [
        {
          id: 'ssh.kex',
          status: 'fail',
          params: { weak: /^diffie-hellman-group-exchange-sha1 \(SHA-1 key exchange\), ecdh-sha2-nistp256 \(NIST P-256/ },
        },
      ],
    },
    {
      name: 'a pass names the algorithms but not the markers',
      facts: one(),
      verdicts: [{ id: 'ssh.kex', status: 'pass', params: { offered: 'curve25519-sha256, sntrup761x25519-sha512@openssh.com' } }],
    },
    // Ciphers and MACs
    {
      name: 'CBC and 3DES ciphers',
      facts: one({ offer: { cipher: ['aes256-gcm@openssh.com', 'aes128-cbc', '3des-cbc'] } }),
      verdicts: [
        { id: 'ssh.ciphers', status: 'fail', params: { weak: 'aes128-cbc (CBC mode), 3des-cbc (3DES (64-bit blocks) in CBC mode)' } },
      ],
    },
    {
      name: 'a weak cipher in the client-to-server direction only',
      facts: one({ offer: { toServer: { cipher: ['aes256-gcm@openssh.com', 'arcfour'], mac: modern.mac } } }),
      verdicts: [{ id: 'ssh.ciphers', status: 'fail', params: { weak: 'arcfour (RC4)' } }],
    },
    {
      name: 'no encryption at all',
      facts: one({ offer: { cipher: ['none'] } }),
      verdicts: [{ id: 'ssh.ciphers', status: 'fail', params: { weak: 'none (no encryption)' } }],
    },
    {
      name: 'MD5 and plain SHA-1 MACs',
      facts: one({ offer: { mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-md5', 'hmac-sha1'] } }),
      verdicts: [{ id: 'ssh.macs', status: 'fail', params: { weak: /^hmac-md5 \(MD5\), hmac-sha1 \(SHA-1 without encrypt-then-MAC/ } }],
    },
    {
      name: 'a short-tag MAC in one direction only',
      facts: one({ offer: { toServer: { cipher: modern.cipher, mac: ['umac-32@openssh.com'] } } }),
      verdicts: [{ id: 'ssh.macs', status: 'fail', params: { weak: 'umac-32@openssh.com (32-bit tag)' } }],
    },
    // Host keys
    {
      name: 'DSA offered and sent',
      facts: one({ offer: { hostKey: ['ssh-ed25519', 'ssh-dss'] }, keys: [ed25519, dsa] }),
      verdicts: [{ id: 'ssh.host-keys', status: 'fail', params: { weak: 'ssh-dss (DSA (1024-bit, SHA-1)); DSA host key (1024 bits)' } }],
    },
    {
      name: 'RSA with SHA-1 signatures offered for a large key',
      facts: one({ offer: { hostKey: ['rsa-sha2-512', 'ssh-rsa'] }, keys: [rsa(3072)] }),
      verdicts: [{ id: 'ssh.host-keys', status: 'fail', params: { weak: 'ssh-rsa (RSA with SHA-1 signatures)' } }],
    },
    {
      name: 'an RSA key of 2047 bits',
      facts: one({ offer: { hostKey: ['rsa-sha2-512'] }, keys: [rsa(2047)] }),
      verdicts: [{ id: 'ssh.host-keys', status: 'fail', params: { weak: 'RSA host key of 2047 bits (under 2048)' } }],
    },
    {
      name: 'an RSA key of 2048 bits under a profile whose minimum is 3072',
      facts: one({ offer: { hostKey: ['rsa-sha2-512'] }, keys: [rsa(2048)] }),
      thresholds: { ...thresholds, minRsaBits: 3072 },
      verdicts: [{ id: 'ssh.host-keys', status: 'fail', params: { weak: 'RSA host key of 2048 bits (under 3072)' } }],
    },
    {
      name: 'ECDSA on a NIST curve',
      facts: one({ offer: { hostKey: ['ecdsa-sha2-nistp256'] }, keys: [ecdsa] }),
      verdicts: [{ id: 'ssh.host-keys', status: 'fail', params: { weak: /^ecdsa-sha2-nistp256 \(ECDSA on NIST P-256/ } }],
    },
    {
      name: 'an RSA certificate carrying a 1024-bit key names the certificate key',
      facts: one({
        offer: { hostKey: ['ssh-ed25519', 'rsa-sha2-512-cert-v01@openssh.com'] },
        keys: [ed25519, rsaCertificate(1024, { type: 'ssh-ed25519', bits: 256 })],
      }),
      verdicts: [
        {
          id: 'ssh.host-keys',
          status: 'fail',
          params: { weak: 'RSA certificate key (ssh-rsa-cert-v01@openssh.com) of 1024 bits (under 2048)' },
        },
      ],
    },
    {
      name: 'an Ed25519 certificate signed by a 1024-bit RSA authority names the authority',
      facts: one({ offer: { hostKey: ['ssh-ed25519-cert-v01@openssh.com'] }, keys: [ed25519Certificate({ type: 'ssh-rsa', bits: 1024 })] }),
      verdicts: [
        {
          id: 'ssh.host-keys',
          status: 'fail',
          params: { weak: 'ssh-ed25519-cert-v01@openssh.com signed by an RSA authority key of 1024 bits (under 2048)' },
        },
      ],
    },
    {
      name: 'a certificate signed by a DSA authority',
      facts: one({ offer: { hostKey: ['ssh-ed25519-cert-v01@openssh.com'] }, keys: [ed25519Certificate({ type: 'ssh-dss', bits: 1024 })] }),
      verdicts: [
        { id: 'ssh.host-keys', status: 'fail', params: { weak: 'ssh-ed25519-cert-v01@openssh.com signed by a DSA authority key' } },
      ],
    },
    {
      name: 'a certificate whose authority key size cannot be read is an error, not a pass on the certified key',
      facts: one({ offer: { hostKey: ['ssh-ed25519-cert-v01@openssh.com'] }, keys: [ed25519Certificate()] }),
      verdicts: [
        {
          id: 'ssh.host-keys',
          status: 'error',
          params: {
            reason:
              /the authority key that signed ssh-ed25519-cert-v01@openssh.com SHA256:edcert is of a type whose size cocoscan cannot read/,
          },
        },
      ],
    },
    {
      name: 'an obsolete v00 certificate is weak, not merely unread',
      facts: one({ offer: { hostKey: ['ssh-ed25519', 'ssh-rsa-cert-v00@openssh.com'] } }),
      verdicts: [
        {
          id: 'ssh.host-keys',
          status: 'fail',
          params: { weak: 'ssh-rsa-cert-v00@openssh.com (obsolete RSA certificate with SHA-1 signatures)' },
        },
      ],
    },
    {
      name: 'a weak key wins over an unread one',
      facts: one({
        offer: { hostKey: ['ssh-ed25519', 'rsa-sha2-512'] },
        keys: [rsa(1024)],
        keyErrors: ['ssh-ed25519: the key blob is shorter than its fields'],
      }),
      verdicts: [{ id: 'ssh.host-keys', status: 'fail', params: { weak: 'RSA host key of 1024 bits (under 2048)' } }],
    },
    // Unreadable host keys: an error, never a pass on the keys that were read
    {
      name: 'a key whose size cannot be read',
      facts: one({ keys: [], keyErrors: ['ssh-ed25519: an Ed25519 key of 31 bytes'] }),
      verdicts: [
        {
          id: 'ssh.host-keys',
          status: 'error',
          params: { reason: 'host keys could not be read: ssh-ed25519: an Ed25519 key of 31 bytes' },
          actual: 'none',
        },
      ],
    },
    {
      name: 'one key read, another not: an error that still shows the key read',
      facts: one({
        offer: { hostKey: ['ssh-ed25519', 'rsa-sha2-512'] },
        keyErrors: ['rsa-sha2-512: the server closed the connection before the key exchange'],
      }),
      verdicts: [
        {
          id: 'ssh.host-keys',
          status: 'error',
          params: { reason: /rsa-sha2-512: the server closed the connection/ },
          actual: 'ssh-ed25519 256 bits SHA256:ed25519key',
        },
      ],
    },
    {
      name: 'no host-key algorithm offered at all',
      facts: one({ offer: { hostKey: [] }, keys: [] }),
      verdicts: [{ id: 'ssh.host-keys', status: 'error', params: { reason: 'host keys could not be read: none offered' } }],
    },
    {
      name: 'host-key algorithms over the per-port cap',
      facts: one({ plan: { queries: ['ssh-ed25519'], unknown: [], overCap: ['rsa-sha2-512'], unreadable: [] } }),
      verdicts: [
        {
          id: 'ssh.host-keys',
          status: 'error',
          params: { reason: 'host keys could not be read: not fetched (at most 1 host keys per port): rsa-sha2-512' },
        },
      ],
    },
    // Strict key exchange (Terrapin)
    {
      name: 'ChaCha20-Poly1305 without strict key exchange',
      facts: one({ offer: { kex: ['curve25519-sha256'], mac: ['hmac-sha2-256'] } }),
      verdicts: [
        {
          id: 'ssh.strict-kex',
          status: 'fail',
          params: { exposed: 'chacha20-poly1305@openssh.com', marker: STRICT },
          actual: 'not offered',
        },
      ],
    },
    {
      name: 'encrypt-then-MAC without strict key exchange',
      facts: one({ offer: { kex: ['curve25519-sha256'], cipher: ['aes256-ctr'] } }),
      verdicts: [
        { id: 'ssh.strict-kex', status: 'fail', params: { exposed: 'hmac-sha2-256-etm@openssh.com, hmac-sha2-512-etm@openssh.com' } },
      ],
    },
    {
      name: 'strict key exchange offered',
      facts: one(),
      verdicts: [{ id: 'ssh.strict-kex', status: 'pass', params: { why: `offers strict key exchange (${STRICT})` }, actual: 'offered' }],
    },
    {
      name: 'neither ChaCha20 nor encrypt-then-MAC: Terrapin does not apply, but encrypt-and-MAC is warned about',
      facts: one({ offer: { kex: ['curve25519-sha256'], cipher: ['aes256-gcm@openssh.com'], mac: ['hmac-sha2-256'] } }),
      verdicts: [
        { id: 'ssh.strict-kex', status: 'pass', params: { why: /Terrapin does not apply/ }, actual: 'not needed' },
        { id: 'ssh.algorithm-warnings', status: 'fail', params: { warned: 'hmac-sha2-256 (encrypt-and-MAC mode)' } },
        { id: 'ssh.macs', status: 'pass' },
      ],
    },
    // Warnings and algorithms cocoscan does not know
    {
      name: 'an algorithm with a warning',
      facts: one({ offer: { kex: ['curve25519-sha256', 'rsa2048-sha256', STRICT] } }),
      verdicts: [
        { id: 'ssh.algorithm-warnings', status: 'fail', params: { warned: 'rsa2048-sha256 (RSA key exchange has no forward secrecy)' } },
        { id: 'ssh.kex', status: 'pass' },
      ],
    },
    {
      name: 'algorithm names __proto__ and constructor are unknown, warned about, never known-good or inherited',
      facts: one({
        offer: {
          kex: ['__proto__', 'curve25519-sha256', STRICT],
          cipher: ['constructor', 'aes256-gcm@openssh.com'],
          hostKey: ['ssh-ed25519', 'toString'],
        },
      }),
      verdicts: [
        {
          id: 'ssh.algorithm-warnings',
          status: 'fail',
          params: { warned: "3 algorithm(s) not in cocoscan's table; review it by hand: __proto__, toString, constructor" },
        },
        { id: 'ssh.kex', status: 'pass', params: { offered: '__proto__, curve25519-sha256' } },
        { id: 'ssh.ciphers', status: 'pass' },
        {
          id: 'ssh.host-keys',
          status: 'error',
          params: { reason: /1 offered host-key algorithm\(s\) cocoscan does not know.*: toString$/ },
        },
      ],
    },
    {
      name: 'hundreds of made-up algorithms: named a few at a time, counted',
      facts: one({ offer: { kex: [...Array.from({ length: 300 }, (_, i) => `made-up-${i}@example.com`), 'curve25519-sha256', STRICT] } }),
      verdicts: [
        {
          id: 'ssh.algorithm-warnings',
          status: 'fail',
          params: { warned: /^300 algorithm\(s\) not in cocoscan's table; review it by hand: made-up-0@example.com, .* … and 295 more$/ },
        },
        { id: 'ssh.kex', status: 'pass', params: { offered: /… and 277 more$/ } },
      ],
    },
    {
      name: 'a name longer than SSH allows is shortened in the message',
      facts: one({ offer: { kex: ['curve25519-sha256', `${'x'.repeat(200)}@example.com`, STRICT] } }),
      verdicts: [{ id: 'ssh.algorithm-warnings', status: 'fail', params: { warned: /: x{64}…\(212 characters\)$/ } }],
    },
    // Empty lists: nothing to judge is an error, never a pass (a fix: they used to pass with an empty name list)
    {
      name: 'an empty key exchange list',
      facts: one({ offer: { kex: [] } }),
      verdicts: [
        {
          id: 'ssh.kex',
          status: 'error',
          params: { reason: 'the server offered no key exchange algorithm (an empty list), so there is nothing to judge' },
          actual: 'none',
        },
      ],
    },
    {
      name: 'a key exchange list of markers only',
      facts: one({ offer: { kex: ['ext-info-s', STRICT] } }),
      verdicts: [
        {
          id: 'ssh.kex',
          status: 'error',
          params: {
            reason: `the server offered no key exchange algorithm (only markers: ext-info-s, ${STRICT}), so there is nothing to judge`,
          },
        },
      ],
    },
    {
      name: 'empty cipher and MAC lists',
      facts: one({ offer: { cipher: [], mac: [] } }),
      verdicts: [
        { id: 'ssh.ciphers', status: 'error', params: { reason: /no cipher \(an empty list\)/ } },
        { id: 'ssh.macs', status: 'error', params: { reason: /no MAC \(an empty list\)/ } },
        { id: 'ssh.strict-kex', status: 'pass' },
      ],
    },
    // Log-on methods
    {
      name: 'passwords offered',
      facts: one({ methods: ['publickey', 'password'] }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'fail', params: { methods: 'publickey, password', banned: 'password' } }],
    },
    {
      name: 'passwords and keyboard-interactive offered',
      facts: one({ methods: ['publickey', 'password', 'keyboard-interactive'] }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'fail', params: { banned: 'password and keyboard-interactive' } }],
    },
    {
      name: 'an unknown user let in with no authentication',
      facts: one({ methods: ['none'] }),
      thresholds: { ...thresholds, bannedAuthMethods: ['password'] },
      verdicts: [{ id: 'ssh.auth-methods', status: 'fail', params: { banned: 'none' } }],
    },
    {
      name: 'the methods could not be asked for',
      facts: one({ auth: { failure: 'the server closed the connection before the key exchange' } }),
      verdicts: [
        {
          id: 'ssh.auth-methods',
          status: 'error',
          params: { reason: 'the server closed the connection before the key exchange' },
          actual: 'unknown',
        },
      ],
    },
    {
      name: 'the methods were never asked for',
      facts: one({ auth: null }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'error', params: { reason: 'not asked' } }],
    },
    {
      name: 'method names __proto__ and constructor are neither banned nor special',
      facts: one({ methods: ['__proto__', 'constructor'] }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'pass', params: { methods: '__proto__, constructor' } }],
    },
    {
      name: 'no method at all is named so',
      facts: one({ methods: [] }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'pass', params: { methods: 'no method at all' } }],
    },
    // Log-on methods per user (issue 16 item 6: Match User blocks)
    {
      name: 'every user offered public keys only: the pass names who was asked',
      facts: one({
        users: [
          { user: 'root', methods: ['publickey'] },
          { user: 'admin', methods: ['publickey'] },
        ],
      }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'pass', params: { users: 'an unknown user, root and admin', methods: 'publickey' } }],
    },
    {
      name: 'password offered to root only (Match User root) fails naming root',
      facts: one({
        users: [
          { user: 'root', methods: ['publickey', 'password'] },
          { user: 'admin', methods: ['publickey'] },
        ],
      }),
      verdicts: [
        {
          id: 'ssh.auth-methods',
          status: 'fail',
          params: { users: 'root', methods: 'publickey, password', banned: 'password' },
          actual: 'root: publickey, password',
        },
      ],
    },
    {
      name: 'two users offered different banned methods: both named, the banned methods together',
      facts: one({
        users: [
          { user: 'root', methods: ['password'] },
          { user: 'admin', methods: ['keyboard-interactive'] },
        ],
      }),
      verdicts: [
        { id: 'ssh.auth-methods', status: 'fail', params: { users: 'root and admin', banned: 'password and keyboard-interactive' } },
      ],
    },
    {
      name: 'a user who could not be asked does not hide another who is offered a password',
      facts: one({
        users: [
          { user: 'root', methods: ['password'] },
          { user: 'admin', failure: 'the server closed the connection' },
        ],
      }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'fail', params: { users: 'root' }, actual: /not asked for admin \(the server closed/ }],
    },
    {
      name: 'a user who could not be asked leaves the verdict open: an error naming the user, never a pass',
      facts: one({
        users: [
          { user: 'root', methods: ['publickey'] },
          { user: 'admin', failure: 'timed out' },
        ],
      }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'error', params: { reason: 'admin: timed out' } }],
    },
    {
      name: 'a server whose key exchange the client cannot complete: not tested with the reason, never silence',
      facts: one({
        auth: {
          failure: 'the server offers only key exchange the SSH client library cannot complete (sntrup761x25519-sha512)',
          untestable: true,
        },
        users: [{ user: 'root', failure: 'the server offers only key exchange …', untestable: true }],
      }),
      verdicts: [
        {
          id: 'ssh.auth-methods',
          status: 'not_tested',
          params: { reason: /an unknown user: the server offers only key exchange the SSH client library cannot complete \(sntrup761/ },
        },
      ],
    },
    {
      name: 'user names __proto__ and constructor are just names',
      facts: one({
        users: [
          { user: '__proto__', methods: ['password'] },
          { user: 'constructor', methods: ['publickey'] },
        ],
      }),
      verdicts: [{ id: 'ssh.auth-methods', status: 'fail', params: { users: '__proto__', banned: 'password' } }],
    },
    // Compression (issue 16 item 13: Dropbear's zlib@openssh.com)
    {
      name: "Dropbear's delayed zlib@openssh.com is named, not a finding",
      facts: one({ ident: 'SSH-2.0-dropbear_2022.83', offer: { compression: ['zlib@openssh.com', 'none'] } }),
      verdicts: [
        {
          id: 'ssh.compression',
          status: 'pass',
          params: { how: 'zlib@openssh.com, which starts only after log-on' },
          actual: 'zlib@openssh.com, none',
        },
      ],
    },
    {
      name: 'no compression at all',
      facts: one(),
      verdicts: [{ id: 'ssh.compression', status: 'pass', params: { how: 'none' } }],
    },
    {
      name: 'zlib from the first packet: an unauthenticated client reaches the decompressor',
      facts: one({ offer: { compression: ['none', 'zlib@openssh.com', 'zlib'] } }),
      verdicts: [{ id: 'ssh.compression', status: 'fail', params: { early: 'zlib' } }],
    },
    {
      name: 'zlib in one direction only is still compression before log-on',
      facts: one({ offer: { compression: ['none'], compressionToServer: ['zlib', 'none'] } }),
      verdicts: [{ id: 'ssh.compression', status: 'fail', params: { early: 'zlib' } }],
    },
    {
      name: 'compression names cocoscan does not know (prototype names, huge) are named, bounded',
      facts: one({ offer: { compression: ['none', '__proto__', 'constructor', 'x'.repeat(5000)] } }),
      verdicts: [
        { id: 'ssh.compression', status: 'pass', params: { how: /^compression cocoscan does not know: __proto__, constructor, x+…/ } },
      ],
    },
    {
      name: 'an empty compression list',
      facts: one({ offer: { compression: [] } }),
      verdicts: [{ id: 'ssh.compression', status: 'pass', params: { how: 'none' } }],
    },
    // Port failures, truncated answers
    {
      name: 'a port that sent no usable identification: every check an error with its reason',
      facts: facts(failed('unusable identification string: SSH-9.9-\\x00')),
      verdicts: EVERY_ID.map((id) => ({
        id,
        status: 'error' as const,
        params: { reason: 'unusable identification string: SSH-9.9-\\x00' },
        actual: 'unusable identification string: SSH-9.9-\\x00',
      })),
    },
    {
      name: 'a port that went silent after connecting',
      facts: facts(failed('no SSH identification within 1.5 s')),
      verdicts: [{ id: 'ssh.kex', status: 'error', params: { reason: 'no SSH identification within 1.5 s' } }],
    },
    {
      name: 'a flow open only to given sources, the scanner outside them, that did not answer: not tested by design',
      facts: facts({ ...failed('could not connect: the connection timed out'), restrictedTo: ['10.99.0.0/16', 'fd00:99::/64'] }),
      verdicts: EVERY_ID.map((id) => ({
        id,
        status: 'not_tested' as const,
        params: {
          reason:
            'restricted to 10.99.0.0/16, fd00:99::/64 by design; the scanner is not among them; ' +
            'its SSH can only be audited from one of them (could not connect: the connection timed out)',
        },
      })),
    },
    {
      name: 'a flow restricted to given sources that answers anyway is judged on what it offers',
      facts: facts({ ...port(), restrictedTo: ['10.99.0.0/16'] }),
      verdicts: EVERY_ID.map((id) => ({ id, status: 'pass' as const })),
    },
    {
      name: "one port's failure stays that port's",
      facts: facts(failed('the server closed the connection before the key exchange', 22), port({ port: 2222, flow: 'sftp' })),
      verdicts: [
        ...EVERY_ID.map((id) => ({ id, port: 22, status: 'error' as const })),
        ...EVERY_ID.map((id) => ({ id, port: 2222, status: 'pass' as const })),
      ],
    },
    {
      name: 'host keys and log-on cut short after a good KEXINIT',
      facts: one({
        keys: [],
        keyErrors: ['ssh-ed25519: the server closed the connection before the key exchange'],
        auth: { failure: "the port's time budget of 6 s was used up" },
      }),
      verdicts: [
        { id: 'ssh.kex', status: 'pass' },
        { id: 'ssh.host-keys', status: 'error', params: { reason: /closed the connection/ } },
        { id: 'ssh.auth-methods', status: 'error', params: { reason: /time budget/ } },
      ],
    },
  ],
});

const cves = (ident: string, failCvss = 8) =>
  judgeSsh(one({ ident }), { ...thresholds, vulnerabilityFailCvss: failCvss }).find((v) => v.id === 'ssh.known-vulnerabilities')!;

judgeTable('ssh known vulnerabilities', {
  judge: judgeSsh,
  thresholds,
  now,
  valid: [{ name: 'OpenSSH 7.8p1, the release after the user-name enumeration fix', facts: one({ ident: 'SSH-2.0-OpenSSH_7.8p1' }) }],
  invalid: [
    {
      name: 'OpenSSH 7.2p2 (Ubuntu 16.04): CVE-2016-6515 at 7.8 is below 8.0, so a pass that names every CVE',
      facts: one({ ident: 'SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10' }),
      verdicts: [
        {
          id: 'ssh.known-vulnerabilities',
          status: 'pass',
          params: { software: 'OpenSSH 7.2p2', summary: /^published CVEs below CVSS 8\.0 match this version .*CVE-2016-6515 \(CVSS 7\.8/ },
          actual: 'OpenSSH 7.2p2: CVE-2016-6515, CVE-2015-8325, CVE-2018-15473',
        },
      ],
    },
    {
      name: 'the same version under a profile failing from CVSS 7.0',
      facts: one({ ident: 'SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10' }),
      thresholds: { ...thresholds, vulnerabilityFailCvss: 7 },
      verdicts: [
        {
          id: 'ssh.known-vulnerabilities',
          status: 'fail',
          params: {
            threshold: '7.0',
            cves: /^CVE-2016-6515 .*; CVE-2015-8325 \(CVSS 7\.2, local users only/,
            others: '; also 1 CVE(s) below CVSS 7.0: CVE-2018-15473',
          },
        },
      ],
    },
    {
      name: 'OpenSSH 4.3p2: a remote code execution of CVSS 9.3 fails',
      facts: one({ ident: 'SSH-2.0-OpenSSH_4.3p2 Debian-9' }),
      verdicts: [{ id: 'ssh.known-vulnerabilities', status: 'fail', params: { cves: /^CVE-2006-5051 \(CVSS 9\.3/ } }],
    },
    {
      name: 'OpenSSH 6.9 (OpenBSD, no patch) is 6.9p1: CVE-2015-5600 of that single version fails',
      facts: one({ ident: 'SSH-2.0-OpenSSH_6.9' }),
      verdicts: [{ id: 'ssh.known-vulnerabilities', status: 'fail', params: { cves: /^CVE-2015-5600 \(CVSS 8\.5/ } }],
    },
    {
      name: 'Dropbear 2016.72: remote code execution (CVE-2016-7406)',
      facts: one({ ident: 'SSH-2.0-dropbear_2016.72' }),
      verdicts: [{ id: 'ssh.known-vulnerabilities', status: 'fail', params: { cves: /CVE-2016-7406 \(CVSS 10\.0/ } }],
    },
    {
      name: 'libssh 0.8.3: the authentication bypass (CVSS 6.4) is named in a pass',
      facts: one({ ident: 'SSH-2.0-libssh_0.8.3' }),
      verdicts: [{ id: 'ssh.known-vulnerabilities', status: 'pass', params: { summary: /CVE-2018-10933 \(CVSS 6\.4/ } }],
    },
    {
      name: 'a banner hiding the version: not tested, never a pass',
      facts: one({ ident: 'SSH-2.0-Server' }),
      verdicts: [
        { id: 'ssh.known-vulnerabilities', status: 'not_tested', params: { reason: /no CVE table for \(Server; covered: OpenSSH/ } },
      ],
    },
    {
      name: 'hostile banners: prototype names, markup, an absurd version number',
      facts: facts(
        port({ ident: 'SSH-2.0-__proto__' }),
        port({ port: 2222, ident: 'SSH-2.0-constructor_1.0' }),
        port({ port: 2223, ident: 'SSH-2.0-<script>alert(1)</script>' }),
        port({ port: 2224, ident: 'SSH-2.0-OpenSSH_99999999999999999999.1' }),
      ),
      verdicts: [
        { id: 'ssh.known-vulnerabilities', port: 22, status: 'not_tested' },
        { id: 'ssh.known-vulnerabilities', port: 2222, status: 'not_tested' },
        { id: 'ssh.known-vulnerabilities', port: 2223, status: 'not_tested' },
        { id: 'ssh.known-vulnerabilities', port: 2224, status: 'not_tested' },
      ],
    },
  ],
});

describe('ssh known vulnerabilities: the message', () => {
  it('names the caveat, lists at most six CVEs and keeps every one in the data', () => {
    const verdict = cves('SSH-2.0-OpenSSH_3.1p1', 5);
    expect(verdict.status).toBe('fail');
    expect(verdict.params?.caveat).toMatch(/backport/);
    expect(String(verdict.params?.cves)).toMatch(/; and \d+ more$/);
    const data = verdict.data as { software: string; cves: { cve: string }[] };
    expect(data.software).toBe('OpenSSH 3.1p1');
    expect(data.cves.length).toBeGreaterThan(6);
  });
  it('counts the CVEs below the threshold past six, and keeps odd patch text out of the software named', () => {
    const verdict = cves('SSH-2.0-OpenSSH_4.3p2<script>alert(1)</script>', 8);
    expect(verdict.params?.software).toBe('OpenSSH 4.3p2…');
    expect(verdict.params?.others).toMatch(/^; also 18 CVE\(s\) below CVSS 8\.0: (CVE-\d{4}-\d+, ){5}CVE-\d{4}-\d+ and 12 more$/);
  });
  it('treats a Dropbear test release as coming before the release', () => {
    expect((cves('SSH-2.0-dropbear_2018.76').data as { cves: { cve: string }[] }).cves.map((c) => c.cve)).toEqual(['CVE-2018-15599']);
    expect((cves('SSH-2.0-dropbear_2018.77test1').data as { cves: unknown[] }).cves).toEqual([]);
  });
});

describe('ssh judge: what the table does not show', () => {
  it('names the endpoint by its flow, or as undeclared SSH, and targets the port', () => {
    const [declared] = judgeSsh(one(), thresholds);
    const [undeclared] = judgeSsh(one({ port: 2222, flow: '' }), thresholds);
    expect(declared!.params?.endpoint).toBe('admin-ssh (192.0.2.1:22)');
    expect(declared!.target).toEqual({ gateway: 'gw', host: '192.0.2.1', port: 22, transport: 'tcp', flow: 'admin-ssh' });
    expect(undeclared!.params?.endpoint).toBe('undeclared SSH (192.0.2.1:2222)');
    expect(undeclared!.target).toEqual({ gateway: 'gw', host: '192.0.2.1', port: 2222, transport: 'tcp' });
  });

  it('a banner before the identification is counted in the evidence; the identification names the source; the artefact is cited', () => {
    const verdicts = judgeSsh(one({ preamble: ['Authorised users only', '<script>'], ident: 'SSH-2.0-dropbear_2022.83' }), thresholds);
    for (const v of verdicts) {
      expect(v.evidence.source).toBe('cocoscan SSH probe (SSH-2.0-dropbear_2022.83)');
      expect(v.evidence.raw).toBe('SSH-2.0-dropbear_2022.83\n(preceded by 2 line(s))');
      expect(v.evidence.artefacts).toEqual(['evidence/gateways/gw/ssh-22.json']);
    }
    expect(judgeSsh(one(), thresholds)[0]!.evidence.raw).toBe('SSH-2.0-OpenSSH_9.6');
  });

  it('a failed port has no identification in its source, and still cites its evidence file', () => {
    const [v] = judgeSsh(facts(failed('refused')), thresholds);
    expect(v!.evidence).toMatchObject({
      source: 'cocoscan SSH probe (no identification)',
      expected: 'an SSH server',
      artefacts: ['evidence/gateways/gw/ssh-22.json'],
    });
    expect(v!.evidence.raw).toBeUndefined();
  });

  it('no SSH: one not_applicable per id, on the gateway', () => {
    const verdicts = judgeSsh(facts(), thresholds);
    expect(verdicts.map((v) => v.id)).toEqual([...EVERY_ID]);
    for (const v of verdicts) {
      expect(v).toMatchObject({
        status: 'not_applicable',
        target: { gateway: 'gw', host: '192.0.2.1' },
        params: { reason: 'no SSH service is declared or was found by the sweep' },
      });
    }
  });

  it('keeps the data history and the lab read: weak names, bounded offered lists, host keys, methods', () => {
    const made = Array.from({ length: 70 }, (_, i) => `made-up-${i}`);
    const verdicts = judgeSsh(
      one({
        offer: { kex: [...made, 'diffie-hellman-group1-sha1'], hostKey: ['rsa-sha2-512', 'ssh-rsa'] },
        keys: [rsa(1024)],
        methods: ['password'],
      }),
      thresholds,
    );
    const data = (id: string) => verdicts.find((v) => v.id === id)!.data!;
    expect(data('ssh.kex')).toEqual({ weak: ['diffie-hellman-group1-sha1'], offered: made.slice(0, 64), offeredOmitted: 7 });
    expect(data('ssh.ciphers')).toEqual({ offered: modern.cipher });
    expect(data('ssh.host-keys')).toEqual({ hostKeys: [rsa(1024)], errors: [], weak: ['rsa-sha2-512', 'ssh-rsa'] });
    expect(data('ssh.auth-methods')).toEqual({ methods: ['password'] });
    expect(verdicts.find((v) => v.id === 'ssh.strict-kex')!.data).toBeUndefined();
  });

  it('unknown host-key algorithms are kept, bounded, in the data', () => {
    const unknown = Array.from({ length: 20 }, (_, i) => `made-up-key-${i}`);
    const [hostKeys] = judgeSsh(one({ offer: { hostKey: ['ssh-ed25519', ...unknown] } }), thresholds).filter(
      (v) => v.id === 'ssh.host-keys',
    );
    expect(hostKeys!.status).toBe('error');
    expect(hostKeys!.data?.notFetched).toEqual({ names: unknown.slice(0, 16), omitted: 4 });
  });
});

describe('ssh observations: what history compares', () => {
  it('one host key per type and port, and the kex, cipher and MAC lists as the findings kept them', () => {
    const observed = observeSsh(
      facts(port({ offer: { hostKey: ['ssh-ed25519', 'rsa-sha2-512'] }, keys: [ed25519, rsa(3072)] }), failed('refused', 2222)),
    );
    expect(observed).toEqual([
      { kind: 'ssh-host-key', gateway: 'gw', port: 22, type: 'ssh-ed25519', fingerprint: 'SHA256:ed25519key' },
      { kind: 'ssh-host-key', gateway: 'gw', port: 22, type: 'ssh-rsa', fingerprint: 'SHA256:rsa3072' },
      { kind: 'ssh-algorithms', gateway: 'gw', port: 22, family: 'kex', offered: modern.kex },
      { kind: 'ssh-algorithms', gateway: 'gw', port: 22, family: 'ciphers', offered: modern.cipher },
      { kind: 'ssh-algorithms', gateway: 'gw', port: 22, family: 'macs', offered: modern.mac },
    ]);
  });

  it('the offered lists are the same as the findings data: each name once, both directions, bounded and escaped', () => {
    const made = Array.from({ length: 70 }, (_, i) => `x\u0001-${i}`);
    const f = one({
      offer: {
        cipher: ['aes256-ctr'],
        toServer: { cipher: ['aes128-ctr', 'aes256-ctr'], mac: [...made, 'hmac-sha2-256'] },
        mac: ['hmac-sha2-256'],
      },
    });
    const observed = observeSsh(f);
    const verdicts = judgeSsh(f, thresholds);
    for (const [family, id] of [
      ['kex', 'ssh.kex'],
      ['ciphers', 'ssh.ciphers'],
      ['macs', 'ssh.macs'],
    ] as const) {
      const offered = observed.find((o) => o.kind === 'ssh-algorithms' && o.family === family);
      expect(offered && 'offered' in offered ? offered.offered : undefined).toEqual(verdicts.find((v) => v.id === id)!.data!.offered);
    }
    expect(observed.find((o) => o.kind === 'ssh-algorithms' && o.family === 'ciphers')).toMatchObject({
      offered: ['aes256-ctr', 'aes128-ctr'],
    });
    expect(observed.find((o) => o.kind === 'ssh-algorithms' && o.family === 'macs')).toMatchObject({
      offered: ['hmac-sha2-256', 'x\\x01-0', ...made.slice(1, 63).map((m) => m.replace('\u0001', '\\x01'))],
    });
  });

  it("says what history has derived from the findings' data until now, whatever the port answered", () => {
    const build = findingBuilder(ssh.meta, () => now);
    const cases = [
      facts(
        port({
          offer: { hostKey: ['ssh-ed25519', 'rsa-sha2-512', 'ssh-ed25519-cert-v01@openssh.com'] },
          keys: [ed25519, rsa(1024), ed25519Certificate()],
        }),
        failed('refused', 2222),
      ),
      one({
        offer: { kex: ['__proto__', 'constructor'], cipher: [], mac: Array.from({ length: 80 }, (_, i) => `m${i}`) },
        keys: [],
        keyErrors: ['cut'],
      }),
      facts(),
    ];
    for (const f of cases) {
      const state = observedState({ findings: judgeSsh(f, thresholds).map(build) as ReportFinding[], rows: [] });
      const hostKeys: Record<string, { port: string; fingerprint: string }> = Object.create(null);
      const algorithms: Record<string, string[]> = Object.create(null);
      for (const o of observeSsh(f)) {
        if (o.kind === 'ssh-host-key')
          hostKeys[`${o.gateway} ${o.port}/tcp ${o.type}`] = { port: `${o.gateway} ${o.port}/tcp`, fingerprint: o.fingerprint };
        if (o.kind === 'ssh-algorithms') algorithms[`${o.gateway} ${o.port}/tcp ${o.family}`] = o.offered;
      }
      expect(hostKeys).toEqual(state.sshHostKeys);
      expect(algorithms).toEqual(state.sshAlgorithms);
    }
  });

  it('a host key a run could not read is unknown there, not removed or added; one the port no longer offers is a change', () => {
    const changes = (a: SshFacts, b: SshFacts) =>
      diffStates(
        observedState({ findings: [], rows: [], observations: observeSsh(a) }),
        observedState({ findings: [], rows: [], observations: observeSsh(b) }),
      ).map(describeChange);
    const offer = { hostKey: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] };
    const both = one({ offer, keys: [ed25519, rsa(3072)] });
    const rsaUnread = one({ offer, keys: [ed25519], keyErrors: ['rsa-sha2-512: no answer within 5 s'] });
    const noneRead = one({ offer, keys: [], keyErrors: ['ssh-ed25519: reset', 'rsa-sha2-512: reset'] });
    for (const unread of [rsaUnread, noneRead]) {
      expect(changes(both, unread)).toEqual([]);
      expect(changes(unread, both)).toEqual([]);
    }
    const overCap = one({ offer, keys: [ed25519], plan: { ...hostKeyQueries(offer.hostKey, 1) } });
    expect(changes(both, overCap)).toEqual([]);
    // A key both runs read is compared, whatever else was not read.
    expect(changes(both, one({ offer, keys: [{ ...ed25519, fingerprint: 'SHA256:new' }], keyErrors: ['rsa-sha2-512: reset'] }))).toEqual([
      'ssh host key changed: gw 22/tcp ssh-ed25519 (was SHA256:ed25519key) (now SHA256:new)',
    ]);
    const edOnly = one({ offer: { hostKey: ['ssh-ed25519'] }, keys: [ed25519] });
    expect(changes(both, edOnly)).toEqual(['ssh host key changed: gw 22/tcp ssh-rsa (was SHA256:rsa3072)']);
    expect(changes(edOnly, both)).toEqual(['ssh host key changed: gw 22/tcp ssh-rsa (now SHA256:rsa3072)']);
  });

  it('a port that failed, or no SSH at all, observes nothing', () => {
    expect(observeSsh(facts(failed('refused')))).toEqual([]);
    expect(observeSsh(facts())).toEqual([]);
  });
});

describe('ssh.auth-methods data per user', () => {
  it('keeps what each user was offered, the unknown user first, in the finding data', () => {
    const verdict = judgeSsh(
      one({
        users: [
          { user: 'root', methods: ['publickey', 'password'] },
          { user: 'admin', failure: 'timed out' },
        ],
      }),
      thresholds,
    ).find((v) => v.id === 'ssh.auth-methods');
    expect(verdict?.data).toEqual({
      methods: ['publickey', 'password'],
      users: [
        { user: 'an unknown user', methods: ['publickey'] },
        { user: 'root', methods: ['publickey', 'password'] },
      ],
    });
  });
});
