#!/usr/bin/env node
// The installed command: runs the compiled CLI (npm run build writes dist/; `npm ci` in a clone builds it).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv);
