import { readFileSync } from 'node:fs';
import type { Exec } from '../../src/exec.ts';

/** An exec that answers like nmap with a recorded XML file (for engine tests that need no network). */
export function fakeNmap(fixture: string, calls: string[][] = []): Exec {
  const xml = readFileSync(new URL(`../fixtures/nmap/${fixture}`, import.meta.url), 'utf8');
  return async (command, args) => {
    calls.push([command, ...args]);
    const base = { command, args, signal: null, stderr: '', durationMs: 1, exitCode: 0 };
    if (args[0] === '--version') return { ...base, stdout: 'Nmap version 7.93 ( https://nmap.org )\n' };
    return { ...base, stdout: xml };
  };
}
