import type { FindingStatus } from '../../src/findings.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import type { HostingFacts } from './gather.ts';
import type { HostingFindingId } from './findings.ts';
import type { HostingThresholds } from './thresholds.ts';

export type { HostingFacts } from './gather.ts';

const DAY_MS = 86_400_000;

type Params = Record<string, string | number>;

interface Said {
  status: FindingStatus;
  params: Params;
  expected: string;
  actual: string;
}

/** Where one gateway's address is, by the database: supporting evidence for CoCo-13, never its answer. Pure. */
export function judgeHosting(facts: HostingFacts, thresholds: HostingThresholds, now: Date): Verdict<HostingFindingId>[] {
  return [
    verdict(facts, 'hosting.country', country(facts, thresholds)),
    verdict(facts, 'hosting.database-age', age(facts, thresholds, now)),
  ];
}

function verdict(facts: HostingFacts, id: HostingFindingId, said: Said): Verdict<HostingFindingId> {
  const { database } = facts;
  const source = database
    ? `${database.name} from ${database.package} ${database.version}, built ${day(database.built)} ` +
      `(${database.licence}; ${database.attribution}); looked up offline`
    : facts.special
      ? "IANA's special-purpose address registries (RFC 6890): no database look-up"
      : 'cocoscan hosting probe (IP-to-country database, offline)';
  return {
    id,
    target: facts.target,
    status: said.status,
    params: said.params,
    evidence: { source, expected: said.expected, actual: said.actual, artefacts: [facts.artefact] },
    ...(facts.country ? { data: { address: facts.address, country: facts.country } } : {}),
  };
}

function country(facts: HostingFacts, thresholds: HostingThresholds): Said {
  const allowed = thresholds.allowedCountries.map(countryName).join(', ');
  const expected = `an address located in ${allowed}`;
  if (facts.failure !== undefined) return { status: 'error', params: { reason: facts.failure }, expected, actual: 'not looked up' };
  const { address = 'the address', special, database } = facts;
  if (special) {
    const reason =
      `${address} is ${special.kind}, in ${special.block}: it has no public location, so no database can say where it is ` +
      'hosted; say where the gateway is hosted in the answer to CoCo-13';
    return { status: 'not_applicable', params: { reason }, expected, actual: `${special.kind} (${special.block})` };
  }
  if (!database) return { status: 'error', params: { reason: 'no database was read' }, expected, actual: 'not looked up' };
  const named = `${database.name} (built ${day(database.built)})`;
  if (!facts.country) {
    const reason = `${named} gives no country for ${address}: it may be unallocated, or newer than the database; say where the gateway is hosted`;
    return { status: 'not_tested', params: { reason }, expected, actual: 'no country in the database' };
  }
  const params = { address, country: countryName(facts.country), database: named, allowed, attribution: attribution(database) };
  const status = thresholds.allowedCountries.includes(facts.country) ? 'pass' : 'fail';
  return { status, params, expected, actual: `${address}: ${countryName(facts.country)}` };
}

function age(facts: HostingFacts, thresholds: HostingThresholds, now: Date): Said {
  const max = thresholds.maxDatabaseAgeDays;
  const expected = `a database built at most ${max} days before the check`;
  const { database } = facts;
  if (!database) {
    if (facts.special || facts.failure === undefined) {
      const reason = 'no public address of this gateway was looked up, so the age of the database does not matter here';
      return { status: 'not_applicable', params: { reason }, expected, actual: 'not looked up' };
    }
    return { status: 'error', params: { reason: facts.failure }, expected, actual: 'no database read' };
  }
  const built = Date.parse(database.built);
  const days = Math.floor((now.getTime() - built) / DAY_MS);
  if (Number.isNaN(built) || days < 0) {
    const reason =
      `the database's build date (${database.built}) is after the time of the check (${now.toISOString()}): ` +
      "check this scanner's clock and run again";
    return { status: 'error', params: { reason }, expected, actual: database.built };
  }
  const params = { database: database.name, built: day(database.built), days, max, package: database.package };
  return { status: days > max ? 'fail' : 'pass', params, expected, actual: `built ${day(database.built)}, ${days} day(s) old` };
}

/** "GB (United Kingdom)": the code as the database gives it, and its English name. */
export function countryName(code: string): string {
  let name: string | undefined;
  try {
    name = new Intl.DisplayNames(['en'], { type: 'region' }).of(code);
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${code} (${name})` : code;
}

function attribution(database: NonNullable<HostingFacts['database']>): string {
  return `data: ${database.attribution}, ${database.licence}`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}
