import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InternalError } from '../../src/errors.ts';
import { findingBuilder } from '../../src/probe/finding-builder.ts';
import { PROBES } from '../../src/probe/registry.ts';
import { demoProbeMeta } from '../helpers/demo-probe.ts';

// A probe is a folder with an index.ts (gather, judge and findings beside it) or, while it moves over, one file.
const probeFiles = readdirSync(new URL('../../probes/', import.meta.url), { withFileTypes: true })
  .filter(
    (entry) =>
      (entry.isDirectory() && existsSync(new URL(`../../probes/${entry.name}/index.ts`, import.meta.url))) || entry.name.endsWith('.ts'),
  )
  .map((entry) => entry.name.replace(/\.ts$/, ''))
  .sort();

describe('probe contract', () => {
  it('registers every module in probes/ exactly once', () => {
    expect(PROBES.map((p) => p.meta.id).sort()).toEqual(probeFiles);
  });

  it.each(PROBES.map((p) => [p.meta.id, p] as const))('%s: metadata is complete and finding ids carry the probe id', (id, probe) => {
    expect(probe.meta.title.length).toBeGreaterThan(5);
    expect(probe.meta.description.length).toBeGreaterThan(20);
    const ids = Object.keys(probe.meta.findings);
    expect(ids.length).toBeGreaterThan(0);
    for (const findingId of ids) {
      expect(findingId.startsWith(`${id}.`)).toBe(true);
      const spec = probe.meta.findings[findingId]!;
      expect(spec.messages.fail ?? spec.messages.pass).toBeDefined();
    }
    // The profile is the one place a threshold is set: a probe with thresholds has no default for any of them.
    const keys = Object.keys((probe.meta.thresholds as unknown as { shape: object }).shape);
    expect(probe.meta.thresholds.safeParse({}).success).toBe(keys.length === 0);
  });

  it('refuses at run time a finding id the probe did not declare (an id that reached the builder untyped)', () => {
    const meta = {
      id: 'demo',
      title: 'Demo probe',
      description: 'A probe for this test only.',
      reads: [],
      thresholds: z.object({}),
      findings: {},
    };
    const build = findingBuilder<string>(meta, () => new Date(0));
    expect(() => build({ id: 'demo.other', target: { gateway: 'g', host: 'h' }, status: 'pass', evidence: { source: 's' } })).toThrow(
      InternalError,
    );
  });

  it('fills message templates and caps raw excerpts', () => {
    const meta = demoProbeMeta({ fail: 'port {port} is open' });
    const build = findingBuilder(meta, () => new Date(0));
    const failed = build({
      id: 'demo.check',
      target: { gateway: 'g', host: 'h' },
      status: 'fail',
      params: { port: 8080 },
      evidence: { source: 's', raw: 'x'.repeat(10_000) },
    });
    expect(failed.message).toBe('port 8080 is open');
    expect(failed.evidence.time).toBe('1970-01-01T00:00:00.000Z');
    expect(failed.evidence.raw!.length).toBeLessThan(2100);
    const errored = build({
      id: 'demo.check',
      target: { gateway: 'g', host: 'h' },
      status: 'error',
      params: { reason: 'timed out' },
      evidence: { source: 's' },
    });
    expect(errored.message).toBe('Demo check: could not be checked: timed out');
  });
});
