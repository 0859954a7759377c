import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';
import { lineForMessage } from './line-replies.ts';

const START_TLS_OID = '1.3.6.1.4.1.1466.20037';
/** LDAPMessage { messageID 1, ExtendedRequest [APPLICATION 23] { requestName [0] StartTLS OID } } (RFC 4511 §4.14). */
const START_TLS_REQUEST = Buffer.concat([Buffer.from([0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]), Buffer.from(START_TLS_OID)]);
/** An LDAP answer to one extended request is small; a longer one is not an answer to it. */
const MAX_RESPONSE_BYTES = 16 * 1024;

const RESULT_NAMES = new Map<number, string>([
  [1, 'operationsError'],
  [2, 'protocolError'],
  [12, 'unavailableCriticalExtension'],
  [51, 'busy'],
  [52, 'unavailable'],
  [53, 'unwillingToPerform'],
  [80, 'other'],
]);

/** LDAP: the StartTLS extended operation, answered by an ExtendedResponse whose resultCode 0 means go on with TLS. */
export async function upgradeLdap(talk: PlainConversation): Promise<void> {
  talk.write(START_TLS_REQUEST);
  const message = await readBerElement(talk);
  const response = parseExtendedResponse(message);
  if (response.resultCode === 0) return;
  const name = RESULT_NAMES.get(response.resultCode) ?? `result ${response.resultCode}`;
  const said = response.diagnostic ? ` "${lineForMessage(response.diagnostic)}"` : '';
  throw new TlsUpgradeError(
    response.resultCode === 2 ? 'not-offered' : 'refused',
    `${response.resultCode === 2 ? 'offers no' : 'refuses'} StartTLS: ${name}${said}` +
      (response.resultCode === 2 ? ': binds and directory data travel in clear text' : ''),
  );
}

/** One BER element (tag, length, contents), read whole, with a definite length of at most MAX_RESPONSE_BYTES. */
async function readBerElement(talk: PlainConversation): Promise<Buffer> {
  const head = await talk.readBytes(2);
  if (head[0] !== 0x30) throw new TlsUpgradeError('broken', `the answer to StartTLS is not LDAP (first byte 0x${head[0]!.toString(16)})`);
  let length = head[1]!;
  const lengthBytes = length & 0x80 ? length & 0x7f : 0;
  if (lengthBytes > 3 || (length & 0x80 && lengthBytes === 0))
    throw new TlsUpgradeError('broken', 'the answer to StartTLS has a length LDAP does not use');
  if (lengthBytes > 0) length = [...(await talk.readBytes(lengthBytes))].reduce((sum, byte) => sum * 256 + byte, 0);
  if (length > MAX_RESPONSE_BYTES) throw new TlsUpgradeError('broken', `the answer to StartTLS claims ${length} bytes`);
  return talk.readBytes(length);
}

interface ExtendedResponse {
  resultCode: number;
  diagnostic?: string;
}

/** Reads messageID, then the ExtendedResponse's resultCode and diagnosticMessage. */
export function parseExtendedResponse(body: Buffer): ExtendedResponse {
  const reader = new BerReader(body);
  reader.element(0x02); // messageID (0 for a notice of disconnection, which still carries a resultCode)
  const op = new BerReader(reader.element(0x78, 'an ExtendedResponse'));
  const code = op.element(0x0a, 'a resultCode');
  const resultCode = code.reduce((sum, byte) => sum * 256 + byte, 0);
  op.element(0x04, 'a matchedDN');
  const diagnostic = op.element(0x04, 'a diagnosticMessage').toString('utf8');
  return { resultCode, ...(diagnostic ? { diagnostic } : {}) };
}

/** Definite-length BER elements inside an already bounded buffer. */
class BerReader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}

  element(tag: number, what = 'an element'): Buffer {
    const found = this.bytes[this.at];
    if (found !== tag) throw new TlsUpgradeError('broken', `the answer to StartTLS is not an LDAP ExtendedResponse (expected ${what})`);
    let length = this.bytes[this.at + 1];
    let start = this.at + 2;
    if (length !== undefined && length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 3) throw new TlsUpgradeError('broken', 'the answer to StartTLS has a length LDAP does not use');
      length = [...this.bytes.subarray(start, start + count)].reduce((sum, byte) => sum * 256 + byte, 0);
      start += count;
    }
    if (length === undefined || start + length > this.bytes.length)
      throw new TlsUpgradeError('broken', 'the answer to StartTLS is cut short');
    this.at = start + length;
    return this.bytes.subarray(start, start + length);
  }
}
