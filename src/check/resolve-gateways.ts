import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { Gateway } from '../connection/schema.ts';
import { AmbiguousHostError, describeCause } from '../errors.ts';

/** Looks a host name up (A and AAAA records): every address it has. Injectable so tests control the answers. */
export type ResolveHost = (name: string, timeoutMs: number) => Promise<string[]>;

/** What a gateway's host stood for in this run: the address itself, the addresses its name resolved to, or why none. */
export interface GatewayAddresses {
  gateway: string;
  host: string;
  addresses: string[];
  /** Why the name gave no address: the gateway is an error for every probe, and nothing is sent to it. */
  failure?: string;
}

/** The system's resolver (getaddrinfo: /etc/hosts and DNS as every other program on the scanner sees them). */
export const systemResolveHost: ResolveHost = async (name) =>
  (await dns.lookup(name, { all: true, verbatim: true })).map((answer) => answer.address);

class ResolveTimeout extends Error {}

/**
 * Resolves every gateway host that is a name, once per run and before any probe, so that the sweep and every
 * probe reach the same address. A name with several addresses (A and AAAA, or round robin) is refused for the
 * whole run: nmap would sweep one and the probes connect to another. A name that does not resolve is that
 * gateway's failure only.
 */
export async function resolveGateways(gateways: Gateway[], resolve: ResolveHost, timeoutMs: number): Promise<GatewayAddresses[]> {
  const resolved = await Promise.all(gateways.map((gateway) => resolveGateway(gateway, resolve, timeoutMs)));
  const ambiguous = resolved.filter((r) => r.addresses.length > 1);
  if (ambiguous.length > 0) {
    const which = ambiguous.map((r) => `${r.gateway}: ${r.host} resolves to ${listed(r.addresses)}`).join('; ');
    throw new AmbiguousHostError(
      `${which}; cocoscan probes one address per gateway, and with several the sweep and the probes could reach different ones`,
      'give one address per gateway: declare a gateway for each address (its host the address itself) so that every ' +
        'address is swept and probed, or a name with a single address; nothing was probed',
    );
  }
  return resolved;
}

async function resolveGateway(gateway: Gateway, resolve: ResolveHost, timeoutMs: number): Promise<GatewayAddresses> {
  const base = { gateway: gateway.name, host: gateway.host };
  if (isIP(gateway.host) !== 0) return { ...base, addresses: [gateway.host] };
  try {
    const addresses = ordered(await withDeadline(resolve(gateway.host.replace(/\.$/, ''), timeoutMs), timeoutMs));
    if (addresses.length > 0) return { ...base, addresses };
    return { ...base, addresses, failure: `the name ${gateway.host} has no A or AAAA record; check the host name and this scanner's DNS` };
  } catch (error) {
    const failure =
      error instanceof ResolveTimeout
        ? `the name ${gateway.host} was not resolved within ${timeoutMs / 1000} s (DNS did not answer); re-run, or check this scanner's DNS`
        : inWords(gateway.host, describeCause(error));
    return { ...base, addresses: [], failure };
  }
}

/** A lookup cannot be cancelled; past the deadline its answer is no longer waited for. */
async function withDeadline<T>(pending: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ResolveTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([pending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The system's words name the host already ("the name gw.example does not resolve; …"); others are prefixed. */
function inWords(host: string, cause: string): string {
  return cause.includes(host.replace(/\.$/, '')) ? cause : `the name ${host} could not be resolved: ${cause}`;
}

/** Distinct valid addresses, IPv4 before IPv6, each family in the resolver's order. */
function ordered(answers: string[]): string[] {
  const distinct = [...new Set(answers.filter((a) => isIP(a) !== 0))];
  return [...distinct.filter((a) => isIP(a) === 4), ...distinct.filter((a) => isIP(a) === 6)];
}

function listed(addresses: string[]): string {
  return addresses.length <= 2 ? addresses.join(' and ') : `${addresses.slice(0, -1).join(', ')} and ${addresses.at(-1)!}`;
}
