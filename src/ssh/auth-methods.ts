import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';

// ssh2 is CommonJS; Node's ESM loader only sees its default export.
const { Client } = ssh2;
import type { SshEndpoint } from './exchange.ts';
import { everySsh2Algorithm } from './ssh2-algorithms.ts';
import { displayText } from './bounded-text.ts';
import { hostPort } from '../host-port.ts';

/**
 * `untestable`: cocoscan cannot ask at all (no key exchange both sides know), so the methods are not tested;
 * any other failure is the server's (refused, stalled, closed).
 */
export type AuthMethodsResult =
  { ok: true; methods: string[]; user: string } | { ok: false; reason: string; untestable?: true; user?: string };

/** A user name cocoscan makes up, so that the server cannot know it. */
export const unknownUser = () => `cocoscan-probe-${randomBytes(4).toString('hex')}`;

/**
 * Why ssh2 cannot log on to a server offering these key exchanges (none of them is one ssh2 knows), or
 * undefined when it can.
 */
export function unnegotiableKex(serverKex: readonly string[]): string | undefined {
  const known = everySsh2Algorithm().kex;
  // Without ssh2's own list, let it try: its failure is then the server's, reported as an error.
  if (!known || serverKex.some((k) => (known as readonly string[]).includes(k))) return undefined;
  const offered = serverKex.filter((k) => !k.startsWith('ext-info-') && !k.startsWith('kex-strict-'));
  return (
    `the server offers only key exchange the SSH client library cannot complete (${offered
      .slice(0, 8)
      .map((k) => displayText(k, 60))
      .join(', ')}), ` +
    "so no log-on could be attempted: the methods are not tested (check them on the gateway, or with the host probe's sshd -T)"
  );
}

/**
 * Whether ssh2 would have to use Diffie-Hellman group exchange: it then checks the server's prime with
 * createDiffieHellman, which holds the event loop for seconds, so such connections are made one at a time.
 */
export function onlyGroupExchange(serverKex: readonly string[]): boolean {
  const known = (everySsh2Algorithm().kex ?? []) as readonly string[];
  const usable = serverKex.filter((k) => known.includes(k));
  return usable.length > 0 && usable.every((k) => k.startsWith('diffie-hellman-group-exchange-'));
}

/**
 * The authentication methods the server offers to a user (by default one it does not know): one `none`
 * attempt, whose failure lists them (RFC 4252 5.2). No password or key is ever tried.
 */
export function offeredAuthMethods(
  endpoint: SshEndpoint,
  options: { timeoutMs: number; signal?: AbortSignal; user?: string },
): Promise<AuthMethodsResult> {
  return new Promise((resolve) => {
    const user = options.user ?? unknownUser();
    const client = new Client();
    let done = false;
    const finish = (result: AuthMethodsResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      client.end();
      client.destroy();
      resolve(result.ok ? result : { ...result, user });
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          reason:
            `${hostPort(endpoint.host, endpoint.port)} did not answer the authentication request within ${options.timeoutMs / 1000} s ` +
            '(scan.probeTimeoutSeconds): check the SSH server, or raise scan.probeTimeoutSeconds for a slow link',
        }),
      options.timeoutMs,
    );
    const onAbort = () => finish({ ok: false, reason: 'the run was cancelled' });
    if (options.signal?.aborted) return finish({ ok: false, reason: 'the run was cancelled' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', (error: Error & { level?: string }) =>
      finish({ ok: false, reason: `the SSH session could not be set up: ${displayText(error.message, 300)}` }),
    );
    // Being let in with no authentication at all is the worst answer: it is reported as the method `none`.
    client.on('ready', () => finish({ ok: true, methods: ['none'], user }));
    client.on('close', () => finish({ ok: false, reason: 'the server closed the connection before answering' }));
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: user,
      readyTimeout: options.timeoutMs,
      algorithms: everySsh2Algorithm(),
      hostVerifier: () => true,
      authHandler: (methodsLeft, _partial, next) => {
        if (methodsLeft === null) return next({ type: 'none', username: user });
        finish({ ok: true, methods: [...methodsLeft], user });
        return next(false as never);
      },
    });
  });
}
