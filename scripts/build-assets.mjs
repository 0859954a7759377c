// `npm run build`. With --clean: empties dist/ before tsc, so no stale module is packed. Without, after
// `tsc -p tsconfig.build.json`:
// - copies the files tsc does not emit into dist/: data the compiled code reads beside itself (found with
//   new URL('./x.yaml', import.meta.url)) and hand-written declarations (src/snmp/net-snmp.d.ts);
// - points the declarations' `/// <reference path>` at those copies (tsc points them back at the sources).
// Files at the package root (package.json, profiles/) stay there: src/package-root.ts finds them.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const COMPILED = ['src', 'probes', 'reports'];

if (process.argv.includes('--clean')) {
  rmSync(dist, { recursive: true, force: true });
  process.exit(0);
}

// Only data and declarations are shipped beside the code: an editor's backup or a local file never reaches the package.
const isAsset = (name) => name.endsWith('.d.ts') || name.endsWith('.yaml') || name.endsWith('.json');
for (const folder of COMPILED) {
  for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !isAsset(entry.name)) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(dist, relative(root, source));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
}

const REFERENCE = /^(\/\/\/ <reference path=")([^"]+)(")/gm;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(REFERENCE, (whole, open, path, close) => {
    const target = resolve(dirname(file), path);
    if (!relative(dist, target).startsWith('..')) return whole;
    const copy = relative(dirname(file), join(dist, relative(root, target)));
    return `${open}${copy.startsWith('.') ? copy : `./${copy}`}${close}`;
  });
  if (fixed !== text) writeFileSync(file, fixed);
}
