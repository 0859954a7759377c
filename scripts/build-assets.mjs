// `npm run build`. With --clean: empties dist/ before tsc, so no stale module is packed. Without: after
// `tsc -p tsconfig.build.json`, copies the data files the compiled code reads beside itself (found with
// new URL('./x.yaml', import.meta.url)) into dist/: every file under the compiled folders that is not TypeScript.
// Files at the package root (package.json, profiles/) stay there: src/package-root.ts finds them.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const COMPILED = ['src', 'probes', 'reports'];

if (process.argv.includes('--clean')) {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  process.exit(0);
}

for (const folder of COMPILED) {
  for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(root, 'dist', relative(root, source));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
}
