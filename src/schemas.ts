import { z } from 'zod';
import { connectionFileSchema } from './connection/schema.ts';
import { runReportSchema } from './report/schema.ts';

const BASE = 'https://cocoscan.invalid/schemas';

/** The JSON Schemas published in schemas/: editors complete connection files with one, tools read reports with the other. */
export function publishedSchemas(): Record<string, unknown> {
  return {
    'connection.schema.json': {
      $id: `${BASE}/connection.schema.json`,
      title: 'cocoscan connection file',
      description: 'Describes a connection: its parties, the gateways to probe and the declared flows.',
      ...z.toJSONSchema(connectionFileSchema, { io: 'input', target: 'draft-2020-12' }),
    },
    'report.schema.json': {
      $id: `${BASE}/report.schema.json`,
      title: 'cocoscan report.json',
      description: 'The result of one cocoscan check: findings with evidence and the compliance statement rows.',
      ...z.toJSONSchema(runReportSchema, { io: 'output', target: 'draft-2020-12' }),
    },
  };
}
