import type { ConnectionFile } from '../../src/connection/schema.ts';
import { EvidenceStore } from '../../src/evidence-store.ts';
import type { Exec } from '../../src/exec.ts';
import type { FactDeps } from '../../src/facts/facts.ts';

/** What a sweep under test is given: its own evidence store and signal, root, and a fixed clock unless told otherwise. */
export function factDeps(connection: ConnectionFile, exec: Exec, extra: Partial<FactDeps> = {}): FactDeps {
  return {
    connection,
    exec,
    now: () => new Date('2026-11-30T10:00:00Z'),
    evidence: new EvidenceStore(),
    signal: new AbortController().signal,
    privileged: true,
    sweepEnabled: true,
    ...extra,
  };
}
