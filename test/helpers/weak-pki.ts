/**
 * Builds small certificate chains with the openssl CLI, including signatures no modern library will make
 * (MD5, SHA-1, DSA with SHA-1, SHA-224). Validity is relative to the moment the test runs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type KeySpec = 'rsa' | 'dsa' | 'ec' | 'ed25519';

export interface ChainSpec {
  /** Digest of the self-signed root (a trust anchor: its own signature is not judged). */
  rootDigest?: string;
  /** Key of the intermediate CA, which signs the leaf. */
  intermediateKey?: KeySpec;
  /** Digest the root uses to sign the intermediate. */
  intermediateDigest?: string;
  /** Digest the intermediate uses to sign the leaf. */
  leafDigest?: string;
  leafKey?: KeySpec;
  /** The certificate that signs the leaf is an end-entity one (basicConstraints CA:FALSE), not a CA. */
  intermediateNotCa?: boolean;
  /** Extra `openssl x509 -req` options for the leaf (e.g. PSS). */
  leafSignOptions?: readonly string[];
}

export interface Chain {
  root: string;
  intermediate: string;
  leaf: string;
  leafKey: string;
  /** Leaf then intermediate, as a server sends it. */
  served: string;
  /** DER of leaf, intermediate, root. */
  der: Buffer[];
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd, timeout: 60_000 });
}

async function newKey(spec: KeySpec, file: string, cwd: string): Promise<void> {
  if (spec === 'rsa') return openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file], cwd);
  if (spec === 'ec') return openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', file], cwd);
  if (spec === 'ed25519') return openssl(['genpkey', '-algorithm', 'ED25519', '-out', file], cwd);
  await openssl(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-out', `${file}.params`], cwd);
  return openssl(['genpkey', '-paramfile', `${file}.params`, '-out', file], cwd);
}

function toDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

export async function makeChain(spec: ChainSpec = {}): Promise<Chain> {
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-pki-'));
  try {
    await newKey('rsa', 'root.key', dir);
    await openssl(
      [
        'req',
        '-x509',
        '-key',
        'root.key',
        '-out',
        'root.pem',
        '-days',
        '30',
        '-subj',
        '/CN=Test Root',
        `-${spec.rootDigest ?? 'sha256'}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    await writeFile(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    await writeFile(
      join(dir, 'int.ext'),
      spec.intermediateNotCa
        ? 'basicConstraints=critical,CA:FALSE\n'
        : 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    await writeFile(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost\n');
    await newKey(spec.intermediateKey ?? 'rsa', 'int.key', dir);
    await openssl(['req', '-new', '-key', 'int.key', '-out', 'int.csr', '-subj', '/CN=Test Intermediate'], dir);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        'int.csr',
        '-CA',
        'root.pem',
        '-CAkey',
        'root.key',
        '-set_serial',
        '2',
        '-days',
        '30',
        `-${spec.intermediateDigest ?? 'sha256'}`,
        '-extfile',
        'int.ext',
        '-out',
        'int.pem',
      ],
      dir,
    );
    await newKey(spec.leafKey ?? 'rsa', 'leaf.key', dir);
    await openssl(['req', '-new', '-key', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1'], dir);
    const digest = (spec.intermediateKey ?? 'rsa') === 'ed25519' ? [] : [`-${spec.leafDigest ?? 'sha256'}`];
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'int.pem',
        '-CAkey',
        'int.key',
        '-set_serial',
        '3',
        '-days',
        '30',
        ...digest,
        ...(spec.leafSignOptions ?? []),
        '-extfile',
        'leaf.ext',
        '-out',
        'leaf.pem',
      ],
      dir,
    );
    const [root, intermediate, leaf, leafKey] = await Promise.all(
      ['root.pem', 'int.pem', 'leaf.pem', 'leaf.key'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    return {
      root: root!,
      intermediate: intermediate!,
      leaf: leaf!,
      leafKey: leafKey!,
      served: leaf! + intermediate!,
      der: [leaf!, intermediate!, root!].map(toDer),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The certificate with its notAfter UTCTime text replaced (same length, so the DER stays well formed). */
export function withNotAfter(der: Buffer, text: string): Buffer {
  const latin = der.toString('latin1');
  const match = /\x17\x0d\d{12}Z\x17\x0d(\d{12}Z)/.exec(latin);
  if (!match) throw new Error('no UTCTime validity in the test certificate');
  const at = match.index + match[0].length - 13;
  return Buffer.from(latin.slice(0, at) + text + latin.slice(at + 13), 'latin1');
}
