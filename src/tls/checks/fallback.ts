/**
 * TLS_FALLBACK_SCSV (RFC 7507): a ClientHello for a version below the highest the server accepts, carrying the
 * SCSV, must be refused with inappropriate_fallback, so that an attacker cannot push a client down by
 * breaking its first handshakes.
 */
import { candidateSuites } from '../enumerate.ts';
import { helloExchange, type Endpoint } from '../hello-exchange.ts';
import { VERSION_CODE, versionRank, type TlsVersion } from '../versions.ts';
import { buildClientHello } from '../wire.ts';

const FALLBACK_SCSV = 0x5600;
const INAPPROPRIATE_FALLBACK = 86;

export type FallbackAnswer =
  /** No version below the highest is accepted: there is nothing to fall back to. */
  | { status: 'no-lower-version'; highest: TlsVersion }
  | { status: 'refused'; highest: TlsVersion; offered: TlsVersion }
  | { status: 'accepted'; highest: TlsVersion; offered: TlsVersion }
  /** Another alert or a hang-up: not the signal RFC 7507 asks for, and not a handshake either. */
  | { status: 'other'; highest: TlsVersion; offered: TlsVersion; detail: string }
  | { status: 'unclear'; highest: TlsVersion; offered: TlsVersion; detail: string }
  | { status: 'error'; detail: string };

/** Sends the fallback hello for the version just below the highest accepted; `accepted` is in any order. */
export async function probeFallback(
  endpoint: Endpoint,
  accepted: readonly TlsVersion[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<FallbackAnswer> {
  const ranked = [...accepted].sort((a, b) => versionRank(b) - versionRank(a));
  const [highest, lower] = ranked;
  if (!highest) return { status: 'error', detail: 'no version accepted' };
  if (!lower) return { status: 'no-lower-version', highest };
  const hello = buildClientHello({
    version: VERSION_CODE[lower],
    suites: [...candidateSuites(lower), FALLBACK_SCSV],
    groups: [29, 23, 24, 25],
    serverName: endpoint.serverName,
  });
  const outcome = await helloExchange(endpoint, hello, { timeoutMs: options.timeoutMs, signal: options.signal });
  switch (outcome.kind) {
    case 'alert':
      return outcome.alert.description === INAPPROPRIATE_FALLBACK
        ? { status: 'refused', highest, offered: lower }
        : { status: 'other', highest, offered: lower, detail: `alert ${outcome.name}` };
    case 'hello':
      return { status: 'accepted', highest, offered: lower };
    // A hang-up or reset is no refusal of the fallback: a rate limiter or an IPS does the same to any hello.
    case 'closed':
      return { status: 'unclear', highest, offered: lower, detail: outcome.detail };
    case 'failed':
      return { status: 'error', detail: outcome.reason };
  }
}
