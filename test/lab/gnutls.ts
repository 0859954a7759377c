import type { ChildProcess } from 'node:child_process';
import type { LeafFiles } from './pki.ts';

/**
 * gnutls-serv (gnutls-bin) as an HTTPS server with the lab's in-date certificate: one process that serves one
 * connection at a time, so nmap's -sV, waiting out each of its probes in turn, holds it for minutes.
 */
export function spawnGnutlsServ(spawnInNs: (cmd: string, args: string[]) => ChildProcess, port: number, leaf: LeafFiles): void {
  spawnInNs('gnutls-serv', ['--quiet', '--http', '--x509certfile', leaf.cert, '--x509keyfile', leaf.key, '--port', String(port)]);
}
