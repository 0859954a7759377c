#!/usr/bin/env node
// Set-up shared by `npm test`, `npm run demo` and `npm run bench`: installs the npm dependencies when they
// are missing, and the Debian packages the chosen task needs when running as root with apt-get.
// Plain JavaScript with no dependencies, because it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const task = process.argv.includes('--for') ? process.argv[process.argv.indexOf('--for') + 1] : 'test';

// command on PATH → Debian package that provides it
const NEEDS = {
  demo: { nmap: 'nmap', openssl: 'openssl' },
  test: {
    nmap: 'nmap',
    nft: 'nftables',
    'iptables-restore': 'iptables',
    sshd: 'openssh-server',
    'ssh-keygen': 'openssh-client',
    nginx: 'nginx-light',
    snmpd: 'snmpd',
    snmpget: 'snmp',
    dropbear: 'dropbear-bin',
    dropbearkey: 'dropbear-bin',
    dnsmasq: 'dnsmasq-base',
    openssl: 'openssl',
    ip: 'iproute2',
    ss: 'iproute2',
    sha256sum: 'coreutils',
    xmllint: 'libxml2-utils',
    sslscan: 'sslscan',
    'ssh-audit': 'ssh-audit',
    'gnutls-serv': 'gnutls-bin',
    chromium: 'chromium',
    slapd: 'slapd',
    vsftpd: 'vsftpd',
    dovecot: 'dovecot-core',
    doveconf: 'dovecot-core',
    '/usr/lib/dovecot/imap-login': 'dovecot-imapd',
    // The TLS endpoint zoo (test/lab/tls-zoo.ts).
    apache2: 'apache2-bin',
    stunnel4: 'stunnel4',
    haproxy: 'haproxy',
    '/usr/bin/python3': 'python3',
    '/usr/lib/dovecot/pop3-login': 'dovecot-pop3d',
    // The STARTTLS lab (test/lab/starttls-servers.ts).
    postfix: 'postfix',
    '/usr/lib/postgresql/15/bin/postgres': 'postgresql-15',
    // The discovery engine lab (test/lab/discovery-engines.test.ts): scan.engine masscan.
    masscan: 'masscan',
    // The remote desktop lab (test/lab/xrdp.ts).
    '/usr/sbin/xrdp': 'xrdp',
    // The IKE lab (test/lab/strongswan.ts, ike.test.ts): strongSwan's charon with swanctl, and ike-scan to agree with.
    '/usr/lib/ipsec/charon': 'strongswan-charon',
    swanctl: 'strongswan-swanctl',
    '/usr/lib/ipsec/plugins/libstrongswan-openssl.so': 'libstrongswan-standard-plugins',
    'ike-scan': 'ike-scan',
    // The container test (test/package/container.test.ts): builds the Dockerfile on a base it makes with debootstrap.
    podman: 'podman',
    '/usr/lib/podman/netavark': 'netavark',
    debootstrap: 'debootstrap',
    unshare: 'util-linux',
    // A pseudo-terminal for the progress display (test/progress-tty.test.ts).
    script: 'bsdutils',
  },
  bench: {
    // ike-agreement section: strongSwan responders and ike-scan.
    '/usr/lib/ipsec/charon': 'strongswan-charon',
    swanctl: 'strongswan-swanctl',
    '/usr/lib/ipsec/plugins/libstrongswan-openssl.so': 'libstrongswan-standard-plugins',
    'ike-scan': 'ike-scan',
    nmap: 'nmap',
    nft: 'nftables',
    sshd: 'openssh-server',
    nginx: 'nginx-light',
    snmpd: 'snmpd',
    snmpwalk: 'snmp',
    openssl: 'openssl',
    ip: 'iproute2',
    sslscan: 'sslscan',
    testssl: 'testssl.sh',
    'ssh-audit': 'ssh-audit',
    // ssh-agreement and udp sections: Dropbear beside OpenSSH, dnsmasq on the UDP gateway.
    dropbear: 'dropbear-bin',
    dropbearkey: 'dropbear-bin',
    dnsmasq: 'dnsmasq-base',
    // The TLS endpoint zoo (test/lab/tls-zoo.ts).
    apache2: 'apache2-bin',
    'gnutls-serv': 'gnutls-bin',
    stunnel4: 'stunnel4',
    haproxy: 'haproxy',
    '/usr/bin/python3': 'python3',
    '/usr/lib/dovecot/imap-login': 'dovecot-imapd',
    '/usr/lib/dovecot/pop3-login': 'dovecot-pop3d',
  },
};

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: 'ignore' }).status === 0;
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

function ensureDebianPackages() {
  const needs = NEEDS[task] ?? NEEDS.test;
  const missing = [
    ...new Set(
      Object.entries(needs)
        .filter(([command]) => !onPath(command))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (missing.length === 0) return;
  const root = process.getuid?.() === 0;
  if (!root || !onPath('apt-get')) {
    log(
      `missing Debian packages: ${missing.join(' ')}. Install them (apt-get install ${missing.join(' ')}); tests that need them say so and are skipped.`,
    );
    return;
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

ensureNodeModules();
ensureDebianPackages();
