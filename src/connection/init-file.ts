import { stringify } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../errors.ts';
import { parseYaml, validateYaml } from '../input/yaml-input.ts';
import { connectionFileSchema, connectionPartiesSchema, flowSchema, gatewaySchema } from './schema.ts';

/** What `cocoscan init` needs to write a connection file, from flags or answers. */
export interface InitAnswers {
  name?: string;
  connectedSystem?: string;
  connectingSystem?: string;
  organisation?: string;
  gateways: { name: string; host: string }[];
  flows: { name: string; protocol: string; port: number; transport: 'tcp' | 'udp' }[];
}

/** The flag that sets each party field, for messages that say what to pass. */
export const PARTY_FLAGS = {
  name: '--name',
  connectedSystem: '--connected-system',
  connectingSystem: '--connecting-system',
  organisation: '--organisation',
} as const;

/** The first issue of a value checked against a schema, or undefined when it is valid. */
function problemOf(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues[0]?.message;
}

export function partyProblem(field: keyof typeof PARTY_FLAGS, value: string): string | undefined {
  return problemOf(connectionPartiesSchema.shape[field], value);
}

/** `host` or `name=host`; an unnamed gateway is called gw-<n>. */
export function parseGatewayArg(text: string, index: number): InitAnswers['gateways'][number] {
  const at = text.indexOf('=');
  const gateway =
    at < 0 ? { name: `gw-${index + 1}`, host: text.trim() } : { name: text.slice(0, at).trim(), host: text.slice(at + 1).trim() };
  const problem = problemOf(gatewaySchema, gateway);
  if (problem) throw new UsageError(`--gateway ${JSON.stringify(text)}: ${problem}`, 'give --gateway HOST or --gateway NAME=HOST');
  return gateway;
}

/** `name:protocol:port`, with `/udp` after the port for a UDP flow. */
export function parseFlowArg(text: string): InitAnswers['flows'][number] {
  const hint = 'give --flow NAME:PROTOCOL:PORT, e.g. --flow case-sync:https:443 or --flow monitoring:snmp:161/udp';
  const match = /^([^:]*):([^:]*):(\d{1,5})(\/(tcp|udp))?$/.exec(text.trim());
  if (!match) throw new UsageError(`--flow ${JSON.stringify(text)}: expected NAME:PROTOCOL:PORT`, hint);
  const flow = { name: match[1]!, protocol: match[2]!, port: Number(match[3]), transport: (match[5] ?? 'tcp') as 'tcp' | 'udp' };
  const problem = problemOf(flowSchema, flow);
  if (problem) throw new UsageError(`--flow ${JSON.stringify(text)}: ${problem}`, hint);
  return flow;
}

/** The fields still missing, named by the flag that gives each. */
export function missingFlags(answers: InitAnswers): string[] {
  const missing: string[] = Object.entries(PARTY_FLAGS)
    .filter(([field]) => !answers[field as keyof typeof PARTY_FLAGS])
    .map(([, flag]) => flag);
  if (answers.gateways.length === 0) missing.push('--gateway');
  if (answers.flows.length === 0) missing.push('--flow');
  return missing;
}

/** A scalar on one line: YAML's plain or quoted form, or JSON's (valid YAML) when YAML would use a block. */
function quote(value: string | number): string {
  const yaml = stringify(value, { lineWidth: 0 }).trimEnd();
  return yaml.includes('\n') ? JSON.stringify(value) : yaml;
}

/** The commented connection file; it is validated before it is returned, so what is written always loads. */
export function renderConnectionFile(answers: Required<InitAnswers>, file: string): string {
  const lines = [
    '# cocoscan connection file: the A.1.2.1 declaration of what connects to what, and every flow it needs.',
    '# Check it with: cocoscan validate <this file>. Schema: schemas/connection.schema.json.',
    '# Scan only gateways you are authorised to test: a port sweep of a third party needs its written consent.',
    'connection:',
    `  name: ${quote(answers.name)}   # used in titles and folder names`,
    `  connectedSystem: ${quote(answers.connectedSystem)}   # the system connected to`,
    `  connectingSystem: ${quote(answers.connectingSystem)}   # the third party's system`,
    `  organisation: ${quote(answers.organisation)}`,
    '  # scope: What the assessment covers      # some profiles require it',
    '  # contact: Who answers for the connection',
    'gateways:                 # each host is one IP address or DNS name: the only thing ever probed',
  ];
  for (const gateway of answers.gateways) {
    lines.push(`  - name: ${quote(gateway.name)}`, `    host: ${quote(gateway.host)}`);
  }
  lines.push(
    '    # ssh:                 # optional, read-only collection (firewall ruleset, patch level, audit logging)',
    '    #   username: audit',
    '    #   privateKeyFile: ~/.ssh/cocoscan_ed25519',
    '    #   knownHosts: known_hosts   # record the host key first: ssh-keyscan -t ed25519 HOST > known_hosts',
    'flows:                    # every port the connection needs; any other open port is a finding',
  );
  for (const flow of answers.flows) {
    lines.push(
      `  - name: ${quote(flow.name)}`,
      `    protocol: ${quote(flow.protocol)}`,
      `    port: ${flow.port}`,
      `    transport: ${flow.transport}        # tcp (default) or udp`,
    );
  }
  lines.push(
    '# scan:                   # optional; the defaults are shown',
    '#   tcpPorts: "1-65535"',
    '#   udpTopPorts: 100       # UDP sweeps need root',
    '#   timing: 4              # nmap -T4',
    '',
  );
  const text = lines.join('\n');
  validateYaml(parseYaml(text, file, 'connection file'), connectionFileSchema, 'this is a bug in cocoscan init; please report it');
  return text;
}
