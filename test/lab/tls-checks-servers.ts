/**
 * The TLS servers of the single-check lab, started inside a lab gateway's namespace by PID and stopped by PID:
 * nginx with and without an OCSP staple (the second serving a clientAuth-only leaf without its intermediate),
 * openssl s_server allowing client renegotiation and stapling, gnutls-serv without RFC 5746 and with heartbeats.
 */
import type { ChildProcess } from 'node:child_process';
import type { LabGateway } from './lab.ts';
import { writeNginxConfig } from './nginx.ts';
import { spawnInNamespace, stopChildren, waitForListeners } from './processes.ts';
import type { ChecksPki } from './tls-checks-pki.ts';

export const CHECK_PORTS = {
  /** nginx, full chain, OCSP staple from a file, TLS 1.2 and 1.3. */
  nginxGood: 443,
  /** nginx, a clientAuth-only leaf sent without its intermediate, no staple. */
  nginxBroken: 444,
  /** nginx, TLS 1.3 only, the chain sent as leaf, root, intermediate. */
  nginxTls13Misordered: 445,
  /** openssl s_server -client_renegotiation. */
  sServerRenegotiation: 4433,
  /** openssl s_server with -status_file (a staple), client renegotiation refused (the default). */
  sServerStaple: 4434,
  /** gnutls-serv with %DISABLE_SAFE_RENEGOTIATION: no renegotiation_info. */
  gnutlsUnsafe: 4435,
  /** gnutls-serv with heartbeats on (not vulnerable). */
  gnutlsHeartbeat: 4436,
} as const;

export interface ChecksServers {
  stop(): Promise<void>;
}

export async function startChecksServers(gateway: LabGateway, pki: ChecksPki, dir: string): Promise<ChecksServers> {
  const children: ChildProcess[] = [];
  const spawnInNs = (cmd: string, args: string[]) => {
    children.push(spawnInNamespace(gateway.namespace, cmd, args, { onFailure: (m) => process.stderr.write(`[tls-checks] ${m}\n`) }));
  };
  const a = gateway.address;
  const nginxServers = [
    `server { listen ${a}:${CHECK_PORTS.nginxGood} ssl; ssl_certificate ${pki.fullChain}; ssl_certificate_key ${pki.key};
      ssl_protocols TLSv1.2 TLSv1.3; ssl_stapling on; ssl_stapling_file ${pki.ocspResponse};
      location / { return 200 "ok\\n"; } }`,
    `server { listen ${a}:${CHECK_PORTS.nginxBroken} ssl; ssl_certificate ${pki.clientOnlyLeaf}; ssl_certificate_key ${pki.clientOnlyKey};
      ssl_protocols TLSv1.2 TLSv1.3;
      location / { return 200 "ok\\n"; } }`,
    `server { listen ${a}:${CHECK_PORTS.nginxTls13Misordered} ssl; ssl_certificate ${pki.misorderedChain}; ssl_certificate_key ${pki.key};
      ssl_protocols TLSv1.3;
      location / { return 200 "ok\\n"; } }`,
  ];
  spawnInNs('/usr/sbin/nginx', await writeNginxConfig(dir, nginxServers));
  const sServer = (port: number, extra: string[]) =>
    spawnInNs('openssl', ['s_server', '-accept', `${a}:${port}`, '-cert', pki.fullChain, '-key', pki.key, '-www', '-quiet', ...extra]);
  sServer(CHECK_PORTS.sServerRenegotiation, ['-client_renegotiation']);
  sServer(CHECK_PORTS.sServerStaple, ['-status_file', pki.ocspResponse]);
  const gnutls = (port: number, extra: string[]) =>
    spawnInNs('gnutls-serv', ['--http', '-p', String(port), '--x509certfile', pki.fullChain, '--x509keyfile', pki.key, ...extra]);
  gnutls(CHECK_PORTS.gnutlsUnsafe, ['--priority', 'NORMAL:%DISABLE_SAFE_RENEGOTIATION']);
  gnutls(CHECK_PORTS.gnutlsHeartbeat, ['--heartbeat']);
  const stop = () => stopChildren(children);
  try {
    await waitForListeners(gateway.namespace, Object.values(CHECK_PORTS), 'the single-check lab servers');
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
