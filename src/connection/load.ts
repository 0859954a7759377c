import { readYaml, validateYaml } from '../input/yaml-input.ts';
import { connectionFileSchema, type ConnectionFile } from './schema.ts';

/** Reads and validates a connection file. Throws InputFileError listing every problem; sends no packet. */
export async function loadConnectionFile(file: string): Promise<ConnectionFile> {
  const parsed = await readYaml(file, 'connection file');
  return validateYaml(parsed, connectionFileSchema, 'fix each field listed, then run the check again (schema: schemas/connection.schema.json)');
}
