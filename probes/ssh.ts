import { setMaxListeners } from 'node:events';
import { z } from 'zod';
import type { Gateway } from '../src/connection/schema.ts';
import type { Finding, FindingStatus, FindingTarget } from '../src/findings.ts';
import { defineFindings, defineProbe, findingIds, type FindingIdOf, type ProbeContext } from '../src/probe/contract.ts';
import { UNKNOWN_ALGORITHM_REASON, isKnownAlgorithm, judgeAlgorithm, type AlgorithmJudgement, type AlgorithmKind } from '../src/ssh/algorithm-table.ts';
import { auditSshEndpoint, type SshEndpointFacts } from '../src/ssh/audit-endpoint.ts';
import { describeItems, describeNames, displayName, keepNames } from '../src/ssh/bounded-text.ts';
import { sshEvidenceText } from '../src/ssh/evidence-summary.ts';
import { greetsWithSsh } from '../src/ssh/exchange.ts';

const SSH_PROTOCOLS = new Set(['ssh', 'sftp', 'scp']);
const STRICT_KEX = 'kex-strict-s-v00@openssh.com';

const thresholds = z.strictObject({
  minRsaBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384).default(2048),
  bannedAuthMethods: z.array(z.string().min(1)).default(['password', 'keyboard-interactive']),
});
type Thresholds = z.output<typeof thresholds>;

const sshFindings = defineFindings({
  'ssh.kex': {
    severity: 'high',
    title: 'Key exchange algorithms are strong',
    messages: { pass: '{endpoint} offers key exchange {offered}', fail: '{endpoint} offers weak key exchange: {weak}' },
  },
  'ssh.host-keys': {
    severity: 'high',
    title: 'Host keys and their algorithms are strong',
    messages: { pass: '{endpoint} host keys: {keys}', fail: '{endpoint} weak host keys or algorithms: {weak}' },
  },
  'ssh.ciphers': {
    severity: 'high',
    title: 'Ciphers are strong',
    messages: { pass: '{endpoint} offers ciphers {offered}', fail: '{endpoint} offers weak ciphers: {weak}' },
  },
  'ssh.macs': {
    severity: 'high',
    title: 'MACs are strong',
    messages: { pass: '{endpoint} offers MACs {offered}', fail: '{endpoint} offers weak MACs: {weak}' },
  },
  'ssh.strict-kex': {
    severity: 'medium',
    title: 'Not open to the Terrapin attack (strict key exchange)',
    messages: {
      pass: '{endpoint} {why}',
      fail: '{endpoint} offers {exposed} without strict key exchange ({marker}): open to the Terrapin attack (CVE-2023-48795)',
    },
  },
  'ssh.algorithm-warnings': {
    severity: 'low',
    title: 'No algorithm with a warning',
    messages: { pass: '{endpoint} offers no algorithm with a warning', fail: '{endpoint} offers algorithms with warnings: {warned}' },
  },
  'ssh.auth-methods': {
    severity: 'high',
    title: 'Log-on needs keys, not passwords',
    messages: {
      pass: '{endpoint} offers an unknown user only {methods}',
      fail: '{endpoint} offers an unknown user {methods}: {banned} log-on is allowed',
    },
  },
});
type SshFindingId = FindingIdOf<typeof sshFindings>;

export default defineProbe({
  meta: {
    id: 'ssh',
    title: 'SSH algorithms, host keys and log-on methods',
    description:
      "Reads the identification and the KEXINIT every SSH service sends in clear (declared flows, and SSH services the sweep finds on other ports), " +
      'fetches each host key, and asks which log-on methods an unknown user is offered. Never tries a password.',
    reads: [],
    thresholds,
    findings: sshFindings,
  },

  async run(ctx) {
    const perGateway = await Promise.all(ctx.connection.gateways.map((gateway) => auditGateway(ctx, gateway)));
    return perGateway.flat();
  },
});

async function auditGateway(parent: ProbeContext<Thresholds, SshFindingId>, gateway: Gateway): Promise<Finding[]> {
  // One abort signal per gateway, listened to by at most its connection slots, instead of every
  // connection of every gateway listening on the run's signal.
  const scoped = new AbortController();
  setMaxListeners(4 * parent.connection.scan.connectionsPerHost + 8, scoped.signal);
  const onAbort = () => scoped.abort();
  if (parent.signal.aborted) scoped.abort();
  else parent.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await auditGatewayWith({ ...parent, signal: scoped.signal }, gateway);
  } finally {
    parent.signal.removeEventListener('abort', onAbort);
  }
}

async function auditGatewayWith(ctx: ProbeContext<Thresholds, SshFindingId>, gateway: Gateway): Promise<Finding[]> {
  const declared = ctx.connection.flows.filter((f) => f.transport === 'tcp' && SSH_PROTOCOLS.has(f.protocol));
  const audits = new Map<number, Promise<Finding[]>>();
  for (const flow of declared) audits.set(flow.port, auditPort(ctx, gateway, flow.port, flow.name));
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  const limit = ctx.connectionLimit(gateway.name);
  // SSH on ports no flow declares is audited too: as soon as the sweep announces the port, if it greets with SSH.
  const consider = (port: number) => {
    if (audits.has(port)) return;
    audits.set(port, limit(() => greetsWithSsh({ host: gateway.host, port }, Math.min(timeoutMs, 3000))).then((ssh) => (ssh ? auditPort(ctx, gateway, port) : [])));
  };
  const sweeping = ctx.facts.sweepIfEnabled(gateway);
  if (ctx.facts.deps.sweepEnabled) ctx.facts.onOpenPort(gateway, (p) => p.transport === 'tcp' && consider(p.port));
  const sweep = await sweeping;
  // Whatever the sweep identified as SSH and no announcement started (a port found in the last moment).
  for (const port of (sweep?.host?.ports ?? []).filter((p) => p.protocol === 'tcp' && p.state === 'open' && p.service?.name === 'ssh')) consider(port.port);
  const findings = (await Promise.all(audits.values())).flat();
  if (findings.length > 0) return findings;
  const target = { gateway: gateway.name, host: gateway.host };
  return findingIds(sshFindings).map((id) =>
    ctx.finding({ id, target, status: 'not_applicable', params: { reason: 'no SSH service is declared or was found by the sweep' }, evidence: { source: 'cocoscan SSH probe', expected: 'SSH services to audit', actual: 'none' } }),
  );
}

async function auditPort(ctx: ProbeContext<Thresholds, SshFindingId>, gateway: Gateway, port: number, flow?: string): Promise<Finding[]> {
  const facts = await auditSshEndpoint(
    { host: gateway.host, port },
    { timeoutMs: ctx.connection.scan.probeTimeoutSeconds * 1000, limit: ctx.connectionLimit(gateway.name), signal: ctx.signal },
  );
  return judge(ctx, gateway, port, flow, facts);
}

/** "host key", or "certificate key" for the key an OpenSSH certificate carries. */
const keyKind = (key: { type: string; keyType: string }) => (key.type === key.keyType ? 'host key' : `certificate key (${key.type})`);

function judge(ctx: ProbeContext<Thresholds, SshFindingId>, gateway: Gateway, port: number, flow: string | undefined, facts: SshEndpointFacts): Finding[] {
  const t = ctx.thresholds;
  const target: FindingTarget = { gateway: gateway.name, host: gateway.host, port, transport: 'tcp', ...(flow ? { flow } : {}) };
  const endpoint = `${flow ?? 'undeclared SSH'} (${gateway.host}:${port})`;
  const artefact = ctx.evidence.add([gateway.name, `ssh-${port}.json`], sshEvidenceText(facts));
  const source = `cocoscan SSH probe (${facts.hello?.ident ?? 'no identification'})`;
  const make = (id: SshFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, data?: Record<string, unknown>) =>
    ctx.finding({
      id,
      target,
      status,
      params: { endpoint, ...params },
      evidence: { source, expected, actual, raw: facts.hello ? `${facts.hello.ident}${facts.hello.preamble.length ? `\n(preceded by ${facts.hello.preamble.length} line(s))` : ''}` : undefined, artefacts: [artefact] },
      data,
    });

  if (!facts.hello) {
    const reason = facts.helloError ?? 'no SSH identification';
    return findingIds(sshFindings).map((id) => make(id, 'error', { reason }, 'an SSH server', reason));
  }
  const k = facts.hello.kexinit;
  const offered: Record<AlgorithmKind, string[]> = {
    kex: [...new Set(k.kex)],
    hostKey: [...new Set(k.hostKey)],
    cipher: [...new Set([...k.encryptionServerToClient, ...k.encryptionClientToServer])],
    mac: [...new Set([...k.macServerToClient, ...k.macClientToServer])],
  };
  const judged = Object.fromEntries(
    (Object.keys(offered) as AlgorithmKind[]).map((kind) => [kind, offered[kind].map((name) => judgeAlgorithm(kind, name))]),
  ) as Record<AlgorithmKind, AlgorithmJudgement[]>;
  // Messages, `actual` and data repeat at most a fixed number of names, each shortened: a server offering
  // hundreds of made-up algorithms must not make every finding hundreds of kilobytes.
  const list = (items: AlgorithmJudgement[]) => describeItems(items, (j) => `${displayName(j.name)} (${j.reason})`);
  const offeredData = (names: string[]) => {
    const kept = keepNames(names);
    return { offered: kept.names, ...(kept.omitted ? { offeredOmitted: kept.omitted } : {}) };
  };
  const findings: Finding[] = [];

  const category = (id: SshFindingId, kind: AlgorithmKind, expected: string) => {
    const weak = judged[kind].filter((j) => j.verdict === 'fail');
    const actual = describeNames(offered[kind]);
    findings.push(
      weak.length > 0
        ? make(id, 'fail', { weak: list(weak) }, expected, actual, { weak: weak.map((w) => w.name), ...offeredData(offered[kind]) })
        : make(id, 'pass', { offered: describeNames(judged[kind].filter((j) => j.verdict !== 'info').map((j) => j.name)) }, expected, actual, offeredData(offered[kind])),
    );
  };
  category('ssh.kex', 'kex', 'no SHA-1, 1024-bit or weak-curve key exchange');
  category('ssh.ciphers', 'cipher', 'no CBC, 3DES, RC4 or unencrypted cipher');
  category('ssh.macs', 'mac', 'no MD5, plain SHA-1 or short-tag MAC');

  // Host keys: the offered algorithms, and each key's own type and size.
  const weakKeys = [
    ...judged.hostKey.filter((j) => j.verdict === 'fail').map((j) => `${j.name} (${j.reason})`),
    ...facts.hostKeys.filter((key) => key.keyType === 'ssh-rsa' && key.bits < t.minRsaBits).map((key) => `RSA ${keyKind(key)} of ${key.bits} bits (under ${t.minRsaBits})`),
    ...facts.hostKeys.filter((key) => key.keyType === 'ssh-dss').map((key) => `DSA ${keyKind(key)} (${key.bits} bits)`),
    ...facts.hostKeys.filter((key) => key.signedBy?.type === 'ssh-rsa' && key.signedBy.bits < t.minRsaBits).map((key) => `${key.type} signed by an RSA authority key of ${key.signedBy!.bits} bits (under ${t.minRsaBits})`),
    ...facts.hostKeys.filter((key) => key.signedBy?.type === 'ssh-dss').map((key) => `${key.type} signed by a DSA authority key`),
  ];
  const keyText = facts.hostKeys.map((key) => `${key.type} ${key.bits} bits ${key.fingerprint}${key.signedBy ? ` (signed by ${key.signedBy.type} ${key.signedBy.bits} bits)` : ''}`).join('; ');
  // A small RSA key makes every RSA signature algorithm that uses it weak, whatever its hash.
  const smallRsa = facts.hostKeys.some((key) => key.keyType === 'ssh-rsa' && key.bits < t.minRsaBits);
  const weakAlgorithms = offered.hostKey.filter((name) => judgeAlgorithm('hostKey', name).verdict === 'fail' || (smallRsa && isKnownAlgorithm('hostKey', name) && /^(rsa-sha2-|ssh-rsa)/.test(name)));
  const plan = facts.hostKeyPlan;
  const notFetched = plan?.unknown ?? [];
  const unread = [
    ...facts.hostKeyErrors,
    ...(notFetched.length > 0 ? [`${notFetched.length} offered host-key algorithm(s) cocoscan does not know, so their keys were not fetched and their sizes are unread: ${describeNames(notFetched, 5)}`] : []),
    ...(plan && plan.overCap.length > 0 ? [`not fetched (at most ${plan.queries.length} host keys per port): ${describeNames(plan.overCap)}`] : []),
    ...(plan && plan.unreadable.length > 0 ? [`offered in a format whose key cocoscan cannot read (check by hand): ${describeNames(plan.unreadable)}`] : []),
    ...facts.hostKeys.filter((key) => key.type !== key.keyType && !key.signedBy).map((key) => `the authority key that signed ${key.type} ${key.fingerprint} is of a type whose size cocoscan cannot read`),
  ];
  const keyData = { hostKeys: facts.hostKeys, errors: facts.hostKeyErrors, weak: weakAlgorithms, ...(notFetched.length > 0 ? { notFetched: keepNames(notFetched, 16) } : {}) };
  const keyExpected = `Ed25519 or RSA of at least ${t.minRsaBits} bits with SHA-2 signatures`;
  const keyActual = keyText || describeNames(offered.hostKey);
  if (weakKeys.length > 0) findings.push(make('ssh.host-keys', 'fail', { weak: weakKeys.join('; ') }, keyExpected, keyActual, keyData));
  else if (facts.hostKeys.length === 0 || unread.length > 0) {
    findings.push(make('ssh.host-keys', 'error', { reason: `host keys could not be read: ${unread.join('; ') || 'none offered'}` }, keyExpected, keyText || 'none', keyData));
  } else findings.push(make('ssh.host-keys', 'pass', { keys: keyText }, keyExpected, keyText, keyData));

  // Terrapin: ChaCha20-Poly1305, or any encrypt-then-MAC MAC, without strict key exchange.
  const exposed = [...offered.cipher.filter((c) => c === 'chacha20-poly1305@openssh.com'), ...offered.mac.filter((m) => m.includes('-etm@'))];
  const strict = offered.kex.includes(STRICT_KEX);
  if (!strict && exposed.length > 0) findings.push(make('ssh.strict-kex', 'fail', { exposed: describeNames(exposed), marker: STRICT_KEX }, `${STRICT_KEX} offered`, 'not offered'));
  else findings.push(make('ssh.strict-kex', 'pass', { why: strict ? `offers strict key exchange (${STRICT_KEX})` : 'offers neither ChaCha20-Poly1305 nor encrypt-then-MAC, so Terrapin does not apply' }, `${STRICT_KEX} offered`, strict ? 'offered' : 'not needed'));

  const warnedAll = (Object.values(judged) as AlgorithmJudgement[][]).flat().filter((j) => j.verdict === 'warn');
  const warnedKnown = warnedAll.filter((j) => j.known);
  const unknown = warnedAll.filter((j) => !j.known);
  const warnedText = [
    ...(warnedKnown.length > 0 ? [list(warnedKnown)] : []),
    ...(unknown.length > 0 ? [`${unknown.length} algorithm(s) ${UNKNOWN_ALGORITHM_REASON}: ${describeNames(unknown.map((j) => j.name), 5)}`] : []),
  ].join('; ');
  findings.push(warnedAll.length > 0 ? make('ssh.algorithm-warnings', 'fail', { warned: warnedText }, 'no algorithm with a warning', warnedText) : make('ssh.algorithm-warnings', 'pass', {}, 'no algorithm with a warning', 'none'));

  const auth = facts.auth;
  const authExpected = `no ${t.bannedAuthMethods.join(' or ')} log-on`;
  if (!auth || !auth.ok) {
    findings.push(make('ssh.auth-methods', 'error', { reason: auth?.reason ?? 'not asked' }, authExpected, 'unknown'));
  } else {
    const banned = auth.methods.filter((m) => t.bannedAuthMethods.includes(m) || m === 'none');
    const methods = describeNames(auth.methods) || 'no method at all';
    const methodData = keepNames(auth.methods, 16).names;
    findings.push(
      banned.length > 0
        ? make('ssh.auth-methods', 'fail', { methods, banned: banned.slice(0, 8).map(displayName).join(' and ') }, authExpected, methods, { methods: methodData })
        : make('ssh.auth-methods', 'pass', { methods }, authExpected, methods, { methods: methodData }),
    );
  }
  return findings;
}
