import { isIP } from 'node:net';
import { describeCause } from '../../src/errors.ts';
import type { FindingTarget } from '../../src/findings.ts';
import { loadCountryDatabase, type CountryDatabase, type CountryDatabaseInfo } from '../../src/geo/country-database.ts';
import { addressFamily, plainAddress, specialBlock } from '../../src/geo/special-addresses.ts';
import type { GatherContext } from '../../src/probe/contract.ts';

/** Where one gateway's address is, by the shipped database: the facts are also the evidence (hosting.json). */
export interface HostingFacts {
  target: FindingTarget;
  /** The address looked up: the run's address of the gateway (an IPv4-mapped IPv6 address as its IPv4 address). */
  address?: string;
  family?: 'IPv4' | 'IPv6';
  /** The special-purpose block the address lies in: it has no public location, and is not looked up. */
  special?: { block: string; kind: string };
  /** The country the database gives; null when it has none for the address. Absent when not looked up. */
  country?: string | null;
  database?: CountryDatabaseInfo;
  /** Why the address could not be looked up, with what to do. */
  failure?: string;
  /** Report-relative path of hosting.json. */
  artefact: string;
}

let shipped: Promise<CountryDatabase> | undefined;

/** The shipped database, read once per process; a failed read is tried again next time (a reinstall mends it). */
function shippedDatabase(): Promise<CountryDatabase> {
  shipped ??= loadCountryDatabase().catch((error: unknown) => {
    shipped = undefined;
    throw error;
  });
  return shipped;
}

export function gatherHosting(ctx: GatherContext<unknown>): Promise<HostingFacts> {
  return gatherHostingFrom(ctx, shippedDatabase);
}

/** Looks the gateway's address up in the database `load` gives; nothing goes to the network. */
export async function gatherHostingFrom(ctx: GatherContext<unknown>, load: () => Promise<CountryDatabase>): Promise<HostingFacts> {
  const { gateway } = ctx;
  const target: FindingTarget = { gateway: gateway.name, host: gateway.host };
  const facts = await lookUp(ctx.shared.resolvedAddress(gateway), load);
  const artefact = ctx.evidence.add(['hosting.json'], JSON.stringify({ gateway: gateway.name, host: gateway.host, ...facts }, null, 2));
  return { target, ...facts, artefact };
}

async function lookUp(resolved: string, load: () => Promise<CountryDatabase>): Promise<Omit<HostingFacts, 'target' | 'artefact'>> {
  if (isIP(resolved) === 0) {
    return { failure: `the gateway's host ${resolved} gave no address to look up; check the host name and this scanner's DNS` };
  }
  const address = plainAddress(resolved);
  const family = addressFamily(address);
  const special = specialBlock(address);
  if (special) return { address, family, special };
  try {
    const database = await load();
    return { address, family, country: database.country(address), database: database.info };
  } catch (error) {
    return { address, family, failure: describeCause(error) };
  }
}
