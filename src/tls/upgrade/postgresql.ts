import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';

/** The SSLRequest message: length 8, then the request code 1234/5679 (PostgreSQL protocol, "SSL Session Encryption"). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** PostgreSQL: SSLRequest, answered by one byte, S (go on with TLS) or N (no TLS). */
export async function upgradePostgresql(talk: PlainConversation): Promise<void> {
  talk.write(SSL_REQUEST);
  const [answer] = await talk.readBytes(1);
  if (answer === 0x53 /* S */) return;
  if (answer === 0x4e /* N */)
    throw new TlsUpgradeError('not-offered', 'answers its SSLRequest with N (no TLS): log-ons and queries travel in clear text');
  // An ErrorResponse (E) comes from servers too old for SSLRequest; anything else is not PostgreSQL.
  throw new TlsUpgradeError(
    answer === 0x45 ? 'refused' : 'broken',
    answer === 0x45
      ? 'answers its SSLRequest with an error'
      : `the answer to SSLRequest is not PostgreSQL (byte 0x${answer!.toString(16)})`,
  );
}
