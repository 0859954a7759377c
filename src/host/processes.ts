/** At most this many names are kept from one process list: a host has far fewer, a hostile report may not. */
export const MAX_PROCESS_NAMES = 100_000;

/** Process names from `ps -eo comm=` (one per line, as the SSH session and `cocoscan agent collect` run it). */
export function parseProcessList(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split('\n')) {
    const name = line.trim();
    if (name) names.push(name);
    if (names.length >= MAX_PROCESS_NAMES) break;
  }
  return names;
}

/** The ClamAV processes that scan: the daemon and the on-access client (a bare freshclam does not scan). */
export function isClamavEngine(name: string): boolean {
  return name === 'clamd' || name === 'clamonacc';
}
