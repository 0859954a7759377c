/**
 * Expands an nmap port list ("1-3,8080") into sorted, distinct numbers from 1 to 65535. Parts that are not
 * a port or a range of ports are skipped; a list repeating ranges still yields each port once, so no list,
 * however long, gives more than 65535 numbers.
 */
export function expandPortList(spec: string): number[] {
  const seen = new Uint8Array(65536);
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const [lowText, highText, extra] = part.split('-');
    if (extra !== undefined) continue;
    const low = Number(lowText);
    const high = highText === undefined ? low : Number(highText);
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || low > high) continue;
    seen.fill(1, low, high + 1);
  }
  const ports: number[] = [];
  for (let port = 1; port <= 65535; port += 1) if (seen[port]) ports.push(port);
  return ports;
}

/** Compresses sorted ports back into an nmap list ("22,80-82"). */
export function compressPorts(ports: Iterable<number>): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let previous = start;
  for (const port of sorted.slice(1)) {
    if (previous !== undefined && port === previous + 1) {
      previous = port;
      continue;
    }
    if (start !== undefined) parts.push(start === previous ? `${start}` : `${start}-${previous}`);
    start = port;
    previous = port;
  }
  if (start !== undefined) parts.push(start === previous ? `${start}` : `${start}-${previous}`);
  return parts.join(',');
}
