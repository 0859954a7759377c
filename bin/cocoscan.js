#!/usr/bin/env node
// The installed command: runs the compiled CLI. `npm run build` writes dist/; in a clone, `npm ci` builds it (prepare).
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
let cli;
try {
  cli = await import(entry.href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(fileURLToPath(entry))) throw error;
  process.stderr.write('cocoscan: the compiled CLI (dist/) is missing: run `npm run build` in this folder, then try again.\n');
  process.exit(2);
}
cli.tuneHeapForCli();
process.exitCode = await cli.main(process.argv);
