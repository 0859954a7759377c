import { createHash } from 'node:crypto';

export interface Artefact {
  /** Path relative to the output folder, always under `evidence/`. */
  path: string;
  content: Buffer;
  sha256: string;
}

const SAFE_SEGMENT = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
/** Names the report folder itself uses under evidence/; no artefact may take them. */
const RESERVED_TOP_LEVEL = new Set(['manifest.sha256', 'manifest.sha256.sig', 'gateways']);
/** What one endpoint (a port) reports, e.g. ssh-22.json or tls-443-chain.pem. */
const PORT_LEVEL = /^(ssh|tls|http|snmp)-\d+([.-]|$)/;

export const EVIDENCE_LIMITS = {
  /** Most bytes kept of one port-level artefact; the rest is cut, with a visible marker. */
  portArtefactBytes: 64 * 1024,
  /** Most bytes kept of any other artefact (an nmap sweep, a host command's output). */
  artefactBytes: 4 * 1024 * 1024,
  /** Most bytes of evidence kept for a whole run; later artefacts hold only a note that they were dropped. */
  totalBytes: 32 * 1024 * 1024,
} as const;

export interface EvidenceLimits {
  portArtefactBytes: number;
  artefactBytes: number;
  totalBytes: number;
}

/** The report-relative path EvidenceStore.add gives a gateway's artefact. */
export function gatewayEvidencePath(gateway: string, ...segments: string[]): string {
  return ['evidence', 'gateways', gateway, ...segments].join('/');
}

/**
 * Raw artefacts gathered during a run, kept in memory until the report is written. A path of one segment is
 * run-wide (`evidence/nmap-sweep.xml`); a longer one belongs to the gateway its first segment names and goes
 * under `evidence/gateways/<name>/`, so no gateway name can collide with the folder's own files.
 */
export class EvidenceStore {
  readonly #artefacts = new Map<string, Artefact>();
  #total = 0;

  constructor(private readonly limits: EvidenceLimits = EVIDENCE_LIMITS) {}

  /** Stores an artefact and returns its report-relative path. */
  add(segments: string[], content: string | Buffer): string {
    if (segments.length === 0) throw new Error('an evidence path needs at least one segment');
    for (const segment of segments) {
      if (!SAFE_SEGMENT.test(segment)) throw new Error(`unsafe evidence path segment: ${JSON.stringify(segment)}`);
    }
    if (segments.length === 1 && RESERVED_TOP_LEVEL.has(segments[0]!.toLowerCase()))
      throw new Error(`evidence name reserved by the report folder: ${segments[0]}`);
    const path = segments.length === 1 ? `evidence/${segments[0]}` : ['evidence', 'gateways', ...segments].join('/');
    const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const cap = PORT_LEVEL.test(segments[segments.length - 1]!) ? this.limits.portArtefactBytes : this.limits.artefactBytes;
    const previous = this.#artefacts.get(path);
    if (previous) this.#total -= previous.content.length;
    const bytes = this.#bounded(raw, cap);
    this.#total += bytes.length;
    this.#artefacts.set(path, { path, content: bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    return path;
  }

  #bounded(raw: Buffer, cap: number): Buffer {
    const room = this.limits.totalBytes - this.#total;
    if (raw.length <= cap && raw.length <= room) return raw;
    if (room < 256)
      return Buffer.from(
        `[cocoscan: not kept: the run's evidence reached its cap of ${this.limits.totalBytes} bytes; this artefact was ${raw.length} bytes]\n`,
      );
    const keep = Math.min(cap, room - 256);
    const why = keep < cap ? `the run's evidence cap of ${this.limits.totalBytes} bytes` : `the cap of ${cap} bytes per artefact`;
    return Buffer.concat([raw.subarray(0, keep), Buffer.from(`\n[cocoscan: truncated: ${keep} of ${raw.length} bytes kept (${why})]\n`)]);
  }

  /** Bytes of evidence kept so far. */
  get totalBytes(): number {
    return this.#total;
  }

  list(): Artefact[] {
    return [...this.#artefacts.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}
