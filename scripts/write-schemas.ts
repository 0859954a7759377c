/** Writes the published JSON Schemas (connection file and report.json) from the zod schemas. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { publishedSchemas } from '../src/schemas.ts';

for (const [file, schema] of Object.entries(publishedSchemas())) {
  const path = fileURLToPath(new URL(`../schemas/${file}`, import.meta.url));
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schemas/${file}\n`);
}
