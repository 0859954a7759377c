import { createPublicKey } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { InputFileError, type InputProblem } from '../errors.ts';
import { checkReadable, readSafe, readSafeText, UnsafeFileError } from '../input/safe-read.ts';
import { problemAt, readYaml, validateYaml, type ParsedYaml } from '../input/yaml-input.ts';
import { splitPem } from '../tls/trust-store.ts';
import { connectionFileSchema, type ConnectionFile, type Gateway } from './schema.ts';

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
      if (splitPem(await readSafeText(absolute, { kind: 'trust-file', key: `tls.trust[${index}]` })).length === 0) {
        problems.push(problemAt(parsed, ['tls', 'trust', index], `${path} holds no PEM certificate`));
      }
    } catch (error) {
      problems.push(problemAt(parsed, ['tls', 'trust', index], `${path} ${reasonOf(error)} (looked for ${absolute})`));
    }
  }
  const gateways = [];
  for (const [index, original] of connection.gateways.entries()) {
    const gateway = { ...original, agentReports: await checkAgentReports(parsed, base, index, original, problems) };
    if (!gateway.ssh) {
      gateways.push(gateway);
      continue;
    }
    const ssh = { ...gateway.ssh };
    const at = (field: string, message: string) => problems.push(problemAt(parsed, ['gateways', index, 'ssh', field], message));
    if (ssh.passphraseEnv !== undefined && process.env[ssh.passphraseEnv] === undefined) {
      at('passphraseEnv', `the environment variable ${ssh.passphraseEnv} is not set`);
    }
    if (ssh.agent && !process.env.SSH_AUTH_SOCK) at('agent', 'SSH_AUTH_SOCK is not set, so there is no agent to use');
    if (ssh.privateKeyFile !== undefined) {
      ssh.privateKeyFile = resolvePath(base, ssh.privateKeyFile);
      const problem = await checkPrivateKey(ssh.privateKeyFile, ssh.passphraseEnv, `gateways[${index}].ssh.privateKeyFile`);
      if (problem) at('privateKeyFile', problem);
    }
    if (ssh.knownHosts !== undefined) {
      ssh.knownHosts = resolvePath(base, ssh.knownHosts);
      const knownHosts = ssh.knownHosts;
      await readSafe(knownHosts, { kind: 'known-hosts', key: `gateways[${index}].ssh.knownHosts` }).catch((error: unknown) =>
        at('knownHosts', `${knownHosts} ${reasonOf(error)}`),
      );
    }
    gateways.push({ ...gateway, ssh });
  }
  const v3 = connection.snmp.v3;
  if (v3) {
    for (const field of ['authKeyEnv', 'privKeyEnv'] as const) {
      if (process.env[v3[field]] === undefined)
        problems.push(problemAt(parsed, ['snmp', 'v3', field], `the environment variable ${v3[field]} is not set`));
    }
  }
  if (problems.length > 0) throw new InputFileError(file, problems, HINT);
  return { ...connection, gateways, tls: { ...connection.tls, trust } };
}

/** Resolves report and key paths; a missing file or an unreadable key is a problem before any probing. */
async function checkAgentReports(
  parsed: ParsedYaml,
  base: string,
  index: number,
  gateway: Gateway,
  problems: InputProblem[],
): Promise<Gateway['agentReports']> {
  const entries: Gateway['agentReports'] = [];
  for (const [i, entry] of gateway.agentReports.entries()) {
    const at = (field: string, message: string) => problems.push(problemAt(parsed, ['gateways', index, 'agentReports', i, field], message));
    const resolved = { ...entry };
    if (entry.path !== undefined) {
      resolved.path = resolvePath(base, entry.path);
      const path = resolved.path;
      await checkReadable(path, { kind: 'agent-report', key: `gateways[${index}].agentReports[${i}].path` }).catch((error: unknown) =>
        at('path', `${entry.path} ${reasonOf(error)} (looked for ${path})`),
      );
    }
    if (entry.remotePath !== undefined && !gateway.ssh)
      at('remotePath', 'a report on the gateway is fetched over SSH: give gateways[].ssh credentials too');
    if (entry.publicKey !== undefined) {
      resolved.publicKey = resolvePath(base, entry.publicKey);
      try {
        const key = createPublicKey(
          await readSafeText(resolved.publicKey, { kind: 'public-key', key: `gateways[${index}].agentReports[${i}].publicKey` }),
        );
        if (key.asymmetricKeyType !== 'ed25519')
          at('publicKey', `${entry.publicKey} is a ${key.asymmetricKeyType} key; cocoscan agent reports are signed with Ed25519`);
      } catch (error) {
        if (error instanceof UnsafeFileError) at('publicKey', `${entry.publicKey} ${reasonOf(error)}`);
        else at('publicKey', `${entry.publicKey} is not a readable public key (make one with: cocoscan agent keygen)`);
      }
    }
    entries.push(resolved);
  }
  return entries;
}

function resolvePath(base: string, path: string): string {
  return path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : resolve(base, path);
}

/** A problem with the key file, or undefined. The passphrase is read from the environment and never kept. */
async function checkPrivateKey(path: string, passphraseEnv: string | undefined, key: string): Promise<string | undefined> {
  let content: Buffer;
  try {
    content = (await readSafe(path, { kind: 'private-key', key })).content;
  } catch (error) {
    return `${path} ${reasonOf(error)}`;
  }
  const parsed = ssh2.utils.parseKey(content, passphraseEnv ? process.env[passphraseEnv] : undefined);
  if (parsed instanceof Error) {
    return /encrypted|passphrase/i.test(parsed.message) && !passphraseEnv
      ? `${path} is encrypted: name the environment variable holding its passphrase in passphraseEnv`
      : `${path} is not a usable private key (${parsed.message})`;
  }
  return undefined;
}

function reasonOf(error: unknown): string {
  return error instanceof UnsafeFileError ? `cannot be read: ${error.reason}` : 'cannot be read';
}

const HINT = 'fix each field listed, then run the check again (schema: schemas/connection.schema.json)';
