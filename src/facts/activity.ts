import type { Gateway } from '../connection/schema.ts';
import type { NmapProgress } from '../nmap/run.ts';

/** What a run is doing on one gateway now: the progress lines of the terminal are drawn from these. */
export interface ActivityEvent {
  gateway: string;
  activity: string;
  percent?: number;
  /** nmap's own estimate of the seconds its scan has left. */
  remainingSeconds?: number;
  /** An open port the sweep just found, as "443/tcp" (the activity says so too). */
  openPort?: string;
  /** A probe began (running) or ended its gathering on the gateway. */
  probe?: { id: string; running: boolean };
}

/** What nmap's timing line says of a gateway's sweep: the task, nmap's percentage and its estimate of the time left. */
export function nmapActivity(gateway: Gateway, progress: NmapProgress): ActivityEvent {
  const { task, percent, remainingSeconds } = progress;
  return { gateway: gateway.name, activity: `nmap ${task}`, percent, ...(remainingSeconds !== undefined ? { remainingSeconds } : {}) };
}
