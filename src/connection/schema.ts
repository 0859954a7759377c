import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr } from './cidr.ts';

// RFC 1123 host names: letters, digits and hyphens, no label starting or ending with a hyphen.
const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
// A name whose last label is only digits and hyphens is no DNS name but an nmap range such as 10.0.0.1-20.
const NUMERIC_LAST_LABEL = /(^|\.)[0-9-]+\.?$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;
const PORT_SPEC = /^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/;
// Device names Windows reserves in every folder: a gateway so named could not have an evidence folder there.
const RESERVED_FILE_NAME = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** Upper bounds of a connection file, all checked when it is loaded, before any packet. */
export const CONNECTION_LIMITS = {
  gateways: 256,
  flows: 256,
  onwardConnections: 256,
  agentReportsPerGateway: 32,
  trustFiles: 64,
  pathChars: 4096,
  portSpecChars: 4096,
  listItems: 64,
} as const;

export const hostSchema = z
  .string({ error: 'expected an IP address or DNS name' })
  .refine((value) => !value.startsWith('-'), {
    error: 'must not begin with "-" (it would be read as an option, not a host)',
    abort: true,
  })
  .refine((value) => isIP(value) !== 0 || (HOSTNAME.test(value) && !NUMERIC_LAST_LABEL.test(value)), {
    error: 'expected one IP address or DNS name (no ranges, CIDR blocks, spaces or options)',
  });

const nameSchema = z
  .string({ error: 'expected a name' })
  .regex(NAME, { error: 'expected 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit' });

/** A gateway name is also a folder name under evidence/gateways/: it must be safe as one on every system. */
const gatewayNameSchema = nameSchema
  .refine((name) => !name.endsWith('.'), { error: 'must not end with "." (it names the gateway\'s evidence folder)' })
  .refine((name) => !RESERVED_FILE_NAME.test(name), {
    error: "is a reserved device name on Windows (con, nul, com1, …); it names the gateway's evidence folder",
  });

const pathSchema = z
  .string({ error: 'expected a file path' })
  .min(1)
  .max(CONNECTION_LIMITS.pathChars, { error: `expected a file path of at most ${CONNECTION_LIMITS.pathChars} characters` });

export const portSchema = z
  .number({ error: 'expected a number from 1 to 65535' })
  .int({ error: 'expected a number from 1 to 65535' })
  .min(1, { error: 'expected a number from 1 to 65535' })
  .max(65535, { error: 'expected a number from 1 to 65535' });

export const portSpecSchema = z
  .string({ error: 'expected a port list such as "1-65535" or "22,443,8000-8100"' })
  .max(CONNECTION_LIMITS.portSpecChars, { error: `expected a port list of at most ${CONNECTION_LIMITS.portSpecChars} characters` })
  .regex(PORT_SPEC, { error: 'expected a port list such as "1-65535" or "22,443,8000-8100"' })
  .refine((spec) => portSpecIsInRange(spec), { error: 'ports must be from 1 to 65535, each range low-high' });

export function portSpecIsInRange(spec: string): boolean {
  return spec.split(',').every((part) => {
    const [low, high = low] = part.split('-').map(Number) as [number, number?];
    return low >= 1 && high <= 65535 && low <= high;
  });
}

export const flowSchema = z.strictObject({
  name: nameSchema.describe('Short name of the data flow, e.g. case-sync'),
  protocol: z
    .string({ error: 'expected a protocol name such as https or ssh' })
    .regex(/^[a-z][a-z0-9+.-]{0,31}$/, { error: 'expected a lower-case protocol name such as https, ssh or snmp' })
    .describe('Application protocol the flow uses (https, ssh, sftp, snmp, ldaps, …)'),
  port: portSchema.describe('Port on the gateway'),
  transport: z.enum(['tcp', 'udp'], { error: 'expected "tcp" or "udp"' }).default('tcp').describe('Transport protocol; tcp when left out'),
  tls: z
    .boolean({ error: 'expected true or false' })
    .optional()
    .describe('Whether the flow runs over TLS; by default, from the protocol (https, ldaps, smtps, … are TLS)'),
  description: z.string({ error: 'expected text' }).max(500).optional(),
  sources: z
    .array(
      z
        .string({ error: 'expected an IPv4 or IPv6 address block such as 10.99.0.0/16 or fd00:99::/64' })
        .max(64)
        .refine((text) => parseCidr(text) !== undefined, {
          error: 'expected an IPv4 or IPv6 address block such as 10.99.0.0/16 or fd00:99::/64',
        }),
      { error: 'expected a list of address blocks' },
    )
    .min(1, { error: 'expected at least one address block (leave sources out for a flow open to all)' })
    .max(CONNECTION_LIMITS.listItems, { error: `at most ${CONNECTION_LIMITS.listItems} address blocks` })
    .optional()
    .describe(
      'The only sources the flow is open to, as address blocks (10.99.0.0/16, fd00:99::/64). A scanner outside them ' +
        'cannot reach the flow by design; the host ruleset, when read, is checked to accept the port only from them',
    ),
});

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export { ENV_NAME };

export const sshCredentialsSchema = z
  .strictObject({
    username: z
      .string({ error: 'expected a user name' })
      .regex(/^[a-zA-Z0-9._][a-zA-Z0-9._-]{0,63}$/, { error: 'expected a user name (letters, digits, ".", "_", "-")' }),
    port: portSchema.default(22),
    privateKeyFile: pathSchema.optional().describe('Private key file (~ and paths relative to this file are resolved)'),
    passphraseEnv: z
      .string({ error: 'expected an environment variable name' })
      .regex(ENV_NAME, { error: 'expected an environment variable name such as COCOSCAN_SSH_PASSPHRASE' })
      .optional()
      .describe('Name of the environment variable holding the key passphrase (never the passphrase itself)'),
    agent: z.boolean({ error: 'expected true or false' }).default(false).describe('Use the SSH agent at SSH_AUTH_SOCK'),
    knownHosts: pathSchema.optional().describe('known_hosts file the gateway host key must match'),
    sudo: z
      .boolean({ error: 'expected true or false' })
      .default(false)
      .describe('Run privileged read-only commands (nft, iptables-save, sshd -T) through sudo -n'),
  })
  .refine((ssh) => ssh.privateKeyFile !== undefined || ssh.agent, { error: 'give privateKeyFile, or agent: true to use SSH_AUTH_SOCK' })
  .describe('Credentials for read-only authenticated collection over SSH');

export const agentReportEntrySchema = z
  .strictObject({
    path: pathSchema.optional().describe('Report file, relative to this file'),
    remotePath: z
      .string({ error: 'expected an absolute path on the gateway' })
      .regex(/^\/[A-Za-z0-9._/-]{1,255}$/, { error: 'expected an absolute path of letters, digits, ".", "_", "-" and "/"' })
      .optional()
      .describe('Report file on the gateway, fetched over the SSH session'),
    publicKey: pathSchema.optional().describe('Public key that must have signed the report'),
    utcOffsetMinutes: z
      .number({ error: 'expected the host offset from UTC in minutes, e.g. 300 for UTC+05:00' })
      .int({ error: 'expected whole minutes' })
      .min(-720, { error: 'expected -720 (UTC-12:00) to 840 (UTC+14:00)' })
      .max(840, { error: 'expected -720 (UTC-12:00) to 840 (UTC+14:00)' })
      .refine((minutes) => minutes % 15 === 0, { error: 'expected a whole quarter hour (every UTC offset in use is one)' })
      .optional()
      .describe(
        "The host's offset from UTC in minutes (e.g. 300 for UTC+05:00), for raw ClamAV output that prints local time without a zone (clamscan --version, " +
          'freshclam.log). Without it such dates are judged under every offset from UTC-12:00 to UTC+14:00. cocoscan agent reports carry their own offset.',
      ),
  })
  .refine((entry) => (entry.path === undefined) !== (entry.remotePath === undefined), { error: 'give exactly one of path or remotePath' });

export const gatewaySchema = z.strictObject({
  name: gatewayNameSchema.describe('Name used in the report and as its evidence folder, e.g. acme-gw-1; unique regardless of case'),
  host: hostSchema.describe(
    'IP address or DNS name: the only thing ever probed for this gateway. A name is resolved once before any probe and must ' +
      'give one address: a name with several (A and AAAA, or round robin) is refused; declare a gateway for each address instead',
  ),
  description: z.string({ error: 'expected text' }).max(500).optional(),
  ssh: sshCredentialsSchema.optional(),
  agentReports: z
    .array(agentReportEntrySchema, { error: 'expected a list of agent reports' })
    .max(CONNECTION_LIMITS.agentReportsPerGateway, {
      error: `at most ${CONNECTION_LIMITS.agentReportsPerGateway} agent reports per gateway`,
    })
    .default([])
    .describe('Agent-reported data (anti-virus, firewall, patch facts): cocoscan agent reports or raw tool output'),
});

export const onwardConnectionSchema = z.strictObject({
  name: nameSchema,
  description: z.string({ error: 'expected text' }).max(1000),
  destination: z.string({ error: 'expected text' }).max(500).optional(),
  protocols: z.array(z.string().max(64)).max(CONNECTION_LIMITS.listItems).optional(),
});

export const scanSchema = z
  .strictObject({
    tcpPorts: portSpecSchema.default('1-65535').describe('TCP ports the sweep covers'),
    udpPorts: portSpecSchema
      .optional()
      .describe('UDP ports the sweep covers besides the declared UDP flows and the udpTopPorts most common services'),
    udpTopPorts: z
      .number({ error: 'expected a whole number from 0 to 100' })
      .int({ error: 'expected a whole number from 0 to 100' })
      .min(0, { error: 'expected a whole number from 0 to 100' })
      .max(100, { error: 'expected a whole number from 0 to 100' })
      .default(100)
      .describe(
        "How many of nmap's most common UDP services (nmap -sU --top-ports) the sweep covers on every gateway, besides the " +
          'declared UDP flows; 0 sweeps only the declared and udpPorts ones. UDP sweeps need root.',
      ),
    timing: z
      .number({ error: 'expected an nmap timing template from 0 to 5' })
      .int()
      .min(0, { error: 'expected an nmap timing template from 0 to 5' })
      .max(5, { error: 'expected an nmap timing template from 0 to 5' })
      .default(4)
      .describe('nmap timing template (-T0 … -T5)'),
    hostTimeoutSeconds: z
      .number({ error: 'expected a number of seconds' })
      .int()
      .min(10, { error: 'expected at least 10 seconds' })
      .max(86_400, { error: 'expected at most 86400 seconds (one day)' })
      .default(3600)
      .describe('Give up on a gateway after this long'),
    serviceDetection: z.boolean({ error: 'expected true or false' }).default(true).describe('Run nmap -sV on open ports'),
    serviceDetectionSeconds: z
      .number({ error: 'expected a number of seconds' })
      .int({ error: 'expected a whole number of seconds' })
      .min(5, { error: 'expected 5 to 3600 seconds' })
      .max(3600, { error: 'expected 5 to 3600 seconds' })
      .default(30)
      .describe(
        "How long nmap's service detection (-sV, run on the open ports once discovery has found them) may spend on one " +
          'gateway in all: past it nmap drops every service name of the gateway, so keep it above servicePortSeconds',
      ),
    servicePortSeconds: z
      .number({ error: 'expected a number of seconds' })
      .int({ error: 'expected a whole number of seconds' })
      .min(2, { error: 'expected 2 to 600 seconds' })
      .max(600, { error: 'expected 2 to 600 seconds' })
      .default(10)
      .describe(
        "How long nmap's service detection may wait on one port that answers none of its probes (a silent or " +
          "single-threaded service): nmap's probe waits are capped to share it (at least 0.5 s a probe), and a port it " +
          'leaves unnamed is reported as such while the other ports keep their names; at most half of serviceDetectionSeconds',
      ),
    probeTimeoutSeconds: z
      .number({ error: 'expected a number of seconds' })
      .min(1, { error: 'expected 1 to 120 seconds' })
      .max(120, { error: 'expected 1 to 120 seconds' })
      .default(10)
      .describe('How long one probe connection (a TLS handshake, an SSH banner) may take'),
    engine: z
      .enum(['nmap', 'masscan'], { error: 'expected "nmap" or "masscan"' })
      .default('nmap')
      .describe(
        'What finds the open TCP ports (discovery, before nmap -sV names their services). nmap: one SYN scan process per ' +
          'core, the gateways split among them. masscan (IPv4 only, needs root and masscan installed): holds its rate under ' +
          'packet loss where nmap throttles itself; one process per route out of this machine; IPv6 gateways stay on nmap',
      ),
    pace: z
      .enum(['internet', 'lan'], { error: 'expected "internet" or "lan"' })
      .default('internet')
      .describe(
        'Fills rate and retries when they are left out. internet (for paths to a third party): 20000 packets/s for the ' +
          'whole run and 2 retries, so 2 % loss on the way misses no open port. lan (clean links: a lab, the same LAN): ' +
          '200000 packets/s and no retry (a dropped frame is a missed port). nmap holds the rate as a minimum too, as masscan ' +
          'does, and sweeps again, pacing itself, a gateway that answered more than 4000 ports',
      ),
    rate: z
      .number({ error: 'expected packets per second' })
      .int({ error: 'expected a whole number of packets per second' })
      .min(1, { error: 'expected at least 1 packet per second' })
      .max(1_000_000, { error: 'expected at most 1000000 packets per second' })
      .optional()
      .describe(
        'Packets per second discovery sends in total, for the whole run: shared among its processes and gateways, never ' +
          'per gateway (nmap --max-rate, masscan --rate, divided between the processes). From pace when left out',
      ),
    retries: z
      .number({ error: 'expected 0 to 10' })
      .int({ error: 'expected a whole number from 0 to 10' })
      .min(0, { error: 'expected 0 to 10' })
      .max(10, { error: 'expected 0 to 10' })
      .optional()
      .describe(
        'How many times discovery probes a port again that did not answer (nmap --max-retries, masscan --retries). ' +
          'From pace when left out; 0 misses open ports on a lossy path',
      ),
    maxRate: z
      .number({ error: 'expected packets per second' })
      .int()
      .min(1, { error: 'expected at least 1 packet per second' })
      .max(1_000_000)
      .optional()
      .describe('Older name of rate (used when rate is left out): most packets per second discovery sends in total'),
    minRate: z
      .number({ error: 'expected packets per second' })
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe(
        'Packets per second per gateway nmap keeps up at least (nmap --min-rate, times the gateways one process sweeps ' +
          'together, never above its share of rate); left out, nmap holds its whole share of rate',
      ),
    maxRetries: z
      .number({ error: 'expected 0 to 10' })
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe('Older name of retries (used when retries is left out)'),
    gatewaysAtOnce: z
      .number({ error: 'expected a whole number from 1 to 256' })
      .int()
      .min(1, { error: 'expected a whole number from 1 to 256' })
      .max(256, { error: 'expected a whole number from 1 to 256' })
      .default(32)
      .describe('How many gateways one nmap run sweeps in parallel'),
    connectionsPerHost: z
      .number({ error: 'expected a whole number from 1 to 32' })
      .int({ error: 'expected a whole number from 1 to 32' })
      .min(1, { error: 'expected a whole number from 1 to 32' })
      .max(32, { error: 'expected a whole number from 1 to 32' })
      .default(6)
      .describe('Most simultaneous probe connections to one gateway'),
  })
  .describe('How the exposure sweep runs');

export const tlsSettingsSchema = z
  .strictObject({
    trust: z
      .array(pathSchema, { error: 'expected a list of PEM files' })
      .max(CONNECTION_LIMITS.trustFiles, { error: `at most ${CONNECTION_LIMITS.trustFiles} trust files` })
      .default([])
      .describe('Extra CA certificates (PEM files, relative to this file) trusted besides the system roots, for private PKI'),
  })
  .describe('TLS settings');

export const snmpSettingsSchema = z
  .strictObject({
    port: portSchema.default(161).describe('UDP port SNMP is probed on, on every gateway'),
    timeoutSeconds: z
      .number({ error: 'expected a number of seconds' })
      .min(0.5, { error: 'expected 0.5 to 30 seconds' })
      .max(30, { error: 'expected 0.5 to 30 seconds' })
      .default(3)
      .describe('How long to wait for an SNMP answer (a wrong community is never answered, so every miss costs this)'),
    communities: z
      .array(z.string({ error: 'expected a community string' }).min(1).max(64), { error: 'expected a list of community strings' })
      .max(32, { error: 'at most 32 communities: the list is tried on every gateway' })
      .optional()
      .describe('Community strings to try with v1 and v2c; the profile default list when left out'),
    v3: z
      .strictObject({
        user: z.string({ error: 'expected the SNMPv3 user name' }).min(1).max(64),
        authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'], {
          error: 'expected md5, sha, sha224, sha256, sha384 or sha512',
        }),
        authKeyEnv: z
          .string()
          .regex(ENV_NAME, { error: 'expected an environment variable name' })
          .describe('Name of the environment variable holding the authentication passphrase'),
        privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r'], { error: 'expected des, aes, aes256b or aes256r' }),
        privKeyEnv: z
          .string()
          .regex(ENV_NAME, { error: 'expected an environment variable name' })
          .describe('Name of the environment variable holding the privacy passphrase'),
      })
      .optional()
      .describe('An SNMPv3 user to test the security levels the agent accepts'),
  })
  .describe('SNMP settings');

const partyName = (what: string) =>
  z
    .string({ error: `expected the name of ${what}` })
    .min(1)
    .max(200);

/** The parties once the deprecated names are folded into the generic ones: what every stage after loading sees. */
export const connectionPartiesSchema = z.strictObject({
  name: gatewayNameSchema.describe('Connection name, used in titles and folder names'),
  connectedSystem: partyName('the system connected to').describe('The system the gateway connects to (the owner of the standard)'),
  connectingSystem: partyName('the connecting system').describe("The third party's system that connects through the gateway"),
  organisation: partyName('the organisation').describe('The organisation that runs the connecting system'),
  scope: z.string({ error: 'expected text' }).min(1).max(1000).optional().describe('What the assessment covers (some profiles require it)'),
  contact: z
    .string({ error: 'expected text' })
    .min(1)
    .max(200)
    .optional()
    .describe('Who answers for the connection (some profiles require it)'),
  marking: z
    .string({ error: 'expected a protective marking such as OFFICIAL' })
    .min(1)
    .max(100)
    .optional()
    .describe('The protective marking shown in the header and footer of the statement and report; OFFICIAL when absent'),
});

const DEPRECATED_PARTIES = [
  ['mojSystem', 'connectedSystem'],
  ['thirdPartySystem', 'connectingSystem'],
] as const;

/** As written in a connection file: the generic names, or the deprecated mojSystem and thirdPartySystem. */
const connectionPartiesInputSchema = connectionPartiesSchema
  .extend({
    connectedSystem: connectionPartiesSchema.shape.connectedSystem.optional(),
    connectingSystem: connectionPartiesSchema.shape.connectingSystem.optional(),
    mojSystem: partyName('the system connected to').optional().describe('Deprecated: the old name of connectedSystem'),
    thirdPartySystem: partyName('the connecting system').optional().describe('Deprecated: the old name of connectingSystem'),
  })
  .superRefine((parties, ctx) => {
    for (const [old, current] of DEPRECATED_PARTIES) {
      if (parties[old] !== undefined && parties[current] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [old], message: `give ${current} or its deprecated name ${old}, not both` });
      } else if (parties[old] === undefined && parties[current] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [current],
          message: `missing: expected the name of ${current === 'connectedSystem' ? 'the system connected to' : 'the connecting system'}`,
        });
      }
    }
  })
  .transform(({ mojSystem, thirdPartySystem, connectedSystem, connectingSystem, ...rest }): ConnectionParties => ({
    ...rest,
    connectedSystem: (connectedSystem ?? mojSystem)!,
    connectingSystem: (connectingSystem ?? thirdPartySystem)!,
  }));

export type ConnectionParties = z.output<typeof connectionPartiesSchema>;

function connectionFileShape<P extends z.ZodType>(parties: P) {
  return z
    .strictObject({
      connection: parties,
      gateways: z
        .array(gatewaySchema, { error: 'expected a list of gateways' })
        .min(1, { error: 'expected at least one gateway' })
        .max(CONNECTION_LIMITS.gateways, {
          error: `at most ${CONNECTION_LIMITS.gateways} gateways in one connection file; split it into several files`,
        }),
      flows: z
        .array(flowSchema, { error: 'expected a list of flows' })
        .min(1, { error: 'expected at least one declared flow' })
        .max(CONNECTION_LIMITS.flows, { error: `at most ${CONNECTION_LIMITS.flows} declared flows (each is probed on every gateway)` }),
      onwardConnections: z
        .array(onwardConnectionSchema, { error: 'expected a list' })
        .max(CONNECTION_LIMITS.onwardConnections, { error: `at most ${CONNECTION_LIMITS.onwardConnections} onward connections` })
        .default([]),
      scan: scanSchema.default(() => scanSchema.parse({})),
      tls: tlsSettingsSchema.default({ trust: [] }),
      snmp: snmpSettingsSchema.default(() => snmpSettingsSchema.parse({})),
    })
    .superRefine((file, ctx) => {
      // Case-insensitively: gateway names are folder names, and GW and gw are one folder on many file systems.
      flagDuplicates(
        file.gateways.map((g) => g.name.toLowerCase()),
        'gateways',
        'name',
        ctx,
      );
      flagDuplicates(
        file.gateways.map((g) => g.host.toLowerCase()),
        'gateways',
        'host',
        ctx,
      );
      flagDuplicates(
        file.flows.map((f) => f.name),
        'flows',
        'name',
        ctx,
      );
      flagDuplicates(
        file.flows.map((f) => `${f.port}/${f.transport}`),
        'flows',
        'port',
        ctx,
      );
    });
}

/** A connection file as written; parsing folds the deprecated party names into the generic ones. */
export const connectionFileSchema = connectionFileShape(connectionPartiesInputSchema);

/** A loaded connection, as report.json keeps it: only the generic party names. */
export const loadedConnectionSchema = connectionFileShape(connectionPartiesSchema);

function flagDuplicates(values: string[], list: string, field: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) {
      seen.set(value, index);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [list, index, field],
      message: `duplicate of ${list}[${first}].${field} (${value})`,
    });
  });
}

export type ConnectionFile = z.output<typeof connectionFileSchema>;
export type Gateway = ConnectionFile['gateways'][number];
export type SshCredentials = NonNullable<Gateway['ssh']>;
export type Flow = ConnectionFile['flows'][number];
