/**
 * Real TLS servers beside a lab gateway, in its namespace: openssl s_server, slapd (GnuTLS), vsftpd and dovecot,
 * each with its own config in a temp dir, started by PID and stopped by PID. The certificates come from a PKI
 * of their own (root, intermediate, an untrusted root) so each certificate defect can be served alone.
 */
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { keyPem } from './pki.ts';
import { spawnInNamespace, stopChildren, waitForListeners } from './processes.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const DAY = 86_400_000;
const RSA = { name: 'RSASSA-PKCS1-v1_5', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048, hash: 'SHA-256' } as const;

/** Certificate files, each a chain as a server sends it (leaf first), and the key of every leaf. */
export interface AccuracyPki {
  /** The trusted root (give it to tls.trust). */
  caFile: string;
  rootPem: string;
  key: string;
  /** leaf for the gateway's address + intermediate. */
  good: string;
  /** The same leaf alone: the intermediate is missing. */
  incomplete: string;
  /** leaf, root, intermediate: out of order. */
  misordered: string;
  /** A leaf for elsewhere.invalid + intermediate: trusted, for another name. */
  otherName: string;
  /** An expired leaf for the address + intermediate. */
  expired: string;
  /** A leaf for the address from a root nobody trusts, with that root. */
  untrusted: string;
}

const pem = (...certs: x509.X509Certificate[]) => certs.map((c) => c.toString('pem')).join('\n') + '\n';

async function makePki(dir: string, address: string): Promise<AccuracyPki> {
  const [rootKeys, intKeys, strangerKeys, leafKeys] = await Promise.all(
    [0, 1, 2, 3].map(() => webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])),
  );
  const now = Date.now();
  const ca = (name: string, keys: CryptoKeyPair) =>
    x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name,
      notBefore: new Date(now - 100 * DAY),
      notAfter: new Date(now + 3650 * DAY),
      signingAlgorithm: RSA,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    });
  const root = await ca('CN=cocoscan accuracy root', rootKeys!);
  const stranger = await ca('CN=cocoscan stranger root', strangerKeys!);
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=cocoscan accuracy intermediate',
    issuer: root.subject,
    notBefore: new Date(now - 100 * DAY),
    notAfter: new Date(now + 3000 * DAY),
    signingAlgorithm: RSA,
    publicKey: intKeys!.publicKey,
    signingKey: rootKeys!.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  let serial = 16;
  const leaf = (issuer: x509.X509Certificate, signingKey: CryptoKey, san: x509.JsonGeneralName, notAfter = now + 300 * DAY) =>
    x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16),
      subject: `CN=${san.value}`,
      issuer: issuer.subject,
      notBefore: new Date(Math.min(now - DAY, notAfter - 30 * DAY)),
      notAfter: new Date(notAfter),
      signingAlgorithm: RSA,
      publicKey: leafKeys!.publicKey,
      signingKey,
      extensions: [new x509.SubjectAlternativeNameExtension([san]), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
    });
  const ip = { type: 'ip', value: address } as const;
  const good = await leaf(intermediate, intKeys!.privateKey, ip);
  const chains: Record<string, x509.X509Certificate[]> = {
    good: [good, intermediate],
    incomplete: [good],
    misordered: [good, root, intermediate],
    otherName: [await leaf(intermediate, intKeys!.privateKey, { type: 'dns', value: 'elsewhere.invalid' }), intermediate],
    expired: [await leaf(intermediate, intKeys!.privateKey, ip, now - 10 * DAY), intermediate],
    untrusted: [await leaf(stranger, strangerKeys!.privateKey, ip), stranger],
  };
  const paths: Record<string, string> = {};
  for (const [name, certs] of Object.entries(chains)) {
    // The whole chain (for servers that read one file), and the leaf and the rest apart (for s_server).
    paths[name] = join(dir, `${name}.pem`);
    await writeFile(paths[name], pem(...certs));
    await writeFile(join(dir, `${name}-leaf.pem`), pem(certs[0]!));
    if (certs.length > 1) await writeFile(join(dir, `${name}-rest.pem`), pem(...certs.slice(1)));
  }
  const key = join(dir, 'leaf.key');
  await writeFile(key, await keyPem(leafKeys!.privateKey));
  const caFile = join(dir, 'root.pem');
  await writeFile(caFile, pem(root));
  return { caFile, rootPem: pem(root), key, ...paths } as AccuracyPki;
}

export type AccuracyServer =
  /** openssl s_server holding each connection open (stdin stays open), answering nothing to HTTP. */
  | { kind: 's_server'; port: number; chain: keyof Omit<AccuracyPki, 'caFile' | 'rootPem' | 'key'>; args?: string[] }
  /** slapd (GnuTLS) on ldaps with the given GnuTLS priority string and no DH parameters of its own. */
  | { kind: 'slapd'; port: number; priority: string }
  /** vsftpd with implicit TLS, TLS 1.0 refused: it answers a refused hello with an alert and then "500 OOPS". */
  | { kind: 'vsftpd'; port: number }
  /** dovecot imaps without ssl_dh: it aborts every DHE handshake by hanging up. */
  | { kind: 'dovecot'; port: number };

export interface AccuracyLab {
  pki: AccuracyPki;
  stop(): Promise<void>;
}

/** Starts the servers in the gateway's namespace and waits until each listens. */
export async function startAccuracyServers(namespace: string, address: string, servers: AccuracyServer[]): Promise<AccuracyLab> {
  // Daemons that drop privileges (dovecot's login processes, vsftpd's) must reach their files: a world-readable dir.
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-tls-accuracy-'));
  await chmod(dir, 0o755);
  const children: ChildProcess[] = [];
  const stop = async () => {
    await stopChildren(children);
    await rm(dir, { recursive: true, force: true });
  };
  const spawnInNs = (cmd: string, args: string[], holdStdin = false) => {
    children.push(spawnInNamespace(namespace, cmd, args, { holdStdin, onFailure: (m) => process.stderr.write(`[tls-accuracy] ${m}\n`) }));
  };
  try {
    const pki = await makePki(dir, address);
    for (const server of servers) {
      if (server.kind === 's_server') {
        const chain = pki[server.chain].replace(/\.pem$/, '');
        const args = ['s_server', '-accept', `${address}:${server.port}`, '-cert', `${chain}-leaf.pem`, '-key', pki.key];
        const rest = server.chain === 'incomplete' ? [] : ['-cert_chain', `${chain}-rest.pem`];
        spawnInNs('openssl', [...args, ...rest, ...(server.args ?? [])], true);
      } else if (server.kind === 'slapd') {
        const conf = join(dir, `slapd-${server.port}.conf`);
        await writeFile(
          conf,
          [
            'include /etc/ldap/schema/core.schema',
            `pidfile ${join(dir, `slapd-${server.port}.pid`)}`,
            `TLSCertificateFile ${pki.good}`,
            `TLSCertificateKeyFile ${pki.key}`,
            `TLSCipherSuite ${server.priority}`,
          ].join('\n') + '\n',
        );
        spawnInNs('/usr/sbin/slapd', ['-d', '0', '-f', conf, '-h', `ldaps://${address}:${server.port}/`]);
      } else if (server.kind === 'vsftpd') {
        const empty = join(dir, 'vsftpd-empty');
        await mkdir(empty, { mode: 0o755 });
        const conf = join(dir, `vsftpd-${server.port}.conf`);
        await writeFile(
          conf,
          [
            'listen=YES',
            `listen_address=${address}`,
            `listen_port=${server.port}`,
            'background=NO',
            'anonymous_enable=NO',
            'local_enable=YES',
            'ssl_enable=YES',
            'implicit_ssl=YES',
            'ssl_tlsv1=NO',
            'ssl_sslv2=NO',
            'ssl_sslv3=NO',
            `rsa_cert_file=${pki.good}`,
            `rsa_private_key_file=${pki.key}`,
            `secure_chroot_dir=${empty}`,
            'seccomp_sandbox=NO',
          ].join('\n') + '\n',
        );
        spawnInNs('/usr/sbin/vsftpd', [conf]);
      } else {
        const base = join(dir, `dovecot-${server.port}`);
        await mkdir(join(base, 'run'), { recursive: true, mode: 0o755 });
        await mkdir(join(base, 'state'), { recursive: true, mode: 0o755 });
        const conf = join(base, 'dovecot.conf');
        await writeFile(
          conf,
          `base_dir = ${join(base, 'run')}
state_dir = ${join(base, 'state')}
log_path = ${join(base, 'log')}
protocols = imap
listen = ${address}
ssl = required
ssl_cert = <${pki.good}
ssl_key = <${pki.key}
ssl_min_protocol = TLSv1.2
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
service imap-login {
  chroot =
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = ${server.port}
    ssl = yes
  }
}
service anvil {
  chroot =
}
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${join(base, 'home')}
}
`,
        );
        spawnInNs('/usr/sbin/dovecot', ['-F', '-c', conf]);
      }
    }
    await waitForListeners(
      namespace,
      servers.map((s) => s.port),
      'TLS servers',
    );
    return { pki, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
