/**
 * A zoo of implicit-TLS endpoints for the TLS agreement tests and the bench: one lab namespace, many ports,
 * eight server programs (nginx, apache2 with mod_ssl, gnutls-serv, openssl s_server, stunnel4, haproxy,
 * python3's ssl module, dovecot) in several TLS configurations each, with certificates from one lab root CA.
 * Every daemon runs by PID with its own config file in the gateway's temp dir; `stop()` ends them, then the
 * namespace. To add a server program: a ZooServer name, its endpoints in ZOO_ENDPOINTS, a ConfigWriter in
 * WRITERS (config files in `dir`, the command lines to run), and its binary in ZOO_TOOLS.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLabGateway, type LabGateway } from './lab.ts';
import { makeZooPki, type LeafFiles, type ZooPki } from './pki.ts';
import { spawnInNamespace, stopChildren, waitForListeners } from './processes.ts';

const run = promisify(execFile);

/**
 * modern: TLS 1.2 and 1.3, ECDHE with AEAD suites, RSA 2048 certificate. tls13: TLS 1.3 only.
 * legacy: TLS 1.0 to 1.2 at OpenSSL security level 0 (CBC, static RSA, 3DES). ecdsa: modern with a P-256 key.
 * rsa: the program's own defaults with an RSA 2048 certificate. expired / wrong-name: modern with such a certificate.
 * dhe: TLS 1.2 DHE suites only, with the RFC 7919 ffdhe2048 group.
 */
export type ZooProfile = 'modern' | 'tls13' | 'legacy' | 'ecdsa' | 'rsa' | 'expired' | 'wrong-name' | 'dhe';
export type ZooServer = 'nginx' | 'apache2' | 'gnutls-serv' | 'openssl-s_server' | 'stunnel4' | 'haproxy' | 'python3-ssl' | 'dovecot';

export interface ZooEndpoint {
  /** `<server>-<profile>`, or the service for dovecot. */
  id: string;
  server: ZooServer;
  profile: ZooProfile;
  port: number;
  /** The protocol versions the endpoint is configured to accept. */
  versions: string[];
}

export interface TlsZoo {
  gateway: LabGateway;
  address: string;
  /** The zoo's root CA: every endpoint's certificate is issued by it. */
  caFile: string;
  endpoints: ZooEndpoint[];
  stop(): Promise<void>;
}

const MODERN_VERSIONS = ['TLSv1.2', 'TLSv1.3'];
const PROFILE_VERSIONS: Record<ZooProfile, string[]> = {
  modern: MODERN_VERSIONS,
  tls13: ['TLSv1.3'],
  legacy: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'],
  ecdsa: MODERN_VERSIONS,
  rsa: MODERN_VERSIONS,
  expired: MODERN_VERSIONS,
  'wrong-name': MODERN_VERSIONS,
  dhe: ['TLSv1.2'],
};

export const ZOO_ENDPOINTS: readonly ZooEndpoint[] = [
  ...endpoints('nginx', 4401, ['modern', 'legacy', 'tls13', 'dhe', 'ecdsa']),
  ...endpoints('apache2', 4411, ['modern', 'legacy', 'wrong-name', 'ecdsa']),
  ...endpoints('gnutls-serv', 4421, ['modern', 'tls13', 'legacy', 'dhe']),
  ...endpoints('openssl-s_server', 4431, ['modern', 'legacy', 'dhe', 'expired']),
  ...endpoints('stunnel4', 4441, ['modern', 'legacy', 'ecdsa']),
  ...endpoints('haproxy', 4451, ['modern', 'tls13', 'legacy']),
  ...endpoints('python3-ssl', 4461, ['rsa', 'wrong-name', 'expired']),
  { id: 'dovecot-imaps', server: 'dovecot', profile: 'rsa', port: 993, versions: PROFILE_VERSIONS.rsa },
  { id: 'dovecot-pop3s', server: 'dovecot', profile: 'rsa', port: 995, versions: PROFILE_VERSIONS.rsa },
];

function endpoints(server: ZooServer, firstPort: number, profiles: ZooProfile[]): ZooEndpoint[] {
  return profiles.map((profile, i) => ({
    id: `${server}-${profile}`,
    server,
    profile,
    port: firstPort + i,
    versions: PROFILE_VERSIONS[profile],
  }));
}

export const ZOO_TOOLS = [
  '/usr/sbin/nginx',
  '/usr/sbin/apache2',
  'gnutls-serv',
  'openssl',
  'stunnel4',
  '/usr/sbin/haproxy',
  '/usr/bin/python3',
  '/usr/sbin/dovecot',
  '/usr/lib/dovecot/imap-login',
  '/usr/lib/dovecot/pop3-login',
];

/** The first tool the zoo needs that is not installed, or undefined when all are. */
export async function zooMissingTool(): Promise<string | undefined> {
  for (const tool of ZOO_TOOLS) {
    const found = await run('sh', ['-c', `command -v ${tool}`]).then(
      () => true,
      () => false,
    );
    if (!found) return tool;
  }
  return undefined;
}

const MODERN =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:' +
  'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';
const LEGACY = 'DEFAULT:@SECLEVEL=0';
const DHE = 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305';

/** OpenSSL-style settings of one profile: versions, TLS 1.2-and-older suites, certificate, DH group. */
interface OpensslProfile {
  min: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3';
  max: 'TLSv1.2' | 'TLSv1.3';
  ciphers: string;
  leaf: LeafFiles;
  /** Base name of the key+certificate PEM (haproxy, stunnel). */
  pem: string;
  dh?: string;
}

function opensslProfile(profile: ZooProfile, pki: ZooPki, dir: string): OpensslProfile {
  const pem = (name: string) => join(dir, `${name}.pem`);
  switch (profile) {
    case 'modern':
    case 'rsa':
      return { min: 'TLSv1.2', max: 'TLSv1.3', ciphers: MODERN, leaf: pki.rsa, pem: pem('zoo-rsa') };
    case 'tls13':
      return { min: 'TLSv1.3', max: 'TLSv1.3', ciphers: MODERN, leaf: pki.rsa, pem: pem('zoo-rsa') };
    case 'legacy':
      return { min: 'TLSv1', max: 'TLSv1.2', ciphers: LEGACY, leaf: pki.rsa, pem: pem('zoo-rsa') };
    case 'ecdsa':
      return { min: 'TLSv1.2', max: 'TLSv1.3', ciphers: MODERN, leaf: pki.ecdsa, pem: pem('zoo-ecdsa') };
    case 'expired':
      return { min: 'TLSv1.2', max: 'TLSv1.3', ciphers: MODERN, leaf: pki.expired, pem: pem('zoo-expired') };
    case 'wrong-name':
      return { min: 'TLSv1.2', max: 'TLSv1.3', ciphers: MODERN, leaf: pki.wrongName, pem: pem('zoo-wrong-name') };
    case 'dhe':
      return { min: 'TLSv1.2', max: 'TLSv1.2', ciphers: DHE, leaf: pki.rsa, pem: pem('zoo-rsa'), dh: pki.dhParams };
  }
}

interface Daemon {
  command: string;
  args: string[];
}

type ConfigWriter = (address: string, list: ZooEndpoint[], pki: ZooPki, dir: string) => Promise<Daemon[]>;

/** The versions from `min` to `max`, space-separated, in nginx's and Apache's names. */
function protocolRange(p: OpensslProfile): string {
  const order = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  return order.slice(order.indexOf(p.min), order.indexOf(p.max) + 1).join(' ');
}

const nginx: ConfigWriter = async (address, list, pki, dir) => {
  const servers = list.map((e) => {
    const p = opensslProfile(e.profile, pki, dir);
    return `server { listen ${address}:${e.port} ssl; ssl_certificate ${p.leaf.cert}; ssl_certificate_key ${p.leaf.key};
    ssl_protocols ${protocolRange(p)}; ssl_ciphers ${p.ciphers}; ssl_prefer_server_ciphers on;
    ${p.dh ? `ssl_dhparam ${p.dh};` : ''} location / { return 200 "zoo\\n"; } }`;
  });
  const conf = join(dir, 'zoo-nginx.conf');
  await writeFile(
    conf,
    `worker_processes 1; daemon off; pid ${join(dir, 'zoo-nginx.pid')}; error_log ${join(dir, 'zoo-nginx.log')};
events { worker_connections 512; }
http { access_log off; client_body_temp_path ${dir};
${servers.join('\n')}
}
`,
  );
  return [{ command: '/usr/sbin/nginx', args: ['-e', join(dir, 'zoo-nginx.log'), '-p', dir, '-c', conf] }];
};

const APACHE_MODULES = ['mpm_event', 'authz_core', 'socache_shmcb', 'ssl'];

const apache2: ConfigWriter = async (address, list, pki, dir) => {
  const hosts = list.map((e) => {
    const p = opensslProfile(e.profile, pki, dir);
    return `Listen ${address}:${e.port}
<VirtualHost ${address}:${e.port}>
  SSLEngine on
  SSLCertificateFile ${p.leaf.cert}
  SSLCertificateKeyFile ${p.leaf.key}
  SSLProtocol -all ${protocolRange(p)
    .split(' ')
    .map((v) => `+${v}`)
    .join(' ')}
  SSLCipherSuite ${p.ciphers}
  SSLHonorCipherOrder on
</VirtualHost>`;
  });
  const www = join(dir, 'zoo-www');
  await mkdir(www, { recursive: true });
  const conf = join(dir, 'zoo-apache2.conf');
  await writeFile(
    conf,
    `${APACHE_MODULES.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`).join('\n')}
ServerName zoo.invalid
ServerRoot ${dir}
DefaultRuntimeDir ${dir}
PidFile ${join(dir, 'zoo-apache2.pid')}
ErrorLog ${join(dir, 'zoo-apache2.log')}
User www-data
Group www-data
DocumentRoot ${www}
SSLSessionCache shmcb:${join(dir, 'zoo-apache2-scache')}(512000)
${hosts.join('\n')}
`,
  );
  return [{ command: '/usr/sbin/apache2', args: ['-f', conf, '-DFOREGROUND'] }];
};

/** GnuTLS priority strings of the profiles gnutls-serv runs. */
const GNUTLS_PRIORITY: Partial<Record<ZooProfile, string>> = {
  modern:
    'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA',
  tls13: 'NORMAL:-VERS-ALL:+VERS-TLS1.3',
  legacy: 'NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:+RSA:+3DES-CBC:+SHA1',
  dhe: 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA',
};

const gnutls: ConfigWriter = (_address, list, pki, dir) =>
  Promise.resolve(
    list.map((e) => {
      const p = opensslProfile(e.profile, pki, dir);
      return {
        command: 'gnutls-serv',
        args: [
          '--port',
          String(e.port),
          '--x509certfile',
          p.leaf.cert,
          '--x509keyfile',
          p.leaf.key,
          `--priority=${GNUTLS_PRIORITY[e.profile] ?? 'NORMAL'}`,
          ...(p.dh ? ['--dhparams', p.dh] : []),
          '--quiet',
        ],
      };
    }),
  );

const sServer: ConfigWriter = (address, list, pki, dir) =>
  Promise.resolve(
    list.map((e) => {
      const p = opensslProfile(e.profile, pki, dir);
      return {
        command: 'openssl',
        args: [
          's_server',
          '-accept',
          `${address}:${e.port}`,
          '-cert',
          p.leaf.cert,
          '-key',
          p.leaf.key,
          '-cipher',
          p.ciphers,
          ...['-min_protocol', p.min, '-max_protocol', p.max],
          ...(p.dh ? ['-dhparam', p.dh] : []),
          '-www',
          '-quiet',
        ],
      };
    }),
  );

const stunnel: ConfigWriter = async (address, list, pki, dir) => {
  const services = list.map((e) => {
    const p = opensslProfile(e.profile, pki, dir);
    return `[${e.id}]
accept = ${address}:${e.port}
connect = 127.0.0.1:9
cert = ${p.pem}
sslVersionMin = ${p.min}
sslVersionMax = ${p.max}
ciphers = ${p.ciphers}
${p.ciphers === LEGACY ? 'securityLevel = 0' : ''}`;
  });
  const conf = join(dir, 'zoo-stunnel.conf');
  await writeFile(conf, `foreground = yes\npid =\ndebug = 3\n${services.join('\n')}\n`);
  return [{ command: 'stunnel4', args: [conf] }];
};

const haproxy: ConfigWriter = async (address, list, pki, dir) => {
  const names: Record<string, string> = { TLSv1: 'TLSv1.0' };
  const fronts = list.map((e) => {
    const p = opensslProfile(e.profile, pki, dir);
    return `frontend ${e.id}
  mode http
  bind ${address}:${e.port} ssl crt ${p.pem} ssl-min-ver ${names[p.min] ?? p.min} ssl-max-ver ${p.max} ciphers ${p.ciphers}
  http-request return status 200 content-type text/plain string zoo`;
  });
  const conf = join(dir, 'zoo-haproxy.cfg');
  await writeFile(
    conf,
    `global
  maxconn 512
defaults
  timeout connect 5s
  timeout client 10s
  timeout server 10s
${fronts.join('\n')}
`,
  );
  return [{ command: '/usr/sbin/haproxy', args: ['-db', '-f', conf] }];
};

const PYTHON_SERVER = `import json, socket, ssl, sys, threading

def handle(ctx, conn):
    conn.settimeout(10)
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Length: 4\\r\\n\\r\\nzoo\\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()

def serve(spec):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(spec["cert"], spec["key"])
    sock = socket.create_server((spec["host"], spec["port"]), backlog=64)
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handle, args=(ctx, conn), daemon=True).start()

for spec in json.load(open(sys.argv[1])):
    threading.Thread(target=serve, args=(spec,)).start()
`;

const python: ConfigWriter = async (address, list, pki, dir) => {
  const script = join(dir, 'zoo-python-ssl.py');
  const specs = join(dir, 'zoo-python-ssl.json');
  await writeFile(script, PYTHON_SERVER);
  await writeFile(specs, JSON.stringify(list.map((e) => ({ host: address, port: e.port, ...opensslProfile(e.profile, pki, dir).leaf }))));
  return [{ command: '/usr/bin/python3', args: [script, specs] }];
};

const dovecot: ConfigWriter = async (address, list, pki, dir) => {
  const base = join(dir, 'zoo-dovecot');
  await mkdir(base, { recursive: true });
  await chmod(base, 0o755);
  const conf = join(dir, 'zoo-dovecot.conf');
  const port = (service: string) => list.find((e) => e.id === `dovecot-${service}`)?.port ?? 0;
  await writeFile(
    conf,
    `base_dir = ${base}
state_dir = ${base}
log_path = ${join(dir, 'zoo-dovecot.log')}
protocols = imap pop3
listen = ${address}
ssl = required
ssl_cert = <${pki.rsa.cert}
ssl_key = <${pki.rsa.key}
ssl_dh = <${pki.dhParams}
mail_location = mbox:${base}/mail
passdb {
  driver = static
  args = password=unused-zoo-password
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${base}/home
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = ${port('imaps')}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = ${port('pop3s')}
    ssl = yes
  }
}
`,
  );
  return [{ command: '/usr/sbin/dovecot', args: ['-F', '-c', conf] }];
};

const WRITERS: Record<ZooServer, ConfigWriter> = {
  nginx,
  apache2,
  'gnutls-serv': gnutls,
  'openssl-s_server': sServer,
  stunnel4: stunnel,
  haproxy,
  'python3-ssl': python,
  dovecot,
};

/** Starts the zoo (or the endpoints `only` names), every program at once, and waits until every port listens. */
export async function startTlsZoo(options: { only?: (e: ZooEndpoint) => boolean } = {}): Promise<TlsZoo> {
  const wanted = ZOO_ENDPOINTS.filter(options.only ?? (() => true));
  const gateway = await startLabGateway({ name: 'tlszoo', services: [] });
  const children: ChildProcess[] = [];
  const stop = async () => {
    await stopChildren(children);
    await gateway.stop();
  };
  try {
    const dir = join(gateway.dir, 'zoo');
    await mkdir(dir, { recursive: true });
    const pki = await makeZooPki(dir, gateway.address);
    const servers = [...new Set(wanted.map((e) => e.server))];
    const daemons = (
      await Promise.all(
        servers.map((s) =>
          WRITERS[s](
            gateway.address,
            wanted.filter((e) => e.server === s),
            pki,
            dir,
          ),
        ),
      )
    ).flat();
    const failures: string[] = [];
    for (const daemon of daemons)
      children.push(spawnInNamespace(gateway.namespace, daemon.command, daemon.args, { onFailure: (m) => failures.push(m) }));
    await waitForListeners(
      gateway.namespace,
      wanted.map((e) => e.port),
      'TLS zoo daemons',
      { timeoutMs: 20_000, failures },
    );
    return { gateway, address: gateway.address, caFile: pki.caFile, endpoints: wanted, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
