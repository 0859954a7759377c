import { describeNames } from '../../src/ssh/bounded-text.ts';
import type { Kexinit } from '../../src/ssh/wire.ts';
import { offeredData } from './algorithms.ts';
import type { PortOutcome } from './verdict.ts';

/** Compression from the first packet: an unauthenticated client reaches the server's decompressor (OpenSSH dropped it in 7.4). */
const BEFORE_LOG_ON = 'zlib';
/** Compression that starts only once the user has logged on: nothing to judge, named for the reader. */
const AFTER_LOG_ON = 'zlib@openssh.com';

/**
 * Compression the server offers in either direction: `zlib` before log-on is a finding; delayed
 * `zlib@openssh.com` (Dropbear and OpenSSH offer it) is only named; a name cocoscan does not know is named too.
 */
export function compressionOutcome(k: Kexinit): PortOutcome {
  const offered = [...new Set([...k.compressionServerToClient, ...k.compressionClientToServer])];
  const expected = `no compression before log-on (${BEFORE_LOG_ON})`;
  const actual = describeNames(offered) || 'none listed';
  const data = offeredData(offered);
  if (offered.includes(BEFORE_LOG_ON)) {
    return { status: 'fail', params: { early: BEFORE_LOG_ON }, expected, actual, data };
  }
  const unknown = offered.filter((name) => name !== 'none' && name !== AFTER_LOG_ON);
  const notes = [
    ...(offered.includes(AFTER_LOG_ON) ? [`${AFTER_LOG_ON}, which starts only after log-on`] : []),
    ...(unknown.length > 0 ? [`compression cocoscan does not know: ${describeNames(unknown, 5)}`] : []),
  ];
  const how = notes.length > 0 ? notes.join('; ') : 'none';
  return { status: 'pass', params: { how }, expected, actual, data };
}
