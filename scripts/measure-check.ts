/** Runs `cocoscan check` in this process and prints its peak resident memory to stderr (used by bench.ts). */
import { main } from '../src/cli/main.ts';

const code = await main(['node', 'cocoscan', ...process.argv.slice(2)]);
process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
