/**
 * Real mail, directory and file-transfer daemons for the STARTTLS lab tests, each with its own configuration in a
 * temporary folder, inside a lab gateway's namespace, with the lab CA's good certificate: postfix (SMTP and
 * submission with STARTTLS, smtps on 465, and one smtpd without TLS), dovecot (IMAP STARTTLS, POP3 STLS, imaps),
 * vsftpd (AUTH TLS), slapd (StartTLS, ldaps) and PostgreSQL (SSLRequest). Stopped by the PIDs started here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LabGateway } from './lab.ts';
import { stopChildren, waitForListeners } from './processes.ts';

const run = promisify(execFile);

/** The ports each daemon listens on. */
export const STARTTLS_PORTS = {
  smtp: 25,
  submission: 587,
  smtps: 465,
  /** An smtpd of the same postfix with TLS switched off: a mail service that speaks only plaintext. */
  smtpPlain: 2525,
  imap: 143,
  pop3: 110,
  imaps: 993,
  ftp: 21,
  ldap: 389,
  ldaps: 636,
  postgresql: 5432,
} as const;

/** Debian's PostgreSQL 15 server programs (postgresql-15). */
function POSTGRES_BIN(name: string): string {
  return `/usr/lib/postgresql/15/bin/${name}`;
}

export const STARTTLS_TOOLS = [
  '/usr/lib/postfix/sbin/master',
  '/usr/sbin/postfix',
  '/usr/sbin/dovecot',
  '/usr/lib/dovecot/imap',
  '/usr/lib/dovecot/pop3',
  '/usr/sbin/vsftpd',
  '/usr/sbin/slapd',
  POSTGRES_BIN('postgres'),
  POSTGRES_BIN('initdb'),
  '/usr/bin/setpriv',
];

export interface StartTlsServers {
  stop(): Promise<void>;
}

/** Starts every daemon in the gateway's namespace and waits until each of its ports listens. */
export async function startStartTlsServers(gateway: LabGateway): Promise<StartTlsServers> {
  // World-readable, unlike the gateway's own folder: postfix and dovecot drop to their users.
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-starttls-'));
  await chmod(dir, 0o755);
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  await copyFile(join(gateway.dir, 'good.crt'), cert);
  await copyFile(join(gateway.dir, 'good.key'), key);
  const children: ChildProcess[] = [];
  const spawnInNs = (cmd: string, args: string[]) => {
    // Detached: postfix's master signals its whole process group when it stops.
    const child = spawn('ip', ['netns', 'exec', gateway.namespace, cmd, ...args], { stdio: 'ignore', detached: true });
    children.push(child);
    return child;
  };
  const stop = async () => {
    await stopChildren(children);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const address = gateway.address;
    await postfix(join(dir, 'postfix'), address, cert, key, spawnInNs, gateway.namespace);
    await dovecot(join(dir, 'dovecot'), address, cert, key, spawnInNs);
    await vsftpd(join(dir, 'vsftpd'), address, cert, key, spawnInNs);
    await slapd(join(dir, 'slapd'), address, cert, key, spawnInNs);
    await postgresql(join(dir, 'postgresql'), address, cert, key, spawnInNs);
    await waitForListeners(gateway.namespace, Object.values(STARTTLS_PORTS), 'the STARTTLS daemons');
    return { stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Spawn = (cmd: string, args: string[]) => ChildProcess;

async function postfix(dir: string, address: string, cert: string, key: string, spawnInNs: Spawn, namespace: string): Promise<void> {
  const conf = join(dir, 'conf');
  await mkdir(conf, { recursive: true });
  await mkdir(join(dir, 'queue'));
  await mkdir(join(dir, 'data'));
  await chown(join(dir, 'data'), ...(await ids('postfix')));
  await writeFile(
    join(conf, 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = ${address}
inet_protocols = ipv4
myhostname = mail.lab.invalid
mydestination =
relay_domains =
local_recipient_maps =
smtpd_tls_security_level = may
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_cert_file = ${cert}
smtpd_tls_key_file = ${key}
`,
  );
  const p = STARTTLS_PORTS;
  await writeFile(
    join(conf, 'master.cf'),
    `${address}:${p.smtp} inet n - n - - smtpd
${address}:${p.submission} inet n - n - - smtpd
${address}:${p.smtps} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
${address}:${p.smtpPlain} inet n - n - - smtpd -o smtpd_tls_security_level=none
postlog unix-dgram n - n - 1 postlogd
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
tlsmgr unix - - n 1000? 1 tlsmgr
`,
  );
  // `postfix check` makes the queue's folders with their owners (in the namespace: it checks inet_interfaces); the
  // master then runs in the foreground.
  await run('ip', ['netns', 'exec', namespace, '/usr/sbin/postfix', '-c', conf, 'check']);
  spawnInNs('/usr/lib/postfix/sbin/master', ['-c', conf, '-d']);
}

async function dovecot(dir: string, address: string, cert: string, key: string, spawnInNs: Spawn): Promise<void> {
  await mkdir(join(dir, 'run'), { recursive: true });
  await mkdir(join(dir, 'state'));
  await writeFile(join(dir, 'users'), '');
  const p = STARTTLS_PORTS;
  await writeFile(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap pop3
listen = ${address}
ssl = yes
ssl_cert = <${cert}
ssl_key = <${key}
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/home
}
service imap-login {
  inet_listener imap {
    port = ${p.imap}
  }
  inet_listener imaps {
    port = ${p.imaps}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${p.pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
`,
  );
  spawnInNs('/usr/sbin/dovecot', ['-F', '-c', join(dir, 'dovecot.conf')]);
}

async function vsftpd(dir: string, address: string, cert: string, key: string, spawnInNs: Spawn): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'vsftpd.conf'),
    `listen=YES
listen_ipv6=NO
listen_address=${address}
listen_port=${STARTTLS_PORTS.ftp}
background=NO
anonymous_enable=NO
local_enable=YES
pam_service_name=vsftpd
seccomp_sandbox=NO
ssl_enable=YES
rsa_cert_file=${cert}
rsa_private_key_file=${key}
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=NO
vsftpd_log_file=${dir}/vsftpd.log
`,
  );
  await mkdir('/var/run/vsftpd/empty', { recursive: true });
  spawnInNs('/usr/sbin/vsftpd', [join(dir, 'vsftpd.conf')]);
}

async function slapd(dir: string, address: string, cert: string, key: string, spawnInNs: Spawn): Promise<void> {
  await mkdir(join(dir, 'ldif'), { recursive: true });
  await writeFile(
    join(dir, 'slapd.conf'),
    `include /etc/ldap/schema/core.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCertificateFile ${cert}
TLSCertificateKeyFile ${key}
database ldif
suffix "dc=lab,dc=invalid"
directory ${dir}/ldif
`,
  );
  const urls = `ldap://${address}:${STARTTLS_PORTS.ldap}/ ldaps://${address}:${STARTTLS_PORTS.ldaps}/`;
  spawnInNs('/usr/sbin/slapd', ['-d', '0', '-h', urls, '-f', join(dir, 'slapd.conf')]);
}

async function postgresql(dir: string, address: string, cert: string, key: string, spawnInNs: Spawn): Promise<void> {
  const [uid, gid] = await ids('postgres');
  await mkdir(dir, { recursive: true });
  await chown(dir, uid, gid);
  // PostgreSQL refuses a key another user could read: its own copy, owned by its user, mode 0600.
  for (const [from, to] of [
    [cert, 'server.crt'],
    [key, 'server.key'],
  ] as const) {
    await copyFile(from, join(dir, to));
    await chown(join(dir, to), uid, gid);
    await chmod(join(dir, to), 0o600);
  }
  const asPostgres = ['--reuid', String(uid), '--regid', String(gid), '--clear-groups'];
  await run('setpriv', [...asPostgres, POSTGRES_BIN('initdb'), '-D', join(dir, 'data'), '-A', 'trust', '--no-sync', '-U', 'postgres']);
  spawnInNs('setpriv', [
    ...asPostgres,
    POSTGRES_BIN('postgres'),
    '-D',
    join(dir, 'data'),
    '-k',
    dir,
    '-c',
    `listen_addresses=${address}`,
    '-c',
    `port=${STARTTLS_PORTS.postgresql}`,
    '-c',
    'ssl=on',
    '-c',
    `ssl_cert_file=${join(dir, 'server.crt')}`,
    '-c',
    `ssl_key_file=${join(dir, 'server.key')}`,
  ]);
}

async function ids(user: string): Promise<[number, number]> {
  const { stdout } = await run('id', [user]);
  const uid = /uid=(\d+)/.exec(stdout);
  const gid = /gid=(\d+)/.exec(stdout);
  if (!uid || !gid) throw new Error(`no user ${user} (${userInfo().username} runs the lab)`);
  return [Number(uid[1]), Number(gid[1])];
}
