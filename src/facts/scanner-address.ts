/** The scanner's own address towards a gateway, for flows open only to given sources. */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { cidrContains, parseCidr } from '../connection/cidr.ts';

/**
 * The local address the system would send from to `address` (before any NAT on the way): a UDP connect picks the
 * route and sends nothing. Undefined for a name or when no route is found.
 */
export async function localAddressTowards(address: string): Promise<string | undefined> {
  const family = isIP(address);
  if (family === 0) return undefined;
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, address, () => resolve());
    });
    return socket.address().address;
  } catch {
    return undefined;
  } finally {
    socket.close();
  }
}

/** Whether the scanner's address is inside one of a flow's sources (then the flow should answer it). */
export function scannerAmong(sources: readonly string[] | undefined, scannerAddress: string | undefined): boolean {
  const scanner = scannerAddress !== undefined ? parseCidr(scannerAddress) : undefined;
  return (
    scanner !== undefined &&
    (sources ?? []).some((text) => {
      const block = parseCidr(text);
      return block !== undefined && cidrContains(block, scanner);
    })
  );
}

/** Why the scanner cannot reach a flow open only to `sources`. */
export const restrictedByDesign = (sources: readonly string[]): string =>
  `restricted to ${sources.join(', ')} by design; the scanner is not among them`;
