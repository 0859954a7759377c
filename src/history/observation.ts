import { z } from 'zod';

const gateway = z.string().describe('Gateway name from the connection file');
const port = z.number().int().min(1).max(65535);
const texts = z.array(z.string());

/**
 * What a probe saw of a gateway, typed, in the shape a later run compares with (CoCo-2). Each gateway probe
 * says what it observed from its facts (`observe`); history reads these back from report.json, never the
 * wording of a message.
 */
export const observationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('open-port'),
    gateway,
    port,
    transport: z.enum(['tcp', 'udp']),
    service: z
      .string()
      .describe(
        'What nmap saw there, in full ("ssl/http nginx 1.22.1"); in reports written before `name` was recorded, ' +
          'an undeclared port by its service name alone ("http")',
      ),
    name: z
      .string()
      .optional()
      .describe(
        'nmap\'s name for the service, without its tunnel ("http"): the one form every report has, compared with a report written before it',
      ),
    identified: z
      .boolean()
      .optional()
      .describe(
        "false when nmap's service detection did not identify the service (a name guessed from the port number, none, " +
          'tcpwrapped): the service is unknown in that run and never reported changed; absent in reports written before it was recorded',
      ),
  }),
  z.strictObject({
    kind: z.literal('tls-offer'),
    gateway,
    port,
    accepted: texts,
    suites: texts,
    leaf: z.strictObject({ sha256: z.string(), subject: z.string(), issuer: z.string(), notAfter: z.string() }).nullable(),
  }),
  z.strictObject({ kind: z.literal('ssh-host-key'), gateway, port, type: z.string(), fingerprint: z.string() }),
  z
    .strictObject({ kind: z.literal('ssh-host-key-unread'), gateway, port, type: z.string() })
    .describe(
      'A host-key type the port offered whose key this run did not read (an error, or not asked for): unknown in this run, ' +
        'never reported removed or added; absent in reports written before it was recorded',
    ),
  z.strictObject({ kind: z.literal('ssh-algorithms'), gateway, port, family: z.enum(['kex', 'ciphers', 'macs']), offered: texts }),
  z.strictObject({
    kind: z.literal('firewall'),
    gateway,
    view: z.enum(['external', 'host']).describe('external: how undeclared ports answered the sweep; host: the ruleset read over SSH'),
    verdict: z.enum(['pass', 'fail']),
    detail: z.string().describe('What decided the verdict, e.g. "97 of 100 undeclared TCP ports filtered"'),
  }),
  z
    .strictObject({
      kind: z.literal('swept'),
      gateway,
      tcp: z.string().describe('The TCP ports swept, as nmap lists them ("1-1024,8080"); empty when none'),
      udp: z.string().describe('The UDP ports swept, likewise'),
    })
    .describe('A sweep that could be judged: only ports both runs swept are compared, so a failed or narrower sweep reports no change'),
  z.strictObject({
    kind: z.literal('pending-updates'),
    gateway,
    pending: z.number().int().min(0),
    securityPending: z.number().int().min(0),
  }),
]);
export type Observation = z.infer<typeof observationSchema>;
export type ObservationKind = Observation['kind'];
