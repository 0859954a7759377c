/**
 * A host and a port as one endpoint, the way URLs and OpenSSH write it: `192.0.2.1:22`, `gw.example:22`,
 * and `[fd00::2]:22` for an IPv6 address, which without brackets reads as a longer address.
 */
export function hostPort(host: string, port: number | string): string {
  return `${bracketHost(host)}:${port}`;
}

/** A host as a URL or an HTTP Host header writes it: an IPv6 address in brackets. */
export function bracketHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
