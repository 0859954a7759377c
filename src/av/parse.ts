import { calendarDate, offsetOf } from '../input/calendar.ts';
import type { AvObservation } from './observation.ts';

/**
 * Recognises and reads anti-virus status data: ClamAV's `clamscan --version`, `sigtool --info` and
 * freshclam.log; Microsoft Defender's `Get-MpComputerStatus | ConvertTo-Json` (PowerShell 5.1 or 7) and
 * `mdatp health --output json`; osquery JSON results. Returns [] for anything it does not recognise.
 * `utcOffsetMinutes` is the host's offset from UTC, for formats that print local time without a zone.
 */
export function parseAvData(text: string, utcOffsetMinutes?: number): AvObservation[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      return [];
    }
    return parseAvJson(json, utcOffsetMinutes);
  }
  const observations: AvObservation[] = [];
  const clamscan = parseClamscanVersion(trimmed, utcOffsetMinutes);
  if (clamscan) observations.push(clamscan);
  const sigtool = parseSigtoolInfo(trimmed);
  if (sigtool) observations.push(sigtool);
  const freshclam = parseFreshclamLog(trimmed, utcOffsetMinutes);
  if (freshclam) observations.push(freshclam);
  return observations;
}

/** Month names as printed by C's ctime and by sigtool; a Map, so no other name is ever a month. */
const MONTHS: ReadonlyMap<string, number> = new Map(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((name, index) => [name, index]),
);

/** A date only when it is a real one: an invalid Date would later throw "Invalid time value" in a finding. */
export function validDate(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date : undefined;
}

/** "Sun Nov 22 07:33:12 2026" (or "Sun Nov  2 …") in the host's local time. */
function parseCtime(text: string, utcOffsetMinutes: number): Date | undefined {
  const m = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(text.trim());
  const month = m ? MONTHS.get(m[1]!) : undefined;
  if (!m || month === undefined) return undefined;
  return calendarDate(Number(m[6]), month + 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), utcOffsetMinutes);
}

/** Longest version text kept from a host's output: versions are short; what is longer is cut, marked. */
export const MAX_VERSION_CHARS = 64;

function version(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.length > MAX_VERSION_CHARS ? `${value.slice(0, MAX_VERSION_CHARS)}… (cut)` : value;
}

function zoneNote(utcOffsetMinutes: number | undefined): string[] {
  return utcOffsetMinutes === undefined
    ? ["times printed without a zone, and the host's UTC offset not given: judged under every offset from UTC-12:00 to UTC+14:00"]
    : [];
}

export function parseClamscanVersion(text: string, utcOffsetMinutes?: number): AvObservation | undefined {
  const m = /^ClamAV (\d+\.\d+\.\d+\S*)(?:\/(\d+)\/(.+))?$/m.exec(text);
  if (!m) return undefined;
  const observation: AvObservation = {
    format: 'clamscan-version',
    product: 'ClamAV',
    engineVersion: version(m[1]),
    notes: zoneNote(utcOffsetMinutes),
  };
  if (utcOffsetMinutes === undefined) observation.offsetUnknown = true;
  if (m[2] && m[3]) {
    observation.signatureVersion = version(m[2]);
    observation.signatureTime = parseCtime(m[3], utcOffsetMinutes ?? 0);
    if (!observation.signatureTime)
      observation.cannotShowAge = `clamscan printed a database date cocoscan cannot read ("${m[3].slice(0, 60)}")`;
  } else {
    observation.cannotShowAge = 'clamscan printed no signature database version: no database is loaded';
  }
  return observation;
}

export function parseSigtoolInfo(text: string): AvObservation | undefined {
  const build = /^Build time:\s+(\d{1,2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}) ([+-]\d{4})\r?$/m.exec(text);
  const month = build ? MONTHS.get(build[2]!) : undefined;
  if (!build || month === undefined) return undefined;
  const offsetMinutes = offsetOf(build[6]!);
  const built =
    offsetMinutes === undefined
      ? undefined
      : calendarDate(Number(build[3]), month + 1, Number(build[1]), Number(build[4]), Number(build[5]), 0, offsetMinutes);
  return {
    format: 'sigtool-info',
    product: 'ClamAV',
    signatureVersion: version(/^Version:\s+(\d+)\r?$/m.exec(text)?.[1]),
    signatureTime: built,
    notes: [`database ${/^File:\s+(.+)$/m.exec(text)?.[1]?.slice(0, 200) ?? 'unknown'}`],
  };
}

/** "<ctime> -> message": the prefix freshclam writes when LogTime is on. */
const LOG_TIME = /^(\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}) -> (.*)$/;
const RUN_STARTED = /ClamAV update process started at (\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})/;
/** The daily database, the one that carries new signatures, installed or found current. */
const DAILY_CURRENT = /\bdaily\.c[lv]d (?:updated \(version|database is up-to-date|is up to date)/;
/** Without a run header, successes with their own time this close together are one run (several databases per run). */
const SAME_RUN_MS = 120_000;

/**
 * freshclam.log with or without LogTime (off is the upstream default, as on RHEL). Each update run is dated by
 * its own line time when there is one, else by its "ClamAV update process started at" header. A success that
 * neither dates is left out and counted in the notes; a log with no dated line at all says so in historyProblem.
 */
export function parseFreshclamLog(text: string, utcOffsetMinutes?: number): AvObservation | undefined {
  if (!/ClamAV update process started at|freshclam daemon/.test(text)) return undefined;
  const offset = utcOffsetMinutes ?? 0;
  const runs: Date[] = [];
  let first: Date | undefined;
  let last: Date | undefined;
  let run: { at: Date | undefined; succeeded: boolean } | undefined;
  let undatedSuccesses = 0;
  let logTimeLines = 0;
  const seen = (at: Date | undefined) => {
    if (!at) return;
    if (!first || at < first) first = at;
    if (!last || at > last) last = at;
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const stamped = LOG_TIME.exec(line);
    const lineTime = stamped ? parseCtime(stamped[1]!, offset) : undefined;
    if (lineTime) logTimeLines += 1;
    const message = stamped ? stamped[2]! : line;
    seen(lineTime);
    const started = RUN_STARTED.exec(message);
    if (started) {
      const at = parseCtime(started[1]!, offset) ?? lineTime;
      seen(at);
      run = { at, succeeded: false };
      continue;
    }
    if (!DAILY_CURRENT.test(message)) continue;
    const at = lineTime ?? run?.at;
    if (!at) {
      undatedSuccesses += 1;
      continue;
    }
    if (run) {
      if (run.succeeded) continue;
      run.succeeded = true;
    } else {
      const previous = runs[runs.length - 1];
      if (previous && Math.abs(at.getTime() - previous.getTime()) <= SAME_RUN_MS) continue;
    }
    runs.push(at);
  }
  runs.sort((a, b) => a.getTime() - b.getTime());
  const notes = zoneNote(utcOffsetMinutes);
  if (logTimeLines === 0 && first) notes.push('written without LogTime: each run is dated by its "update process started at" line');
  if (undatedSuccesses > 0)
    notes.push(`${undatedSuccesses} successful update line(s) carry no date (no LogTime and no run header before them) and were left out`);
  const observation: AvObservation = {
    format: 'freshclam-log',
    product: 'ClamAV',
    updateRuns: runs,
    historyStart: first,
    historyEnd: last,
    notes,
  };
  if (utcOffsetMinutes === undefined) observation.offsetUnknown = true;
  if (!first)
    observation.historyProblem =
      'the freshclam.log has no dated line: neither LogTime stamps nor a readable "ClamAV update process started at <date>" line, ' +
      'so no update can be placed in time';
  return observation;
}

function field(object: Record<string, unknown>, name: string): unknown {
  const value = object[name];
  return value !== null && typeof value === 'object' && 'value' in value ? value.value : value;
}

/**
 * PowerShell 5.1 writes "/Date(ms)/", PowerShell 7 ISO 8601 with up to seven decimals. Anything else is
 * unreadable: JavaScript's own date parser would take "1" for 1 January 2001 and 30 February for 2 March.
 * A time without a zone is the host's local time.
 */
function powershellDate(value: unknown, utcOffsetMinutes: number): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = /^\/Date\((-?\d+)\)\/$/.exec(value);
  if (ms) return validDate(Number(ms[1]));
  const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (!iso) return undefined;
  const offset = iso[8] === undefined ? utcOffsetMinutes : offsetOf(iso[8]);
  if (offset === undefined) return undefined;
  const [year, month, day, hour, minute, second] = iso.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const at = calendarDate(year, month, day, hour, minute, second, offset);
  return at && validDate(at.getTime() + Number((iso[7] ?? '').padEnd(3, '0').slice(0, 3)));
}

function parseAvJson(json: unknown, utcOffsetMinutes: number | undefined): AvObservation[] {
  if (Array.isArray(json)) {
    const rows = json.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object');
    const centre = rows.find((r) => Object.hasOwn(r, 'antivirus'));
    if (centre) {
      const state = typeof centre.antivirus === 'string' ? centre.antivirus.slice(0, 60) : 'unknown';
      return [
        {
          format: 'osquery-security-center',
          product: 'Windows Security Center',
          realTimeProtection: state === 'Good' ? undefined : false,
          engineRunning: state === 'Good' ? true : false,
          cannotShowAge: `osquery's windows_security_center only says the anti-virus state is "${state}": it cannot show how old the signatures are`,
          notes: [],
        },
      ];
    }
    const clamFiles = rows.filter(
      (r) =>
        typeof r.path === 'string' &&
        /\/clamav\/[^/]+\.c[lv]d$/.test(r.path) &&
        (typeof r.mtime === 'number' || (typeof r.mtime === 'string' && /^\d{1,15}$/.test(r.mtime))),
    );
    if (clamFiles.length > 0) {
      // A loop, not Math.max(...rows): a spread of a huge array overflows the stack.
      let newest = Number.NEGATIVE_INFINITY;
      for (const row of clamFiles) newest = Math.max(newest, Number(row.mtime));
      const signatureTime = validDate(newest * 1000);
      const notes = ['signature time is the newest database file modification time'];
      return [
        {
          format: 'osquery-clamav-files',
          product: 'ClamAV',
          signatureTime,
          cannotShowAge: signatureTime ? undefined : 'the database files carry no readable modification time',
          notes,
        },
      ];
    }
    return [];
  }
  if (json === null || typeof json !== 'object') return [];
  const o = json as Record<string, unknown>;
  if (Object.hasOwn(o, 'AntivirusSignatureLastUpdated') || Object.hasOwn(o, 'AMServiceEnabled')) {
    const updated = o.AntivirusSignatureLastUpdated;
    const local = typeof updated === 'string' && /T[\d:.]+$/.test(updated);
    const observation: AvObservation = {
      format: 'defender-status',
      product: 'Microsoft Defender',
      engineVersion: version(o.AMEngineVersion),
      signatureVersion: version(o.AntivirusSignatureVersion),
      signatureTime: powershellDate(updated, utcOffsetMinutes ?? 0),
      engineRunning: o.AMServiceEnabled === true && o.AntivirusEnabled !== false,
      realTimeProtection: o.RealTimeProtectionEnabled === true,
      notes: local ? zoneNote(utcOffsetMinutes) : [],
    };
    if (local && utcOffsetMinutes === undefined) observation.offsetUnknown = true;
    return [observation];
  }
  if (Object.hasOwn(o, 'definitionsUpdated') || Object.hasOwn(o, 'definitionsVersion') || Object.hasOwn(o, 'realTimeProtectionEnabled')) {
    const updated = field(o, 'definitionsUpdated');
    const ms = typeof updated === 'number' ? updated : typeof updated === 'string' && /^\d+$/.test(updated) ? Number(updated) : undefined;
    return [
      {
        format: 'mdatp-health',
        product: 'Microsoft Defender',
        engineVersion: version(o.engineVersion),
        signatureVersion: version(field(o, 'definitionsVersion')),
        signatureTime: ms !== undefined ? validDate(ms) : undefined,
        engineRunning: field(o, 'healthy') === true,
        realTimeProtection: field(o, 'realTimeProtectionEnabled') === true,
        notes: field(o, 'passiveModeEnabled') === true ? ['Defender runs in passive mode'] : [],
      },
    ];
  }
  return [];
}
