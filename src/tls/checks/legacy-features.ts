/**
 * One ClientHello below TLS 1.3 that asks for everything the single checks read from a ServerHello: DEFLATE
 * offered (CRIME), renegotiation_info (RFC 5746), signed_certificate_timestamp, heartbeat. When the server
 * agrees to heartbeats, one heartbeat request claiming 16384 payload bytes and sending none follows the
 * server's flight (as testssl.sh and nmap's ssl-heartbleed do); only the reply's record header is read.
 */
import { candidateSuites } from '../enumerate.ts';
import type { Endpoint } from '../hello-exchange.ts';
import { ALERT_NAMES, buildClientHello } from '../wire.ts';
import { ALL_GROUP_CODES } from '../groups.ts';
import { EXT, HANDSHAKE, OFFER, parseCheckServerHello, readRecords, RECORD, type CheckServerHello } from './check-hello.ts';
import { converse, type ConversationEnd } from './raw-conversation.ts';

export const DEFLATE = 1;
/** The heartbeat request: type 1 (request), payload_length 0x4000, and no payload at all. */
const HEARTBEAT_REQUEST_BODY = Buffer.from([1, 0x40, 0x00]);

export type HeartbeatAnswer =
  /** The server did not echo the heartbeat extension: no request was sent. */
  | 'not-supported'
  /** A request was sent and nothing came back longer than it (a reply no longer than it, an alert, or silence). */
  | 'no-overread'
  /** A request was sent and the server reset or closed the connection: no evidence either way. */
  | 'unclear'
  /** A heartbeat reply longer than the request: the server read past what was sent (Heartbleed). */
  | 'overread';

export type LegacyFeatures =
  | {
      status: 'answered';
      /** The ServerHello's version code (0x0300 … 0x0303). */
      version: number;
      suite: number;
      compression: number;
      secureRenegotiation: boolean;
      heartbeat: HeartbeatAnswer;
      heartbeatDetail: string;
      /** SCTs in the signed_certificate_timestamp extension; undefined when the server did not send it. */
      sctExtensionCount?: number;
    }
  /** The server refused the hello (an alert or a hang-up): e.g. it accepts TLS 1.3 only. */
  | { status: 'refused'; detail: string }
  | { status: 'error'; detail: string };

export interface LegacyFeatureOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

const MAX_FLIGHT_BYTES = 256 * 1024;

export async function probeLegacyFeatures(endpoint: Endpoint, options: LegacyFeatureOptions): Promise<LegacyFeatures> {
  // renegotiation_info (RFC 5746) is in every hello buildClientHello makes.
  const hello = buildClientHello({
    version: 0x0303,
    suites: candidateSuites('TLSv1.2'),
    groups: ALL_GROUP_CODES,
    compression: [DEFLATE, 0],
    serverName: endpoint.serverName,
    extensions: [
      [EXT.signedCertificateTimestamp, OFFER.signedCertificateTimestamp],
      [EXT.heartbeat, OFFER.heartbeat],
    ],
  });
  let serverHello: CheckServerHello | undefined;
  const sentAt = Date.now();
  /** Where the bytes after the server's flight start, once the heartbeat request is sent. */
  let heartbeatFrom: number | undefined;
  const answered = (heartbeat: HeartbeatAnswer, heartbeatDetail: string): LegacyFeatures => {
    const hello = serverHello!;
    const sct = hello.extensions.get(EXT.signedCertificateTimestamp);
    return {
      status: 'answered',
      version: hello.version,
      suite: hello.suite,
      compression: hello.compression,
      secureRenegotiation: hello.extensions.has(EXT.renegotiationInfo),
      heartbeat,
      heartbeatDetail,
      ...(sct ? { sctExtensionCount: countSignedTimestamps(sct) } : {}),
    };
  };
  const result = await converse<LegacyFeatures>(
    endpoint,
    hello,
    {
      data(received, write, shorten) {
        if (heartbeatFrom !== undefined) {
          const { items } = readRecords(received.subarray(heartbeatFrom), new Set([RECORD.heartbeat]));
          for (const item of items) {
            if (item.kind === 'header' && item.header.type === RECORD.heartbeat) {
              const sent = HEARTBEAT_REQUEST_BODY.length;
              return item.header.length > sent
                ? answered('overread', `a heartbeat reply of ${item.header.length} bytes to a request of ${sent} bytes`)
                : answered('no-overread', `a heartbeat reply of ${item.header.length} bytes, no longer than the request`);
            }
            if (item.kind === 'alert') return answered('no-overread', `alert ${alertName(item.description)} to the heartbeat request`);
          }
          return undefined;
        }
        const { items } = readRecords(received);
        for (const item of items) {
          if (item.kind === 'alert') {
            if (!serverHello) return { status: 'refused', detail: `alert ${alertName(item.description)}` };
            return { status: 'error', detail: `alert ${alertName(item.description)} in the middle of the server's first flight` };
          }
          if (item.kind !== 'handshake') continue;
          if (item.type === HANDSHAKE.serverHello) serverHello ??= parseCheckServerHello(item.body);
          if (item.type === HANDSHAKE.serverHelloDone && serverHello) {
            if (!serverHello.extensions.has(EXT.heartbeat)) return answered('not-supported', 'the server does not offer heartbeats');
            heartbeatFrom = received.length;
            // A patched server discards the request silently (RFC 6520 4): four flight times (at least a second) will do.
            shorten(Math.max(1000, 4 * (Date.now() - sentAt)));
            const version = Buffer.from([serverHello.version >> 8, serverHello.version & 0xff]);
            write(
              Buffer.concat([
                Buffer.from([RECORD.heartbeat]),
                version,
                Buffer.from([0, HEARTBEAT_REQUEST_BODY.length]),
                HEARTBEAT_REQUEST_BODY,
              ]),
            );
            return undefined;
          }
        }
        return undefined;
      },
      end(how: ConversationEnd) {
        // Silence is what RFC 6520 asks of a server that drops a bad request; a hang-up proves nothing either way.
        if (heartbeatFrom !== undefined)
          return answered(how === 'timeout' ? 'no-overread' : 'unclear', `${describeEnd(how)} after the heartbeat request`);
        if (serverHello) return { status: 'error', detail: `${describeEnd(how)} before the server's first flight was complete` };
        return how === 'timeout'
          ? { status: 'error', detail: 'no answer to the ClientHello' }
          : { status: 'refused', detail: describeEnd(how) };
      },
    },
    { timeoutMs: options.timeoutMs, maxBytes: MAX_FLIGHT_BYTES, signal: options.signal },
  );
  return result.failure !== undefined ? { status: 'error', detail: result.failure } : result.value;
}

export function alertName(description: number): string {
  return ALERT_NAMES.get(description) ?? `alert ${description}`;
}

export function describeEnd(how: ConversationEnd): string {
  return { closed: 'the server closed the connection', reset: 'the server reset the connection', timeout: 'no answer in time' }[how];
}

/** The number of SCTs in a SignedCertificateTimestampList (RFC 6962 3.3): u16 total, then u16-long entries. */
export function countSignedTimestamps(list: Buffer): number {
  if (list.length < 2) return 0;
  const total = Math.min(list.readUInt16BE(0), list.length - 2);
  let offset = 2;
  let count = 0;
  while (offset + 2 <= 2 + total) {
    const length = list.readUInt16BE(offset);
    offset += 2 + length;
    if (offset > 2 + total) break;
    count += 1;
  }
  return count;
}
