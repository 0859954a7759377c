import { describe, expect, it } from 'vitest';
import type { SshEndpointFacts } from '../../src/ssh/audit-endpoint.ts';
import { describeNames, displayName, keepNames } from '../../src/ssh/bounded-text.ts';
import { MAX_SSH_EVIDENCE_BYTES, sshEvidenceText } from '../../src/ssh/evidence-summary.ts';
import type { Kexinit } from '../../src/ssh/wire.ts';

const kexinit = (hostKey: string[], other: string[] = ['aes128-ctr']): Kexinit => ({
  cookie: '00'.repeat(16),
  kex: ['curve25519-sha256'],
  hostKey,
  encryptionClientToServer: other,
  encryptionServerToClient: other,
  macClientToServer: other,
  macServerToClient: other,
  compressionClientToServer: ['none'],
  compressionServerToClient: ['none'],
  firstKexFollows: false,
});

const facts = (k: Kexinit, preamble: string[] = []): SshEndpointFacts => ({
  endpoint: { host: '127.0.0.1', port: 22 },
  hello: { ident: 'SSH-2.0-Test', preamble, kexinit: k },
  hostKeys: [],
  hostKeyErrors: [],
  hostKeyPlan: { queries: [], unknown: k.hostKey, overCap: [], unreadable: [] },
  durationMs: 1,
  connections: 1,
});

/** The parts of the evidence file these tests read. */
interface EvidenceSummary {
  truncated?: true;
  kexinit?: { hostKey: string[] };
  kexinitOmitted?: { hostKey: number };
  preambleLines?: number;
}

describe('SSH evidence file', () => {
  it('keeps an ordinary server whole, unmarked', () => {
    const text = sshEvidenceText(facts(kexinit(['ssh-ed25519', 'rsa-sha2-512'])));
    const summary = JSON.parse(text) as EvidenceSummary;
    expect(summary.truncated).toBeUndefined();
    expect(summary.kexinit?.hostKey).toEqual(['ssh-ed25519', 'rsa-sha2-512']);
  });

  it('stays under 64 KB and says it was cut, however long the lists and names', () => {
    const huge = Array.from({ length: 5000 }, (_, i) => `${'n'.repeat(2000)}-${i}`);
    const lines = Array.from({ length: 50 }, () => '\u001b[31m'.repeat(60));
    const text = sshEvidenceText(facts(kexinit(huge, huge), lines));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SSH_EVIDENCE_BYTES);
    const summary = JSON.parse(text) as EvidenceSummary;
    expect(summary.truncated).toBe(true);
    expect(summary.kexinitOmitted?.hostKey).toBeGreaterThan(4900);
    expect(summary.preambleLines).toBe(50);
    expect(text).not.toContain('\u001b');
  });
});

describe('bounded names', () => {
  it('shortens a long name and escapes what is not printable', () => {
    expect(displayName('a'.repeat(100))).toBe(`${'a'.repeat(64)}…(100 characters)`);
    expect(displayName('ok\u0000\u202e')).toBe('ok\\x00\\u202e');
  });

  it('names the first few and counts the rest', () => {
    const names = Array.from({ length: 30 }, (_, i) => `alg${i}`);
    expect(describeNames(names, 3)).toBe('alg0, alg1, alg2 … and 27 more');
    expect(describeNames(['a', 'b'], 3)).toBe('a, b');
    expect(keepNames(names, 5)).toEqual({ names: ['alg0', 'alg1', 'alg2', 'alg3', 'alg4'], omitted: 25 });
  });
});
