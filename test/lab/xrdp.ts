import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeafFiles } from './pki.ts';

/**
 * How a lab xrdp is set up: `security` is xrdp's security_layer (rdp: standard RDP security only; tls: TLS only;
 * negotiate: whatever the client asks for), `crypt` its crypt_level for standard RDP security (low: 40-bit RC4,
 * high: 128-bit RC4, fips). xrdp implements no CredSSP (NLA) in any of them.
 */
export interface XrdpFlavour {
  security: 'rdp' | 'tls' | 'negotiate';
  crypt: 'low' | 'high' | 'fips';
}

/**
 * Starts Debian's xrdp on one port with its own xrdp.ini, log and PID file in `dir`: xrdp writes its PID to
 * /var/run/xrdp/xrdp.pid, so it runs in a mount namespace of its own where a folder of `dir` is bound there.
 * It reads the server RSA key of standard RDP security from /etc/xrdp/rsakeys.ini (made when the package is
 * installed). No xrdp-sesman: the security negotiation comes before any session.
 */
export async function spawnXrdp(
  spawnInNs: (cmd: string, args: string[]) => ChildProcess,
  dir: string,
  address: string,
  port: number,
  flavour: XrdpFlavour,
  leaf: LeafFiles,
): Promise<void> {
  const own = join(dir, `xrdp-${port}`);
  await mkdir(join(own, 'run'), { recursive: true });
  const ini = [
    '[Globals]',
    'ini_version=1',
    'fork=false',
    `port=tcp://${address}:${port}`,
    `security_layer=${flavour.security}`,
    `crypt_level=${flavour.crypt}`,
    `certificate=${leaf.cert}`,
    `key_file=${leaf.key}`,
    'ssl_protocols=TLSv1.2, TLSv1.3',
    '[Logging]',
    `LogFile=${join(own, 'xrdp.log')}`,
    'LogLevel=INFO',
    'EnableSyslog=false',
    'EnableConsole=false',
    '[Channels]',
    '[Xorg]',
    'name=Xorg',
    'lib=libxup.so',
    'username=ask',
    'password=ask',
    'ip=127.0.0.1',
    'port=-1',
  ].join('\n');
  await writeFile(join(own, 'xrdp.ini'), `${ini}\n`);
  const script =
    'mkdir -p /run/xrdp && mount --make-rprivate / && mount --bind "$1" /run/xrdp && exec /usr/sbin/xrdp --nodaemon --config "$2"';
  spawnInNs('unshare', ['-m', 'sh', '-c', script, 'sh', join(own, 'run'), join(own, 'xrdp.ini')]);
}
