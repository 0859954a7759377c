import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';

const CLIENT_SSL = 0x0800;
const CLIENT_PROTOCOL_41 = 0x0200;
const CLIENT_SECURE_CONNECTION = 0x8000;
/** A server greeting is about 80 bytes; a longer packet is not one. */
const MAX_GREETING_BYTES = 1024;

/** MySQL and MariaDB: the server's greeting says whether it has TLS (CLIENT_SSL); an SSLRequest packet starts it. */
export async function upgradeMysql(talk: PlainConversation): Promise<void> {
  const header = await talk.readBytes(4);
  const length = header.readUIntLE(0, 3);
  if (length < 1 || length > MAX_GREETING_BYTES) throw new TlsUpgradeError('broken', 'the greeting is not MySQL');
  const greeting = await talk.readBytes(length);
  if (greeting[0] === 0xff) throw new TlsUpgradeError('refused', 'refuses the connection with an error packet');
  if (greeting[0] !== 10) throw new TlsUpgradeError('broken', `the greeting is not MySQL protocol 10 (0x${greeting[0]!.toString(16)})`);
  const versionEnd = greeting.indexOf(0, 1);
  const flagsAt = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || flagsAt + 2 > greeting.length) throw new TlsUpgradeError('broken', 'the MySQL greeting is cut short');
  if ((greeting.readUInt16LE(flagsAt) & CLIENT_SSL) === 0)
    throw new TlsUpgradeError(
      'not-offered',
      'has no TLS (CLIENT_SSL is not among its capabilities): log-ons and queries travel in clear text',
    );
  const request = Buffer.alloc(4 + 32);
  request.writeUIntLE(32, 0, 3);
  request[3] = header[3]! + 1;
  request.writeUInt32LE(CLIENT_SSL | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION, 4);
  request.writeUInt32LE(16 * 1024 * 1024, 8);
  request[12] = 33; // utf8_general_ci
  talk.write(request);
}
