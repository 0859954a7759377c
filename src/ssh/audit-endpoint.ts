import type { LimitFunction } from 'p-limit';
import { offeredAuthMethods, type AuthMethodsResult } from './auth-methods.ts';
import { fetchHostKey, readServerHello, type HostKey, type SshEndpoint, type SshHello } from './exchange.ts';

export interface SshEndpointFacts {
  endpoint: SshEndpoint;
  hello?: SshHello;
  helloError?: string;
  hostKeys: HostKey[];
  hostKeyErrors: string[];
  auth?: AuthMethodsResult;
  durationMs: number;
}

/** Host-key algorithms that share one key: asking for one of each group is enough. */
export function hostKeyQueries(offered: string[]): string[] {
  const rsa = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].find((a) => offered.includes(a));
  const others = offered.filter((a) => !a.includes('-cert-') && !a.startsWith('sk-') && !a.startsWith('rsa-sha2-') && a !== 'ssh-rsa');
  return [...others, ...(rsa ? [rsa] : [])];
}

/** Everything the SSH probe judges about one endpoint, with a bounded number of connections. */
export async function auditSshEndpoint(endpoint: SshEndpoint, options: { timeoutMs: number; limit: LimitFunction; signal: AbortSignal }): Promise<SshEndpointFacts> {
  const started = Date.now();
  const exchangeOptions = { timeoutMs: options.timeoutMs, signal: options.signal };
  const facts: SshEndpointFacts = { endpoint, hostKeys: [], hostKeyErrors: [], durationMs: 0 };
  const hello = await options.limit(() => readServerHello(endpoint, exchangeOptions));
  if (!hello.ok) {
    facts.helloError = hello.reason;
    facts.durationMs = Date.now() - started;
    return facts;
  }
  facts.hello = hello.value;
  const [keys, auth] = await Promise.all([
    Promise.all(hostKeyQueries(hello.value.kexinit.hostKey).map((algorithm) => options.limit(() => fetchHostKey(endpoint, hello.value.kexinit, algorithm, exchangeOptions)))),
    options.limit(() => offeredAuthMethods(endpoint, exchangeOptions)),
  ]);
  for (const key of keys) {
    if (key.ok) facts.hostKeys.push(key.value);
    else facts.hostKeyErrors.push(key.reason);
  }
  facts.auth = auth;
  facts.durationMs = Date.now() - started;
  return facts;
}
