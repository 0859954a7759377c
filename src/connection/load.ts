import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputFileError, type InputProblem } from '../errors.ts';
import { readYaml, validateYaml } from '../input/yaml-input.ts';
import { splitPem } from '../tls/trust-store.ts';
import { connectionFileSchema, type ConnectionFile } from './schema.ts';

/**
 * Reads and validates a connection file. Paths inside it (TLS trust files) are resolved against the
 * file's folder and checked here. Throws InputFileError listing every problem; sends no packet.
 */
export async function loadConnectionFile(file: string): Promise<ConnectionFile> {
  const parsed = await readYaml(file, 'connection file');
  const connection = validateYaml(parsed, connectionFileSchema, HINT);
  const base = dirname(resolve(file));
  const problems: InputProblem[] = [];
  const trust: string[] = [];
  for (const [index, path] of connection.tls.trust.entries()) {
    const absolute = resolve(base, path);
    trust.push(absolute);
    try {
      if (splitPem(await readFile(absolute, 'utf8')).length === 0) {
        problems.push({ path: `tls.trust[${index}]`, message: `${path} holds no PEM certificate` });
      }
    } catch {
      problems.push({ path: `tls.trust[${index}]`, message: `${path} cannot be read (looked for ${absolute})` });
    }
  }
  if (problems.length > 0) throw new InputFileError(file, problems, HINT);
  return { ...connection, tls: { ...connection.tls, trust } };
}

const HINT = 'fix each field listed, then run the check again (schema: schemas/connection.schema.json)';
