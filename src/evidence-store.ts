import { createHash } from 'node:crypto';

export interface Artefact {
  /** Path relative to the output folder, always under `evidence/`. */
  path: string;
  content: Buffer;
  sha256: string;
}

const SAFE_SEGMENT = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** Raw artefacts gathered during a run, kept in memory until the report is written. */
export class EvidenceStore {
  readonly #artefacts = new Map<string, Artefact>();

  /** Stores an artefact and returns its report-relative path (`evidence/<segments>`). */
  add(segments: string[], content: string | Buffer): string {
    for (const segment of segments) {
      if (!SAFE_SEGMENT.test(segment)) throw new Error(`unsafe evidence path segment: ${JSON.stringify(segment)}`);
    }
    const path = ['evidence', ...segments].join('/');
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    this.#artefacts.set(path, { path, content: bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    return path;
  }

  list(): Artefact[] {
    return [...this.#artefacts.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}
