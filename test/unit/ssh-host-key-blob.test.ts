import { createECDH, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SshHostKeyError, readHostKeyBlob } from '../../src/ssh/host-key-blob.ts';
import { SshProtocolError, sshMpint, sshString } from '../../src/ssh/wire.ts';
import { ed25519KeyFields, hostCertificate, rsaKeyBlob, rsaKeyFields } from '../helpers/ssh-certificate.ts';

const ed25519Raw = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const rsaBlob = Buffer.concat([
  sshString('ssh-rsa'),
  sshMpint(Buffer.from(rsaJwk.e!, 'base64url')),
  sshMpint(Buffer.from(rsaJwk.n!, 'base64url')),
]);
const p256Point = createECDH('prime256v1').generateKeys();
const ecdsaBlob = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(p256Point)]);
const dsaNumber = (bits: number) => Buffer.concat([Buffer.from([0x80]), Buffer.alloc(bits / 8 - 1, 0x11)]);
const dsaBlob = Buffer.concat([
  sshString('ssh-dss'),
  sshMpint(dsaNumber(1024)),
  sshMpint(dsaNumber(160)),
  sshMpint(dsaNumber(1024)),
  sshMpint(dsaNumber(1024)),
]);
const ed25519Blob = Buffer.concat([sshString('ssh-ed25519'), sshString(ed25519Raw)]);

// Valid and invalid cases, in the manner of ESLint's RuleTester.
const valid: { name: string; algorithm: string; blob: Buffer; type: string; bits: number }[] = [
  { name: 'Ed25519', algorithm: 'ssh-ed25519', blob: ed25519Blob, type: 'ssh-ed25519', bits: 256 },
  {
    name: 'Ed448',
    algorithm: 'ssh-ed448',
    blob: Buffer.concat([sshString('ssh-ed448'), sshString(Buffer.alloc(57, 9))]),
    type: 'ssh-ed448',
    bits: 456,
  },
  { name: 'RSA 2048 asked as rsa-sha2-512', algorithm: 'rsa-sha2-512', blob: rsaBlob, type: 'ssh-rsa', bits: 2048 },
  { name: 'RSA 2048 asked as ssh-rsa', algorithm: 'ssh-rsa', blob: rsaBlob, type: 'ssh-rsa', bits: 2048 },
  { name: 'ECDSA P-256', algorithm: 'ecdsa-sha2-nistp256', blob: ecdsaBlob, type: 'ecdsa-sha2-nistp256', bits: 256 },
  { name: 'DSA 1024', algorithm: 'ssh-dss', blob: dsaBlob, type: 'ssh-dss', bits: 1024 },
  {
    name: 'Ed25519 on a security key',
    algorithm: 'sk-ssh-ed25519@openssh.com',
    blob: Buffer.concat([sshString('sk-ssh-ed25519@openssh.com'), sshString(ed25519Raw), sshString('ssh:')]),
    type: 'sk-ssh-ed25519@openssh.com',
    bits: 256,
  },
  {
    name: 'ECDSA P-256 on a security key',
    algorithm: 'sk-ecdsa-sha2-nistp256@openssh.com',
    blob: Buffer.concat([sshString('sk-ecdsa-sha2-nistp256@openssh.com'), sshString('nistp256'), sshString(p256Point), sshString('ssh:')]),
    type: 'sk-ecdsa-sha2-nistp256@openssh.com',
    bits: 256,
  },
];

const rsa1024Certificate = hostCertificate('ssh-rsa-cert-v01@openssh.com', rsaKeyFields(1024));

describe('readHostKeyBlob: an OpenSSH certificate is sized by the key inside it, after the nonce', () => {
  it('an RSA certificate asked as rsa-sha2-512-cert-v01 carries a 1024-bit key, signed by an Ed25519 authority', () => {
    expect(readHostKeyBlob('rsa-sha2-512-cert-v01@openssh.com', rsa1024Certificate)).toMatchObject({
      type: 'ssh-rsa-cert-v01@openssh.com',
      keyType: 'ssh-rsa',
      bits: 1024,
      signedBy: { type: 'ssh-ed25519', bits: 256 },
    });
  });

  it('an Ed25519 certificate signed by a 1024-bit RSA authority names the authority key', () => {
    const blob = hostCertificate('ssh-ed25519-cert-v01@openssh.com', ed25519KeyFields(), rsaKeyBlob(1024));
    expect(readHostKeyBlob('ssh-ed25519-cert-v01@openssh.com', blob)).toMatchObject({
      keyType: 'ssh-ed25519',
      bits: 256,
      signedBy: { type: 'ssh-rsa', bits: 1024 },
    });
  });

  it('an Ed25519 security-key certificate', () => {
    const blob = hostCertificate('sk-ssh-ed25519-cert-v01@openssh.com', Buffer.concat([ed25519KeyFields(), sshString('ssh:')]));
    expect(readHostKeyBlob('sk-ssh-ed25519-cert-v01@openssh.com', blob)).toMatchObject({
      keyType: 'sk-ssh-ed25519@openssh.com',
      bits: 256,
    });
  });

  it('a certificate cut anywhere, or with bytes after its signature, is a typed error', () => {
    for (const cut of [40, rsa1024Certificate.length - 200, rsa1024Certificate.length - 1]) {
      expect(() => readHostKeyBlob('rsa-sha2-256-cert-v01@openssh.com', rsa1024Certificate.subarray(0, cut))).toThrow(SshHostKeyError);
    }
    expect(() => readHostKeyBlob('rsa-sha2-256-cert-v01@openssh.com', Buffer.concat([rsa1024Certificate, Buffer.from([0])]))).toThrow(
      /1 unexpected trailing bytes/,
    );
  });

  it('a certificate of another type than asked for is an error', () => {
    expect(() => readHostKeyBlob('ssh-ed25519-cert-v01@openssh.com', rsa1024Certificate)).toThrow(
      /asked for a ssh-ed25519-cert-v01@openssh.com host key, the server sent a ssh-rsa-cert-v01@openssh.com key/,
    );
  });
});

const invalid: { name: string; algorithm: string; blob: Buffer; message: RegExp }[] = [
  {
    name: 'x509v3-sign-rsa',
    algorithm: 'ssh-rsa',
    blob: Buffer.concat([sshString('x509v3-sign-rsa'), Buffer.from([0x30, 0x82, 1, 0])]),
    message: /type x509v3-sign-rsa .*whose size cocoscan cannot read/,
  },
  {
    name: 'an unknown key type',
    algorithm: 'ssh-ed25519',
    blob: Buffer.concat([sshString('ssh-quantum-magic'), sshString(Buffer.alloc(64))]),
    message: /type ssh-quantum-magic .*whose size cocoscan cannot read/,
  },
  {
    name: 'a key type of control characters',
    algorithm: 'ssh-ed25519',
    blob: sshString('\u001b]0;x\u0007'),
    message: /type \\x1b\]0;x\\x07 /,
  },
  {
    name: 'an RSA blob cut in its modulus',
    algorithm: 'rsa-sha2-256',
    blob: rsaBlob.subarray(0, 40),
    message: /the ssh-rsa host key \(SHA256:.*\) is malformed/,
  },
  {
    name: 'an RSA key with an empty modulus',
    algorithm: 'ssh-rsa',
    blob: Buffer.concat([sshString('ssh-rsa'), sshMpint(Buffer.from([1, 0, 1])), sshString(Buffer.alloc(0))]),
    message: /ssh-rsa host key has an empty number/,
  },
  {
    name: 'an Ed25519 key of 31 bytes',
    algorithm: 'ssh-ed25519',
    blob: Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(31))]),
    message: /not 32 bytes long/,
  },
  {
    name: 'an ECDSA key naming another curve',
    algorithm: 'ecdsa-sha2-nistp256',
    blob: Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp384'), sshString(p256Point)]),
    message: /names another curve/,
  },
  {
    name: 'an ECDSA point of the wrong length',
    algorithm: 'ecdsa-sha2-nistp384',
    blob: Buffer.concat([sshString('ecdsa-sha2-nistp384'), sshString('nistp384'), sshString(p256Point)]),
    message: /no uncompressed point/,
  },
  {
    name: 'trailing bytes',
    algorithm: 'ssh-ed25519',
    blob: Buffer.concat([ed25519Blob, Buffer.from([1, 2, 3])]),
    message: /3 unexpected trailing bytes/,
  },
  {
    name: 'another key type than asked for',
    algorithm: 'rsa-sha2-512',
    blob: ed25519Blob,
    message: /asked for a rsa-sha2-512 host key, the server sent a ssh-ed25519 key/,
  },
  { name: 'an empty blob', algorithm: 'ssh-ed25519', blob: Buffer.alloc(0), message: /cut short before its type/ },
  {
    name: 'a type longer than the blob',
    algorithm: 'ssh-ed25519',
    blob: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x41]),
    message: /cut short before its type/,
  },
];

describe('readHostKeyBlob: the size is read from the key, never assumed', () => {
  for (const c of valid) {
    it(`valid: ${c.name}`, () => {
      const key = readHostKeyBlob(c.algorithm, c.blob);
      expect(key).toMatchObject({ algorithm: c.algorithm, type: c.type, bits: c.bits });
      expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    });
  }
  for (const c of invalid) {
    it(`invalid: ${c.name} is a typed error naming what was wrong, never "0 bits"`, () => {
      let thrown: unknown;
      try {
        readHostKeyBlob(c.algorithm, c.blob);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SshHostKeyError);
      expect(thrown).toBeInstanceOf(SshProtocolError);
      expect((thrown as Error).message).toMatch(c.message);
    });
  }
});
