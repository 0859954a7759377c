/**
 * Real lab gateways for the tests: one network namespace per gateway, joined to the test's own namespace
 * by a veth pair, with an address in 10.213.0.0/16 that exists only on that pair. Real daemons (sshd,
 * nginx) run inside, and an nftables ruleset when the gateway is firewalled. Everything is torn down by
 * `stop()`: the daemons by the PIDs this module started, then the namespace and its veth.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeLabPki, type LabPki } from './pki.ts';
import { spawnGnutlsServ } from './gnutls.ts';
import { spawnSilentTcp } from './silent-tcp.ts';
import { writeNginxConfig } from './nginx.ts';
import { spawnXrdp, type XrdpFlavour } from './xrdp.ts';
import { spawnInNamespace, stopChildren, waitForListeners } from './processes.ts';
import { startStrongswan, type LabIke } from './strongswan.ts';

const run = promisify(execFile);

/**
 * modern: TLS 1.2 and 1.3, ECDHE with AEAD suites only, an in-date SHA-256 certificate from the lab CA, HSTS.
 * legacy: TLS 1.0 to 1.2 with OpenSSL's DEFAULT suites at security level 0 (CBC and static RSA among them),
 * an expired certificate signed with SHA-1, no HSTS.
 */
export type LabTls = 'modern' | 'legacy';

/**
 * default: Debian's OpenSSH defaults with an Ed25519 host key.
 * hardened: post-quantum and X25519 key exchange, AEAD and CTR ciphers, ETM MACs, Ed25519 and RSA 3072 keys, keys only.
 * weak: adds SHA-1 and 1024-bit key exchange, CBC and 3DES ciphers, MD5 and SHA-1 MACs, ssh-rsa, an RSA 1024 key,
 * password and keyboard-interactive log-on and root log-in.
 */
export type LabSsh = 'default' | 'hardened' | 'weak';

/**
 * v2c-public: `rocommunity public`. v3-only: one authPriv user with SHA-256 and AES, no community at all.
 * v1-ifmib-view: `public` for v1 only, restricted by VACM to the interfaces subtree (1.3.6.1.2.1.2).
 * custom-community: only the non-default community LAB_SNMP_CUSTOM_COMMUNITY, v1 and v2c.
 */
export type LabSnmp = 'v2c-public' | 'v3-only' | 'v1-ifmib-view' | 'custom-community';
export const LAB_SNMP_CUSTOM_COMMUNITY = 'Acme-Monitor-7';
export const LAB_SNMP_V3 = { user: 'cocoscan', authKey: 'lab-auth-passphrase-1', privKey: 'lab-priv-passphrase-1' };

export type LabService =
  | {
      kind: 'sshd';
      port: number;
      ssh?: LabSsh;
      /** Lines appended to the flavour's sshd_config (KexAlgorithms, Match blocks: these go last). */
      extraConfig?: string[];
      /**
       * What /etc/ssh/sshd_config holds for this sshd and its sessions (a private mount namespace binds it
       * there), while the daemon itself runs with `-f` its own file.
       */
      defaultConfig?: string[];
    }
  | { kind: 'dropbear'; port: number }
  | { kind: 'nginx-http'; port: number }
  | { kind: 'snmpd'; port: number; snmp: LabSnmp }
  | { kind: 'nginx-https'; port: number; tls?: LabTls }
  /** dnsmasq answering recursive queries (RA set; names under .invalid get NXDOMAIN, as from a real resolver). */
  | { kind: 'dnsmasq'; port: number }
  /** A UDP echo service (RFC 862) on any port: it answers whatever nmap sends. */
  | { kind: 'udp-echo'; port: number }
  /** gnutls-serv --http, single-threaded (see gnutls.ts), with the modern flavour's certificate. */
  | { kind: 'gnutls-https'; port: number }
  /** A TCP port that accepts connections and never speaks (see silent-tcp.ts). */
  | { kind: 'tcp-silent'; port: number }
  /** Debian's xrdp (see xrdp.ts), with the modern flavour's certificate for TLS. */
  | ({ kind: 'xrdp'; port: number } & XrdpFlavour)
  /** strongSwan's charon on UDP 500 and 4500 (see strongswan.ts). */
  | { kind: 'strongswan'; port: 500; ike: LabIke };

export interface LabGatewaySpec {
  name: string;
  services: LabService[];
  /** nftables default-drop input policy with these TCP ports open; no firewall when absent. */
  firewallAllowTcp?: number[];
  firewallAllowUdp?: number[];
  /**
   * TCP ports the firewall lets through at `limit rate 3/minute` only, and never to a bare SYN without
   * SACK-permitted (nmap's raw scan SYN): what nmap sees once cocoscan's own probes have used the limit up,
   * without depending on which of them reaches the port first.
   */
  rateLimitTcp?: number[];
  /** `limit`: nmap's scan SYN goes through the rate limit as any other SYN (no sack-perm rule): a real `limit rate 3/minute`. */
  rateLimitScanSyn?: 'drop' | 'limit';
  /** `ip` filters IPv4 only, leaving IPv6 unfiltered; `inet` (the default) filters both. */
  firewallFamily?: 'inet' | 'ip';
  /** Also an IPv6 address on the link (`address6`), on which sshd and nginx listen too. */
  ipv6?: boolean;
  /** An nftables ruleset loaded as it is (nft -f), beside or instead of the default-drop one. */
  nftRuleset?: string;
  /** iptables-restore and ip6tables-restore input, for gateways firewalled with iptables. */
  iptables?: { ipv4: string; ipv6: string };
  /** Closed UDP ports answer every probe with ICMP port unreachable at once (net.ipv4.icmp_ratelimit=0). */
  icmpRateLimitOff?: boolean;
}

export interface LabGateway {
  name: string;
  namespace: string;
  address: string;
  /** The gateway's IPv6 address, when the spec asks for one. */
  address6?: string;
  /** An address on the same veth link that nobody answers for. */
  silentAddress: string;
  /** The veth end in the test's own namespace (the scanner side): for tx counters, or `tc qdisc … netem` on the link. */
  hostInterface: string;
  dir: string;
  /** The lab CA that signed the gateway's certificates (trust it with tls.trust). */
  caFile: string;
  /** Stops the daemons and starts these services instead, with new host keys and certificates. */
  relaunch(services: LabService[]): Promise<void>;
  /** A private key root may log in with over SSH (for authenticated collection), and the known_hosts line for the gateway. */
  clientKeyFile: string;
  knownHostsFile: string;
  stop(): Promise<void>;
}

const REQUIRED_TOOLS = [
  'ip',
  'nft',
  'nmap',
  'openssl',
  '/usr/sbin/sshd',
  '/usr/sbin/nginx',
  'ssh-keygen',
  '/usr/sbin/snmpd',
  'iptables-restore',
  'ip6tables-restore',
  '/usr/sbin/dropbear',
  'dropbearkey',
  '/usr/sbin/dnsmasq',
];

/** Whether namespaces can be built here; the reason when they cannot. */
export async function labAvailability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'creating network namespaces needs root (run the suite as root, as CI does)' };
  for (const tool of REQUIRED_TOOLS) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return { ok: false, reason: `${tool} is not installed (.ci/run and scripts/setup.mjs install it)` };
    }
  }
  const probe = `ccprobe${randomBytes(3).toString('hex')}`;
  try {
    await run('ip', ['netns', 'add', probe]);
    await run('ip', ['netns', 'del', probe]);
  } catch (error) {
    return { ok: false, reason: `ip netns add failed: ${(error as Error).message.split('\n')[0]}` };
  }
  return { ok: true };
}

// Each gateway gets its own /24 in 10.213.0.0/16: handed out in turn from a random start, skipping any
// subnet already on this machine (a leftover of a killed run), so two gateways never share an address.
let nextOctet = Math.floor(Math.random() * 250);
let subnetCounter = 0;

async function freeOctet(): Promise<number> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show']);
  const used = new Set([...stdout.matchAll(/inet 10\.213\.(\d+)\./g)].map((m) => Number(m[1])));
  for (let tries = 0; tries < 250; tries += 1) {
    const octet = nextOctet;
    nextOctet = (nextOctet + 1) % 250;
    if (!used.has(octet)) return octet;
  }
  throw new Error('no free 10.213.x.0/24 subnet left for a lab gateway');
}

function allowed(transport: 'tcp' | 'udp', ports: number[] | undefined): string {
  return ports?.length ? `    ${transport} dport { ${ports.join(', ')} } accept\n` : '';
}

function rateLimited(ports: number[] | undefined, scanSyn: 'drop' | 'limit' = 'drop'): string {
  if (!ports?.length) return '';
  const set = `{ ${ports.join(', ')} }`;
  const dropScanSyn = scanSyn === 'drop' ? `    tcp dport ${set} tcp option sack-perm missing drop\n` : '';
  return `${dropScanSyn}    tcp dport ${set} ct state new limit rate 3/minute accept\n`;
}

export async function startLabGateway(spec: LabGatewaySpec): Promise<LabGateway> {
  const id = randomBytes(2).toString('hex');
  const namespace = `cc-${spec.name}-${id}`.slice(0, 30);
  const hostIf = `cc${id}h${subnetCounter}`.slice(0, 15);
  const nsIf = `cc${id}g${subnetCounter}`.slice(0, 15);
  subnetCounter += 1;
  const octet = await freeOctet();
  const prefix = `10.213.${octet}`;
  const address = `${prefix}.2`;
  const address6 = spec.ipv6 ? `fd00:213:${octet}::2` : undefined;
  const addresses = address6 ? [address, `[${address6}]`] : [address];
  const dir = await mkdtemp(join(tmpdir(), `cocoscan-lab-${spec.name}-`));
  const children: ChildProcess[] = [];

  const stop = async () => {
    await stopChildren(children);
    await run('ip', ['netns', 'del', namespace]).catch(() => undefined);
    await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await run('ip', ['netns', 'add', namespace]);
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await run('ip', ['link', 'set', nsIf, 'netns', namespace]);
    await run('ip', ['addr', 'add', `${prefix}.1/24`, 'dev', hostIf]);
    await run('ip', ['link', 'set', hostIf, 'up']);
    const inNs = (cmd: string, args: string[]) => run('ip', ['netns', 'exec', namespace, cmd, ...args]);
    await inNs('ip', ['addr', 'add', `${address}/24`, 'dev', nsIf]);
    await inNs('ip', ['link', 'set', nsIf, 'up']);
    await inNs('ip', ['link', 'set', 'lo', 'up']);
    if (address6) {
      // nodad: the address is usable at once, not after duplicate address detection.
      await run('ip', ['addr', 'add', `fd00:213:${octet}::1/64`, 'dev', hostIf, 'nodad']);
      await inNs('ip', ['addr', 'add', `${address6}/64`, 'dev', nsIf, 'nodad']);
    }
    if (spec.icmpRateLimitOff) await inNs('sysctl', ['-qw', 'net.ipv4.icmp_ratelimit=0']);

    if (spec.firewallAllowTcp) {
      const rules = `table ${spec.firewallFamily ?? 'inet'} cocoscan_lab {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
${allowed('tcp', spec.firewallAllowTcp)}${rateLimited(spec.rateLimitTcp, spec.rateLimitScanSyn)}${allowed('udp', spec.firewallAllowUdp)}  }
}
`;
      await writeFile(join(dir, 'ruleset.nft'), rules);
      await inNs('nft', ['-f', join(dir, 'ruleset.nft')]);
    }

    if (spec.nftRuleset) {
      await writeFile(join(dir, 'custom.nft'), spec.nftRuleset);
      await inNs('nft', ['-f', join(dir, 'custom.nft')]);
    }
    if (spec.iptables) {
      await writeFile(join(dir, 'iptables.rules'), spec.iptables.ipv4);
      await writeFile(join(dir, 'ip6tables.rules'), spec.iptables.ipv6);
      await inNs('iptables-restore', [join(dir, 'iptables.rules')]);
      await inNs('ip6tables-restore', [join(dir, 'ip6tables.rules')]);
    }

    // Daemons, keys and certificates: made anew on every launch, so a relaunch changes them.
    const launch = async (services: LabService[]) => {
      const spawnInNs = (cmd: string, args: string[]) => {
        const child = spawnInNamespace(namespace, cmd, args, { onFailure: (m) => process.stderr.write(`[lab ${spec.name}] ${m}\n`) });
        children.push(child);
        return child;
      };

      const sshd = services.filter((s) => s.kind === 'sshd');
      await rm(join(dir, 'client_ed25519'), { force: true });
      await rm(join(dir, 'client_ed25519.pub'), { force: true });
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cocoscan-lab-client', '-f', join(dir, 'client_ed25519')]);
      await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_ed25519.pub'), 'utf8'));
      if (sshd.length > 0) {
        await mkdir('/run/sshd', { recursive: true });
        const flavour = sshd[0]!.ssh ?? 'default';
        const keys = await sshHostKeys(dir, flavour);
        const config = [
          ...sshd.flatMap((s) => addresses.map((a) => `ListenAddress ${a}:${s.port}`)),
          ...keys.map((k) => `HostKey ${k}`),
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'StrictModes no',
          'UsePAM no',
          ...SSHD_FLAVOURS[flavour],
          ...(sshd[0]!.extraConfig ?? []),
        ].join('\n');
        await writeFile(join(dir, 'sshd_config'), `${config}\n`);
        const defaultConfig = sshd[0]!.defaultConfig;
        if (defaultConfig) {
          // sshd -T refuses to print without a host key it can load: the lab's keys stand in for /etc/ssh's.
          await writeFile(join(dir, 'etc_sshd_config'), `${[...keys.map((k) => `HostKey ${k}`), ...defaultConfig].join('\n')}\n`);
          const script = `mount --make-rprivate / && mount --bind "$1" /etc/ssh/sshd_config && exec /usr/sbin/sshd -D -e -f "$2"`;
          spawnInNs('unshare', ['-m', 'sh', '-c', script, 'sh', join(dir, 'etc_sshd_config'), join(dir, 'sshd_config')]);
        } else {
          spawnInNs('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')]);
        }
        const knownHosts = await Promise.all(
          keys.map(async (k) => `${address} ${(await readFile(`${k}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ')}`),
        );
        await writeFile(join(dir, 'known_hosts'), `${knownHosts.join('\n')}\n`);
      } else {
        await writeFile(join(dir, 'known_hosts'), '');
      }

      // Dropbear as Debian ships it (zlib@openssh.com compression offered), public keys only (-s).
      for (const service of services.filter((s) => s.kind === 'dropbear')) {
        const key = join(dir, `dropbear_ed25519_${service.port}`);
        await rm(key, { force: true });
        await run('dropbearkey', ['-t', 'ed25519', '-f', key]);
        const pid = join(dir, `dropbear-${service.port}.pid`);
        spawnInNs('/usr/sbin/dropbear', ['-F', '-E', '-s', '-p', `${address}:${service.port}`, '-r', key, '-P', pid]);
      }

      const pki = await makeLabPki(dir, address);
      const https = services.filter((s) => s.kind === 'nginx-https');
      const http = services.filter((s) => s.kind === 'nginx-http');
      if (https.length + http.length > 0) {
        const servers = [
          ...https.map((s) => httpsServer(address, s.port, s.tls ?? 'modern', pki)),
          ...http.map(
            (s) =>
              `server { ${addresses.map((a) => `listen ${a}:${s.port};`).join(' ')} location / { return 200 "stray admin console\\n"; } }`,
          ),
        ];
        spawnInNs('/usr/sbin/nginx', await writeNginxConfig(dir, servers));
      }

      for (const service of services.filter((s) => s.kind === 'gnutls-https')) spawnGnutlsServ(spawnInNs, service.port, pki.good);
      for (const service of services.filter((s) => s.kind === 'xrdp'))
        await spawnXrdp(spawnInNs, dir, address, service.port, service, pki.good);
      spawnSilentTcp(
        spawnInNs,
        services.filter((s) => s.kind === 'tcp-silent').map((s) => s.port),
        address,
      );

      const snmpd = services.filter((s) => s.kind === 'snmpd');
      for (const service of snmpd) {
        const agent = `agentAddress udp:${address}:${service.port}`;
        const lines = {
          'v2c-public': [agent, 'rocommunity public default'],
          'v3-only': [
            agent,
            `createUser ${LAB_SNMP_V3.user} SHA-256 "${LAB_SNMP_V3.authKey}" AES "${LAB_SNMP_V3.privKey}"`,
            `rouser ${LAB_SNMP_V3.user} priv`,
          ],
          'v1-ifmib-view': [
            agent,
            'view ifonly included .1.3.6.1.2.1.2',
            'com2sec ifonlysec default public',
            'group ifonlygroup v1 ifonlysec',
            'access ifonlygroup "" v1 noauth exact ifonly none none',
          ],
          'custom-community': [agent, `rocommunity ${LAB_SNMP_CUSTOM_COMMUNITY} default`],
        }[service.snmp];
        await mkdir(join(dir, 'snmp'), { recursive: true });
        await writeFile(join(dir, 'snmpd.conf'), `${lines.join('\n')}\n`);
        spawnInNs('env', [
          `SNMP_PERSISTENT_DIR=${join(dir, 'snmp')}`,
          '/usr/sbin/snmpd',
          '-f',
          '-Lo',
          '-C',
          '-c',
          join(dir, 'snmpd.conf'),
          '-p',
          join(dir, 'snmpd.pid'),
        ]);
      }

      for (const service of services.filter((s) => s.kind === 'dnsmasq')) {
        spawnInNs('/usr/sbin/dnsmasq', [
          '--keep-in-foreground',
          '--conf-file=/dev/null',
          '--no-resolv',
          '--no-hosts',
          `--port=${service.port}`,
          `--listen-address=${address}`,
          '--bind-interfaces',
          '--local=/invalid/',
          `--pid-file=${join(dir, `dnsmasq-${service.port}.pid`)}`,
          '--user=root',
        ]);
      }
      const echo = services.filter((s) => s.kind === 'udp-echo');
      if (echo.length > 0) {
        const script =
          "const dgram = require('node:dgram');" +
          `for (const port of ${JSON.stringify(echo.map((s) => s.port))}) {` +
          "const s = dgram.createSocket('udp4'); s.on('message', (m, r) => s.send(m, r.port, r.address));" +
          `s.bind(port, ${JSON.stringify(address)}); }`;
        spawnInNs(process.execPath, ['-e', script]);
      }

      for (const service of services.filter((s) => s.kind === 'strongswan')) await startStrongswan(spawnInNs, namespace, dir, service.ike);

      const udp = ['snmpd', 'dnsmasq', 'udp-echo', 'strongswan'];
      await waitForListeners(
        namespace,
        services.filter((s) => !udp.includes(s.kind) || s.kind === 'dnsmasq').map((s) => s.port),
        'lab services',
      );
      await waitForListeners(
        namespace,
        services.filter((s) => udp.includes(s.kind)).map((s) => s.port),
        "the lab's UDP services",
        { transport: 'udp' },
      );
      return pki;
    };
    const pki = await launch(spec.services);
    return {
      name: spec.name,
      namespace,
      address,
      ...(address6 ? { address6 } : {}),
      silentAddress: `${prefix}.77`,
      hostInterface: hostIf,
      dir,
      caFile: pki.caFile,
      clientKeyFile: join(dir, 'client_ed25519'),
      knownHostsFile: join(dir, 'known_hosts'),
      stop,
      relaunch: async (services: LabService[]) => {
        await stopChildren(children);
        for (const name of await readdir(dir)) if (/^ssh_host_/.test(name)) await rm(join(dir, name), { force: true });
        await launch(services);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const SSHD_FLAVOURS: Record<LabSsh, string[]> = {
  default: ['PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password'],
  hardened: [
    'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,' +
      'diffie-hellman-group16-sha512,diffie-hellman-group18-sha512',
    'Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
    'MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-128-etm@openssh.com',
    'HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
  ],
  weak: [
    'KexAlgorithms +diffie-hellman-group14-sha1,diffie-hellman-group1-sha1',
    'Ciphers +aes128-cbc,aes256-cbc,3des-cbc',
    'MACs +hmac-md5,hmac-sha1-96',
    'HostKeyAlgorithms +ssh-rsa',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication yes',
    'PermitRootLogin yes',
  ],
};

async function sshHostKeys(dir: string, flavour: LabSsh): Promise<string[]> {
  const make = async (name: string, args: string[]) => {
    await run('ssh-keygen', ['-q', ...args, '-N', '', '-f', join(dir, name)]);
    return join(dir, name);
  };
  const keys = [await make('ssh_host_ed25519_key', ['-t', 'ed25519'])];
  if (flavour === 'hardened') keys.push(await make('ssh_host_rsa_key', ['-t', 'rsa', '-b', '3072']));
  if (flavour === 'weak') keys.push(await make('ssh_host_rsa_key', ['-t', 'rsa', '-b', '1024']));
  return keys;
}

const MODERN_CIPHERS =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:' +
  'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';

function httpsServer(address: string, port: number, tls: LabTls, pki: LabPki): string {
  if (tls === 'modern') {
    return `server { listen ${address}:${port} ssl; ssl_certificate ${pki.good.cert}; ssl_certificate_key ${pki.good.key};
    ssl_protocols TLSv1.2 TLSv1.3; ssl_prefer_server_ciphers on;
    ssl_ciphers ${MODERN_CIPHERS};
    add_header Strict-Transport-Security "max-age=63072000" always;
    location / { return 200 "case sync\\n"; } }`;
  }
  return `server { listen ${address}:${port} ssl; ssl_certificate ${pki.bad.cert}; ssl_certificate_key ${pki.bad.key};
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers DEFAULT:@SECLEVEL=0;
    location / { return 200 "legacy case sync\\n"; } }`;
}
