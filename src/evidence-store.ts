import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputError } from './errors.ts';

export interface Artefact {
  /** Path relative to the output folder, always under `evidence/`. */
  path: string;
  /** Where the bytes are kept until the report is written: a file in the store's own temporary folder. */
  file: string;
  bytes: number;
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

/** Reads back at most `maxBytes` of an artefact's bytes (for tests and any reader that needs the content). */
export function readArtefact(artefact: Artefact, maxBytes: number = EVIDENCE_LIMITS.artefactBytes + 1024): Buffer {
  const fd = openSync(artefact.file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(artefact.bytes, maxBytes));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Makes the folders of a path below `root`, never `root` itself: a store whose folder vanished fails. */
function makeFoldersBelow(root: string, segments: string[]): void {
  for (let i = 1; i <= segments.length; i += 1) {
    try {
      mkdirSync(join(root, ...segments.slice(0, i)), { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Temporary folders of stores not yet disposed: removed when the process exits, however it exits. */
const LIVE_FOLDERS = new Set<string>();
process.once('exit', removeEvidenceFolders);

/**
 * Removes the temporary folder of every store not yet disposed: at exit, and after each test file (a test
 * worker is ended without an exit event).
 */
export function removeEvidenceFolders(): void {
  for (const folder of LIVE_FOLDERS) rmSync(folder, { recursive: true, force: true });
  LIVE_FOLDERS.clear();
}

/**
 * Raw artefacts gathered during a run. Each is written, as it is added, to a temporary folder the store makes
 * for itself (mkdtemp); memory keeps only its path, size and SHA-256, so a run of many gateways holds no
 * evidence bodies. A path of one segment is run-wide (`evidence/nmap-sweep.xml`); a longer one belongs to the
 * gateway its first segment names and goes under `evidence/gateways/<name>/`, so no gateway name can collide
 * with the folder's own files. The caller disposes of the store once the report is written (or the run failed).
 */
export class EvidenceStore {
  readonly #artefacts = new Map<string, Artefact>();
  #total = 0;
  #folder: string | undefined;
  #disposed = false;

  /** `parent`: where the store makes its temporary folder (the system's temporary folder by default). */
  constructor(
    private readonly limits: EvidenceLimits = EVIDENCE_LIMITS,
    private readonly parent: string = tmpdir(),
  ) {}

  /** Stores an artefact and returns its report-relative path. */
  add(segments: string[], content: string | Buffer): string {
    if (segments.length === 0) throw new Error('an evidence path needs at least one segment');
    for (const segment of segments) {
      if (!SAFE_SEGMENT.test(segment)) throw new Error(`unsafe evidence path segment: ${JSON.stringify(segment)}`);
    }
    if (segments.length === 1 && RESERVED_TOP_LEVEL.has(segments[0]!.toLowerCase()))
      throw new Error(`evidence name reserved by the report folder: ${segments[0]}`);
    const path = segments.length === 1 ? `evidence/${segments[0]}` : ['evidence', 'gateways', ...segments].join('/');
    // The run is over (its report written or abandoned): an artefact from a gatherer still winding down has
    // nowhere to go, and must not make a folder nobody will remove.
    if (this.#disposed) return path;
    const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const cap = PORT_LEVEL.test(segments[segments.length - 1]!) ? this.limits.portArtefactBytes : this.limits.artefactBytes;
    const previous = this.#artefacts.get(path);
    const room = this.limits.totalBytes - this.#total + (previous?.bytes ?? 0);
    const bytes = this.#bounded(raw, cap, room);
    const file = this.#write(path, bytes);
    this.#total += bytes.length - (previous?.bytes ?? 0);
    this.#artefacts.set(path, { path, file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    return path;
  }

  /** Writes the bytes under the store's folder, at the artefact's report path; a failure is an OutputError. */
  #write(path: string, bytes: Buffer): string {
    let file = path;
    try {
      this.#folder ??= this.#makeFolder();
      file = join(this.#folder, path);
      makeFoldersBelow(this.#folder, path.split('/').slice(0, -1));
      writeFileSync(file, bytes, { mode: 0o600 });
      return file;
    } catch (error) {
      throw new OutputError(
        `cannot keep the evidence ${path} in ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        'free some space in the temporary folder (TMPDIR) or point TMPDIR at a writable folder, and run the check again',
        { cause: error },
      );
    }
  }

  #makeFolder(): string {
    const folder = mkdtempSync(join(this.parent, 'cocoscan-evidence-'));
    LIVE_FOLDERS.add(folder);
    return folder;
  }

  /** The temporary folder holding the evidence, once something was added. */
  get folder(): string | undefined {
    return this.#folder;
  }

  /** Removes the store's temporary folder (only the one it made); the artefacts can no longer be read, and later ones are not kept. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    const folder = this.#folder;
    if (!folder) return;
    await rm(folder, { recursive: true, force: true });
    LIVE_FOLDERS.delete(folder);
  }

  #bounded(raw: Buffer, cap: number, room: number): Buffer {
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
