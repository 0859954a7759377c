import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json and profiles/: one level above this module when it runs as source (src/, through
 * tsx or vitest), two when it runs compiled (dist/src/, as installed). The module's own extension says which.
 */
export function packageRootFor(moduleUrl: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  return resolve(here, moduleUrl.endsWith('.ts') ? '..' : '../..');
}

export const PACKAGE_ROOT = packageRootFor(import.meta.url);

/** A file or folder shipped at the package's root (package.json, profiles/, schemas/). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
