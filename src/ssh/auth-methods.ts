import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';

// ssh2 is CommonJS; Node's ESM loader only sees its default export.
const { Client } = ssh2;
import type { SshEndpoint } from './exchange.ts';
import { everySsh2Algorithm } from './ssh2-algorithms.ts';
import { displayText } from './bounded-text.ts';
import { hostPort } from '../host-port.ts';

export type AuthMethodsResult = { ok: true; methods: string[]; user: string } | { ok: false; reason: string };

/**
 * The authentication methods the server offers to a user it does not know: one `none` attempt, whose
 * failure lists them (RFC 4252 5.2). No password or key is ever tried.
 */
export function offeredAuthMethods(
  endpoint: SshEndpoint,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<AuthMethodsResult> {
  return new Promise((resolve) => {
    const user = `cocoscan-probe-${randomBytes(4).toString('hex')}`;
    const client = new Client();
    let done = false;
    const finish = (result: AuthMethodsResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      client.end();
      client.destroy();
      resolve(result);
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
