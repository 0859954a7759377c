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
    return parseAvJson(json);
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

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** "Sun Nov 22 07:33:12 2026" in the host's local time. */
function parseCtime(text: string, utcOffsetMinutes: number): Date | undefined {
  const m = /^(?:\w{3})\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(text.trim());
  if (!m || MONTHS[m[1]!] === undefined) return undefined;
  const utc = Date.UTC(Number(m[6]), MONTHS[m[1]!]!, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return new Date(utc - utcOffsetMinutes * 60_000);
}

function zoneNote(utcOffsetMinutes: number | undefined): string[] {
  return utcOffsetMinutes === undefined ? ["times printed without a zone were read as UTC (the report does not give the host's offset)"] : [];
}

export function parseClamscanVersion(text: string, utcOffsetMinutes?: number): AvObservation | undefined {
  const m = /^ClamAV (\d+\.\d+\.\d+\S*)(?:\/(\d+)\/(.+))?$/m.exec(text);
  if (!m) return undefined;
  const observation: AvObservation = { format: 'clamscan-version', product: 'ClamAV', engineVersion: m[1], notes: zoneNote(utcOffsetMinutes) };
  if (m[2] && m[3]) {
    observation.signatureVersion = m[2];
    observation.signatureTime = parseCtime(m[3], utcOffsetMinutes ?? 0);
  } else {
    observation.cannotShowAge = 'clamscan printed no signature database version: no database is loaded';
  }
  return observation;
}

export function parseSigtoolInfo(text: string): AvObservation | undefined {
  const build = /^Build time:\s+(\d{1,2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}) ([+-]\d{4})$/m.exec(text);
  if (!build || MONTHS[build[2]!] === undefined) return undefined;
  const offset = build[6]!;
  const offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
  const utc = Date.UTC(Number(build[3]), MONTHS[build[2]!]!, Number(build[1]), Number(build[4]), Number(build[5])) - offsetMinutes * 60_000;
  return {
    format: 'sigtool-info',
    product: 'ClamAV',
    signatureVersion: /^Version:\s+(\d+)$/m.exec(text)?.[1],
    signatureTime: new Date(utc),
    notes: [`database ${/^File:\s+(.+)$/m.exec(text)?.[1] ?? 'unknown'}`],
  };
}

export function parseFreshclamLog(text: string, utcOffsetMinutes?: number): AvObservation | undefined {
  if (!/ClamAV update process started at|freshclam daemon/.test(text)) return undefined;
  const offset = utcOffsetMinutes ?? 0;
  const runs: Date[] = [];
  let first: Date | undefined;
  for (const line of text.split('\n')) {
    const m = /^(\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}) -> (.*)$/.exec(line);
    if (!m) continue;
    const at = parseCtime(m[1]!, offset);
    if (!at) continue;
    first ??= at;
    if (/\b(daily|main|bytecode)\.c[lv]d (updated \(version|database is up-to-date|is up to date)/.test(m[2]!)) {
      const last = runs[runs.length - 1];
      // Several databases are reported per run: one run is one update.
      if (!last || at.getTime() - last.getTime() > 120_000) runs.push(at);
    }
  }
  return { format: 'freshclam-log', product: 'ClamAV', updateRuns: runs, historyStart: first, notes: zoneNote(utcOffsetMinutes) };
}

function field(object: Record<string, unknown>, name: string): unknown {
  const value = object[name];
  return value !== null && typeof value === 'object' && 'value' in (value as object) ? (value as { value: unknown }).value : value;
}

/** PowerShell 5.1 writes "/Date(ms)/", PowerShell 7 ISO 8601. */
function powershellDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = /^\/Date\((-?\d+)\)\/$/.exec(value);
  if (ms) return new Date(Number(ms[1]));
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function parseAvJson(json: unknown): AvObservation[] {
  if (Array.isArray(json)) {
    const rows = json.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object');
    if (rows.some((r) => 'antivirus' in r)) {
      const state = String(rows[0]?.antivirus ?? 'unknown');
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
    const clamFiles = rows.filter((r) => typeof r.path === 'string' && /\/clamav\/[^/]+\.c[lv]d$/.test(r.path) && r.mtime !== undefined);
    if (clamFiles.length > 0) {
      const newest = Math.max(...clamFiles.map((r) => Number(r.mtime)));
      return [{ format: 'osquery-clamav-files', product: 'ClamAV', signatureTime: new Date(newest * 1000), notes: ['signature time is the newest database file modification time'] }];
    }
    return [];
  }
  if (json === null || typeof json !== 'object') return [];
  const o = json as Record<string, unknown>;
  if ('AntivirusSignatureLastUpdated' in o || 'AMServiceEnabled' in o) {
    return [
      {
        format: 'defender-status',
        product: 'Microsoft Defender',
        engineVersion: typeof o.AMEngineVersion === 'string' ? o.AMEngineVersion : undefined,
        signatureVersion: typeof o.AntivirusSignatureVersion === 'string' ? o.AntivirusSignatureVersion : undefined,
        signatureTime: powershellDate(o.AntivirusSignatureLastUpdated),
        engineRunning: o.AMServiceEnabled === true && o.AntivirusEnabled !== false,
        realTimeProtection: o.RealTimeProtectionEnabled === true,
        notes: [],
      },
    ];
  }
  if ('definitionsUpdated' in o || 'definitionsVersion' in o || 'realTimeProtectionEnabled' in o) {
    const updated = field(o, 'definitionsUpdated');
    const ms = typeof updated === 'number' ? updated : typeof updated === 'string' && /^\d+$/.test(updated) ? Number(updated) : undefined;
    return [
      {
        format: 'mdatp-health',
        product: 'Microsoft Defender',
        engineVersion: typeof o.engineVersion === 'string' ? o.engineVersion : undefined,
        signatureVersion: typeof field(o, 'definitionsVersion') === 'string' ? (field(o, 'definitionsVersion') as string) : undefined,
        signatureTime: ms !== undefined ? new Date(ms) : undefined,
        engineRunning: field(o, 'healthy') === true,
        realTimeProtection: field(o, 'realTimeProtectionEnabled') === true,
        notes: field(o, 'passiveModeEnabled') === true ? ['Defender runs in passive mode'] : [],
      },
    ];
  }
  return [];
}
