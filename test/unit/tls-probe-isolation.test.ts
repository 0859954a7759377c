/**
 * A fault inside the TLS probe's work on one endpoint (here: a TypeError thrown for one port) becomes error
 * findings for that endpoint only, with a message a user can act on, never the raw JavaScript text.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTlsHttpServer, type RealTlsServer } from '../helpers/fake-tls-server.ts';
import { runTlsCheck } from '../helpers/tls-check.ts';
import { makeChain } from '../helpers/weak-pki.ts';

const broken = vi.hoisted(() => ({ port: -1 }));

vi.mock('../../src/tls/inspect-endpoint.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/tls/inspect-endpoint.ts')>();
  return {
    ...real,
    inspectTlsEndpoint: async (...args: Parameters<typeof real.inspectTlsEndpoint>) => {
      if (args[0].port === broken.port) throw new TypeError("Cannot read properties of undefined (reading 'raw')");
      return real.inspectTlsEndpoint(...args);
    },
  };
});

const servers: RealTlsServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('TLS probe isolation', () => {
  it('an unexpected fault on one endpoint is an error there; the other endpoint keeps its verdicts', async () => {
    const chain = await makeChain();
    const http = { kind: 'answer' as const, headers: ['Strict-Transport-Security: max-age=31536000'] };
    const [faulty, healthy] = await Promise.all([0, 1].map(() => startTlsHttpServer({ key: chain.leafKey, cert: chain.served, http })));
    servers.push(faulty!, healthy!);
    broken.port = faulty!.port;
    const { findings, find } = await runTlsCheck({
      flows: [
        { name: 'faulty', port: faulty!.port },
        { name: 'healthy', port: healthy!.port },
      ],
      trust: [chain.root],
    });
    const ofFaulty = findings.filter((f) => f.target.port === faulty!.port);
    expect(ofFaulty.length).toBeGreaterThan(10);
    expect(ofFaulty.every((f) => f.status === 'error')).toBe(true);
    expect(ofFaulty.every((f) => f.message.includes('cocoscan could not judge the TLS answers of this endpoint'))).toBe(true);
    expect(findings.some((f) => f.message.includes('Cannot read properties'))).toBe(false);
    for (const id of ['tls.protocols', 'tls.certificate-trust', 'tls.certificate-signature', 'tls.certificate-key', 'tls.hsts'] as const) {
      expect(find(id, healthy!.port).status, find(id, healthy!.port).message).toBe('pass');
    }
  });
});
