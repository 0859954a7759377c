#!/usr/bin/env node
// The CLI straight from the TypeScript sources through tsx, with no build: what the tests and benchmarks run, so they
// always see the code as it is. Not shipped (package.json `files` names bin/cocoscan.js only).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
