import { readFileSync, writeFileSync } from 'node:fs';
import type { Exec } from '../../src/exec.ts';

/**
 * An exec that answers like nmap with a recorded XML file (for engine tests that need no network): the XML
 * goes where `-oX` says, and the verbose stdout announces the open ports as nmap does.
 */
export function fakeNmap(fixture: string, calls: string[][] = [], stdout = ''): Exec {
  const xml = readFileSync(new URL(`../fixtures/nmap/${fixture}`, import.meta.url), 'utf8');
  return (command, args, options) => {
    calls.push([command, ...args]);
    const base = { command, args, signal: null, stderr: '', durationMs: 1, exitCode: 0 };
    if (args[0] === '--version') return Promise.resolve({ ...base, stdout: 'Nmap version 7.93 ( https://nmap.org )\n' });
    // The recording names the lab address it was made on; the fake answers for the host it is asked about.
    const target = args[args.indexOf('--') + 1] ?? '127.0.0.1';
    const out = args[args.indexOf('-oX') + 1];
    // The sweep's UDP run gets the recording's UDP part only (none in a TCP recording), as nmap would answer it.
    const udpRun = args.includes('-sU') && !args.includes('-sS') && !args.includes('-sT');
    const recorded = udpRun ? withoutTcp(xml) : xml;
    if (out && out !== '-')
      writeFileSync(out, recorded.replace(/<address addr="[^"]+" addrtype="ipv4"\/>/g, `<address addr="${target}" addrtype="ipv4"/>`));
    options.onStdout?.(stdout);
    return Promise.resolve({ ...base, stdout });
  };
}

function withoutTcp(xml: string): string {
  return xml
    .replace(/<scaninfo [^>]*protocol="tcp"[^>]*\/>\n?/g, '')
    .replace(/<port protocol="tcp"[\s\S]*?<\/port>\n?/g, '')
    .replace(/<extraports [^>]*>\s*(<extrareasons [^>]*proto="tcp"[^>]*\/>\s*)+<\/extraports>\n?/g, '');
}
