/** The per-port SSH evidence file: what the server sent and what cocoscan read, bounded in size. */
import type { SshEndpointFacts } from './audit-endpoint.ts';
import { displayText, keepNames } from './bounded-text.ts';
import type { Kexinit } from './wire.ts';

/** Largest SSH evidence file per port; a larger summary is cut down and marked truncated. */
export const MAX_SSH_EVIDENCE_BYTES = 64 * 1024;
const MAX_PREAMBLE_LINES = 20;
const MAX_REASON_CHARS = 600;

const LISTS = [
  'kex',
  'hostKey',
  'encryptionClientToServer',
  'encryptionServerToClient',
  'macClientToServer',
  'macServerToClient',
  'compressionClientToServer',
  'compressionServerToClient',
] as const;

function boundedKexinit(kexinit: Kexinit, maxNames: number) {
  const lists: Record<string, unknown> = { cookie: kexinit.cookie, firstKexFollows: kexinit.firstKexFollows };
  const omitted: Record<string, number> = {};
  for (const name of LISTS) {
    const kept = keepNames(kexinit[name], maxNames);
    lists[name] = kept.names;
    if (kept.omitted) omitted[name] = kept.omitted;
  }
  return { lists, omitted };
}

const boundedAuth = (auth: SshEndpointFacts['auth']) => (auth?.ok ? { ...auth, methods: keepNames(auth.methods, 16).names } : auth);

function build(facts: SshEndpointFacts, maxNames: number): { summary: Record<string, unknown>; truncated: boolean } {
  const hello = facts.hello;
  const kexinit = hello ? boundedKexinit(hello.kexinit, maxNames) : undefined;
  const preamble = hello?.preamble ?? [];
  const plan = facts.hostKeyPlan;
  const notFetched = plan ? keepNames(plan.unknown, maxNames) : undefined;
  const truncated =
    (kexinit !== undefined && Object.keys(kexinit.omitted).length > 0) ||
    preamble.length > MAX_PREAMBLE_LINES ||
    (notFetched?.omitted ?? 0) > 0;
  const summary: Record<string, unknown> = {
    endpoint: facts.endpoint,
    durationMs: facts.durationMs,
    connections: facts.connections,
    identification: hello?.ident,
    preamble: preamble.slice(0, MAX_PREAMBLE_LINES).map((line) => displayText(line, 255)),
    ...(preamble.length > MAX_PREAMBLE_LINES ? { preambleLines: preamble.length } : {}),
    helloError: facts.helloError,
    kexinit: kexinit?.lists,
    ...(kexinit && Object.keys(kexinit.omitted).length > 0 ? { kexinitOmitted: kexinit.omitted } : {}),
    hostKeys: facts.hostKeys,
    hostKeyErrors: facts.hostKeyErrors.map((reason) => displayText(reason, MAX_REASON_CHARS)),
    hostKeysNotFetched: notFetched
      ? {
          unknownAlgorithms: notFetched.names,
          ...(notFetched.omitted ? { omitted: notFetched.omitted } : {}),
          overCap: plan!.overCap,
          unreadable: plan!.unreadable,
        }
      : undefined,
    authMethods: boundedAuth(facts.auth),
    ...(facts.userAuth?.length ? { userAuthMethods: facts.userAuth.map(boundedAuth) } : {}),
  };
  return { summary, truncated };
}

/**
 * The evidence file's text: lists cut to a fixed number of names, and the whole kept under
 * MAX_SSH_EVIDENCE_BYTES. Whatever was cut is counted and the file says `"truncated": true`.
 */
export function sshEvidenceText(facts: SshEndpointFacts): string {
  for (const maxNames of [64, 16, 4]) {
    const { summary, truncated } = build(facts, maxNames);
    const text = JSON.stringify(truncated ? { truncated: true, ...summary } : summary, null, 2);
    if (Buffer.byteLength(text) <= MAX_SSH_EVIDENCE_BYTES) return text;
  }
  return JSON.stringify(
    {
      truncated: true,
      endpoint: facts.endpoint,
      identification: facts.hello?.ident,
      note: `the summary exceeded ${MAX_SSH_EVIDENCE_BYTES} bytes even cut down`,
    },
    null,
    2,
  );
}
