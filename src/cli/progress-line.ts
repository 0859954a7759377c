import { terminalText } from '../../reports/escape.ts';
import type { ActivityEvent } from '../facts/facts.ts';

/** What the progress line of one gateway shows: its latest activity, nmap's estimate, the ports found, the probes running. */
export interface GatewayProgress {
  /** The sweep's latest step (nmap's events), kept apart so that other work on the gateway does not hide it. */
  sweep?: { activity: string; percent?: number; remainingSeconds?: number };
  /** The latest other activity (a probe's own step), or "starting". */
  activity: string;
  /** Open ports in the order found; at most MAX_PORTS_KEPT, with `portsFound` counting them all. */
  openPorts: string[];
  portsFound: number;
  /** The probes gathering on the gateway now, in the order they started. */
  probes: string[];
}

const MAX_PORTS_KEPT = 32;
const PORTS_SHOWN = 8;
const PROBES_SHOWN = 4;

/** Folds one event into a gateway's progress. Pure: the state given is not changed. */
export function applyEvent(state: GatewayProgress | undefined, event: ActivityEvent): GatewayProgress {
  const before: GatewayProgress = state ?? { activity: 'starting', openPorts: [], portsFound: 0, probes: [] };
  if (event.openPort !== undefined) {
    if (before.openPorts.includes(event.openPort)) return before;
    const openPorts = before.openPorts.length < MAX_PORTS_KEPT ? [...before.openPorts, event.openPort] : before.openPorts;
    return { ...before, openPorts, portsFound: before.portsFound + 1 };
  }
  if (event.probe !== undefined) {
    const { id, running } = event.probe;
    const others = before.probes.filter((p) => p !== id);
    return { ...before, probes: running ? [...others, id] : others };
  }
  if (event.percent === undefined && !event.activity.startsWith('nmap ')) return { ...before, activity: event.activity };
  const sweep: NonNullable<GatewayProgress['sweep']> = { activity: event.activity };
  if (event.percent !== undefined && Number.isFinite(event.percent)) sweep.percent = Math.max(0, Math.min(100, event.percent));
  if (event.remainingSeconds !== undefined && Number.isFinite(event.remainingSeconds)) sweep.remainingSeconds = event.remainingSeconds;
  return { ...before, sweep, ...(before.activity === 'starting' ? { activity: '' } : {}) };
}

/** 7 → "7s", 75 → "1m15s", 3725 → "1h02m". */
export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function listed(items: string[], total: number, shown: number, separator: string): string {
  const more = total - Math.min(items.length, shown);
  return items.slice(0, shown).join(separator) + (more > 0 ? ` +${more} more` : '');
}

/**
 * One gateway's progress line: "[12s] gw-1: nmap SYN Stealth Scan 42% (nmap: 7s left) · SNMP community and v3 checks ·
 * open 22/tcp 443/tcp · running tls, ssh".
 * Names and activities are shown through `terminalText` (controls made visible); the line is cut to `width` columns
 * when a width is given (the last column is left empty, so a terminal never wraps it). No width (0 or unknown): not cut.
 */
export function progressLine(gateway: string, state: GatewayProgress, elapsedSeconds: number, width?: number): string {
  const { sweep } = state;
  const nmap =
    sweep &&
    terminalText(sweep.activity) +
      (sweep.percent !== undefined ? ` ${sweep.percent.toFixed(0)}%` : '') +
      (sweep.remainingSeconds !== undefined ? ` (nmap: ${shortDuration(sweep.remainingSeconds)} left)` : '');
  const doing = [nmap, state.activity && terminalText(state.activity)].filter(Boolean).join(' · ');
  const parts = [`[${shortDuration(elapsedSeconds)}] ${terminalText(gateway)}: ${doing}`];
  if (state.portsFound > 0) parts.push(`open ${terminalText(listed(state.openPorts, state.portsFound, PORTS_SHOWN, ' '))}`);
  if (state.probes.length > 0) parts.push(`running ${terminalText(listed(state.probes, state.probes.length, PROBES_SHOWN, ', '))}`);
  const line = parts.join(' · ');
  return width !== undefined && width > 0 ? cutToWidth(line, width - 1) : line;
}

/** Columns a character takes in a terminal: 0 for combining marks, 2 for East Asian wide and emoji, else 1. */
function columnsOf(char: string): number {
  if (/\p{M}/u.test(char)) return 0;
  const code = char.codePointAt(0)!;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

/** Columns the text takes in a terminal (after `terminalText`, so it holds no controls). */
export function displayWidth(text: string): number {
  let columns = 0;
  for (const char of text) columns += columnsOf(char);
  return columns;
}

/** The text cut to at most `columns` terminal columns, whole characters only, with "…" where it was cut. */
export function cutToWidth(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  if (columns <= 0) return '';
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = columnsOf(char);
    if (used + w > columns - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}
