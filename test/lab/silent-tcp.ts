import type { ChildProcess } from 'node:child_process';

/**
 * TCP listeners that accept every connection and never send a byte (a service waiting for a protocol nmap does not
 * speak): the case that costs nmap's service detection the full wait of every probe it tries.
 */
export function spawnSilentTcp(spawnInNs: (cmd: string, args: string[]) => ChildProcess, ports: number[], address: string): void {
  if (ports.length === 0) return;
  const script =
    "const net = require('node:net');" +
    `for (const port of ${JSON.stringify(ports)}) {` +
    "net.createServer((socket) => socket.on('error', () => {})).listen(port, " +
    `${JSON.stringify(address)}); }`;
  spawnInNs(process.execPath, ['-e', script]);
}
