import { z } from 'zod';

const label = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .min(1)
    .max(200);

/**
 * The words of a standard's statement: its title, the names of the parties and the headings and columns of
 * its form. Renderers print these and nothing of their own that belongs to a standard, so a profile that
 * leaves them out still renders, with the generic words below.
 */
export const statementSchema = z
  .strictObject({
    title: label('the statement title').default('Compliance statement').describe('Title of the statement; the connection name follows it'),
    parties: z
      .strictObject({
        connectedSystem: label('a label').default('System connected to').describe('Label of connection.connectedSystem'),
        connectingSystem: label('a label').default('Connecting system').describe('Label of connection.connectingSystem'),
        organisation: label('a label').default('Organisation').describe('Label of connection.organisation'),
        scope: label('a label').default('Scope').describe('Label of connection.scope, shown when it is given'),
        contact: label('a label').default('Contact').describe('Label of connection.contact, shown when it is given'),
      })
      .default(() => ({
        connectedSystem: 'System connected to',
        connectingSystem: 'Connecting system',
        organisation: 'Organisation',
        scope: 'Scope',
        contact: 'Contact',
      })),
    headings: z
      .strictObject({
        connection: label('a heading').default('Connection').describe('Heading of the part that describes the connection'),
        gateways: label('a heading').default('Gateways'),
        flows: label('a heading').default('Data flows'),
        onwardConnections: label('a heading').default('Onward connections'),
      })
      .default(() => ({ connection: 'Connection', gateways: 'Gateways', flows: 'Data flows', onwardConnections: 'Onward connections' })),
    columns: z
      .strictObject({
        ref: label('a column name').default('Ref'),
        control: label('a column name').default('Requirement'),
        compliance: label('a column name').default('Compliance'),
        owner: label('a column name').default('Owner/Reference'),
        comments: label('a column name').default('Comments'),
      })
      .default(() => ({ ref: 'Ref', control: 'Requirement', compliance: 'Compliance', owner: 'Owner/Reference', comments: 'Comments' })),
  })
  .describe("The statement's own words: title, party labels, headings and column names");

export type StatementText = z.output<typeof statementSchema>;

export const DEFAULT_STATEMENT: StatementText = Object.freeze(statementSchema.parse({}));

/** Optional connection fields a profile may require on top of the ones every connection file has. */
export const REQUIRABLE_CONNECTION_FIELDS = ['scope', 'contact'] as const;
export type RequirableConnectionField = (typeof REQUIRABLE_CONNECTION_FIELDS)[number];
