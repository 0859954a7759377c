/**
 * Certificates for the single-check lab, made with the openssl CLI: a root, an intermediate, a leaf for the
 * lab address (serverAuth), a leaf for client authentication only, and an OCSP response for the good leaf
 * signed by the intermediate (what nginx's ssl_stapling_file and s_server's -status_file staple).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ChecksPki {
  rootFile: string;
  root: string;
  /** Leaf then intermediate, as a server should send it. */
  fullChain: string;
  key: string;
  /** Leaf, root, intermediate: out of order. */
  misorderedChain: string;
  /** The clientAuth-only leaf alone, without its intermediate. */
  clientOnlyLeaf: string;
  clientOnlyKey: string;
  /** DER OCSP response ("good") for the leaf of `fullChain`. */
  ocspResponse: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 60_000 });
}

export async function makeChecksPki(dir: string, address: string): Promise<ChecksPki> {
  const f = (name: string) => join(dir, name);
  await writeFile(f('ca.ext'), 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  const leafExt = (eku: string) =>
    `basicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${eku}\n` +
    `subjectAltName=IP:${address}\nauthorityKeyIdentifier=keyid\n`;
  await writeFile(f('server.ext'), leafExt('serverAuth'));
  await writeFile(f('client.ext'), leafExt('clientAuth'));
  const key = (name: string) => openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', name]);
  await Promise.all(['root.key', 'inter.key', 'server.key', 'client.key'].map(key));
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=cocoscan checks root',
    '-days',
    '3650',
    '-out',
    'root.crt',
  ]);
  const sign = async (name: string, cn: string, caCrt: string, caKey: string, serial: string, ext: string) => {
    await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      caCrt,
      '-CAkey',
      caKey,
      '-set_serial',
      serial,
      '-days',
      '365',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      `${name}.crt`,
    ]);
  };
  await sign('inter', 'cocoscan checks intermediate', 'root.crt', 'root.key', '0x10', 'ca.ext');
  await sign('server', address, 'inter.crt', 'inter.key', '0x20', 'server.ext');
  await sign('client', address, 'inter.crt', 'inter.key', '0x21', 'client.ext');
  // An OCSP responder database with the server leaf valid, then one response for it, signed by its issuer.
  const expiry = `${new Date(Date.now() + 365 * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
  await writeFile(f('index.txt'), `V\t${expiry}\t\t20\tunknown\t/CN=${address}\n`);
  await openssl(dir, ['ocsp', '-issuer', 'inter.crt', '-cert', 'server.crt', '-no_nonce', '-reqout', 'ocsp.req']);
  await openssl(dir, [
    'ocsp',
    '-index',
    'index.txt',
    '-rsigner',
    'inter.crt',
    '-rkey',
    'inter.key',
    '-CA',
    'inter.crt',
    '-reqin',
    'ocsp.req',
    '-respout',
    'server.ocsp',
    '-ndays',
    '2',
  ]);
  await writeFile(f('server-chain.crt'), (await readFile(f('server.crt'), 'utf8')) + (await readFile(f('inter.crt'), 'utf8')));
  const pem = async (name: string) => readFile(f(name), 'utf8');
  await writeFile(f('misordered.crt'), (await pem('server.crt')) + (await pem('root.crt')) + (await pem('inter.crt')));
  return {
    rootFile: f('root.crt'),
    misorderedChain: f('misordered.crt'),
    root: await readFile(f('root.crt'), 'utf8'),
    fullChain: f('server-chain.crt'),
    key: f('server.key'),
    clientOnlyLeaf: f('client.crt'),
    clientOnlyKey: f('client.key'),
    ocspResponse: f('server.ocsp'),
  };
}
