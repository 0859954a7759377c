/** Expands an nmap port list ("1-3,8080") into numbers. Bounded by the 65535-port space. */
export function expandPortList(spec: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const [lowText, highText] = part.split('-');
    const low = Number(lowText);
    const high = highText === undefined ? low : Number(highText);
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high > 65535 || low > high) continue;
    for (let port = low; port <= high; port += 1) ports.push(port);
  }
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
