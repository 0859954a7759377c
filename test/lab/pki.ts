/**
 * A private PKI for lab gateways, made with @peculiar/x509 on Node's WebCrypto: a root CA, a good leaf
 * (SHA-256, RSA 2048, in date) and a bad leaf (SHA-1 signature, expired) for the same IP address.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const RSA = { name: 'RSASSA-PKCS1-v1_5', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const DAY = 86_400_000;

export interface LeafFiles {
  cert: string;
  key: string;
}

export interface LabPki {
  caFile: string;
  good: LeafFiles;
  bad: LeafFiles;
}

/** A private key as a PKCS#8 PEM. */
export async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

/** A self-signed RSA 2048 root CA (SHA-256), in date from 2000 days before `now` for ten years. */
async function makeRootCa(name: string, now: number): Promise<{ ca: x509.X509Certificate; caKeys: CryptoKeyPair }> {
  const caKeys = await webcrypto.subtle.generateKey({ ...RSA, hash: 'SHA-256' }, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(now - 2000 * DAY),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { ca, caKeys };
}

export async function makeLabPki(dir: string, address: string): Promise<LabPki> {
  const now = Date.now();
  const { ca, caKeys } = await makeRootCa('CN=cocoscan lab root CA', now);

  const leaf = async (name: string, serial: string, hash: 'SHA-256' | 'SHA-1', notBefore: Date, notAfter: Date): Promise<LeafFiles> => {
    const keys = await webcrypto.subtle.generateKey({ ...RSA, hash: 'SHA-256' }, true, ['sign', 'verify']);
    // WebCrypto binds an RSA key to one hash, so the CA key is re-imported for the hash this leaf is signed with.
    const signingKey = await webcrypto.subtle.importKey(
      'pkcs8',
      await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey),
      { name: RSA.name, hash },
      false,
      ['sign'],
    );
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${address}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash },
      publicKey: keys.publicKey,
      signingKey,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: address }]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    });
    const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    // nginx wants the leaf followed by the chain; the root stays out, as a real server's would.
    await writeFile(files.cert, cert.toString('pem') + '\n');
    await writeFile(files.key, await keyPem(keys.privateKey));
    return files;
  };

  const caFile = join(dir, 'lab-root-ca.pem');
  await writeFile(caFile, ca.toString('pem') + '\n');
  return {
    caFile,
    good: await leaf('good', '02', 'SHA-256', new Date(now - DAY), new Date(now + 365 * DAY)),
    bad: await leaf('bad', '03', 'SHA-1', new Date(now - 400 * DAY), new Date(now - 10 * DAY)),
  };
}

export interface ZooPki {
  caFile: string;
  /** RSA 2048, SHA-256, in date, naming the address. */
  rsa: LeafFiles;
  /** ECDSA P-256, in date, naming the address. */
  ecdsa: LeafFiles;
  /** RSA 2048, SHA-256, expired ten days ago. */
  expired: LeafFiles;
  /** RSA 2048, in date, naming only wrong-name.invalid. */
  wrongName: LeafFiles;
  /** The lab DH group for DHE suites: RFC 7919 ffdhe2048, as PEM parameters. */
  dhParams: string;
}

/** Leaves for the TLS endpoint zoo (test/lab/tls-zoo.ts), all from one lab root CA; also key+cert PEMs (`.pem`). */
export async function makeZooPki(dir: string, address: string): Promise<ZooPki> {
  const now = Date.now();
  const { ca, caKeys } = await makeRootCa('CN=cocoscan lab zoo root CA', now);
  const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const leaf = async (
    name: string,
    serial: string,
    key: 'rsa' | 'ecdsa',
    names: { cn: string; san: { type: 'ip' | 'dns'; value: string } },
    notBefore: Date,
    notAfter: Date,
  ): Promise<LeafFiles> => {
    const keys =
      key === 'rsa'
        ? await webcrypto.subtle.generateKey({ ...RSA, hash: 'SHA-256' }, true, ['sign', 'verify'])
        : await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${names.cn}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.SubjectAlternativeNameExtension([names.san]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    });
    const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    const keyText = await keyPem(keys.privateKey);
    await writeFile(files.cert, cert.toString('pem') + '\n');
    await writeFile(files.key, keyText);
    // haproxy and stunnel read the key and the certificate from one file.
    await writeFile(join(dir, `${name}.pem`), cert.toString('pem') + '\n' + keyText);
    return files;
  };
  const caFile = join(dir, 'zoo-root-ca.pem');
  await writeFile(caFile, ca.toString('pem') + '\n');
  const dhParams = join(dir, 'ffdhe2048.pem');
  await writeFile(dhParams, FFDHE2048_PEM);
  const own = { cn: address, san: { type: 'ip' as const, value: address } };
  const [rsa, ecdsaLeaf, expired, wrongName] = await Promise.all([
    leaf('zoo-rsa', '02', 'rsa', own, new Date(now - DAY), new Date(now + 365 * DAY)),
    leaf('zoo-ecdsa', '03', 'ecdsa', own, new Date(now - DAY), new Date(now + 365 * DAY)),
    leaf('zoo-expired', '04', 'rsa', own, new Date(now - 400 * DAY), new Date(now - 10 * DAY)),
    leaf(
      'zoo-wrong-name',
      '05',
      'rsa',
      { cn: 'wrong-name.invalid', san: { type: 'dns', value: 'wrong-name.invalid' } },
      new Date(now - DAY),
      new Date(now + 365 * DAY),
    ),
  ]);
  return { caFile, rsa, ecdsa: ecdsaLeaf, expired, wrongName, dhParams };
}

/** RFC 7919 ffdhe2048 (`openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048`): fixed, so no generation wait. */
const FFDHE2048_PEM = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`;
