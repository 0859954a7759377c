import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';
import { connectionRequest, failureCodeName, RDP_PROTOCOLS } from '../../rdp/wire.ts';

/**
 * TPKT + X.224 Connection Request carrying RDP_NEG_REQ with requestedProtocols PROTOCOL_SSL | PROTOCOL_HYBRID
 * ([MS-RDPBCGR] 2.2.1.1): either choice starts TLS next.
 */
const CONNECTION_REQUEST = connectionRequest(RDP_PROTOCOLS.ssl | RDP_PROTOCOLS.hybrid);
/** A Connection Confirm is 19 bytes; TPKT allows more, this reads no more than this. */
const MAX_CONFIRM_BYTES = 512;
const TLS_PROTOCOLS = new Set<number>([RDP_PROTOCOLS.ssl, RDP_PROTOCOLS.hybrid, RDP_PROTOCOLS.hybridEx]);

/** RDP: the X.224 negotiation of TLS; a server answering with standard RDP security only offers no TLS. */
export async function upgradeRdp(talk: PlainConversation): Promise<void> {
  talk.write(CONNECTION_REQUEST);
  const tpkt = await talk.readBytes(4);
  const length = tpkt.readUInt16BE(2);
  if (tpkt[0] !== 0x03 || length < 11 || length > MAX_CONFIRM_BYTES)
    throw new TlsUpgradeError('broken', 'the answer to the X.224 Connection Request is not RDP');
  const x224 = await talk.readBytes(length - 4);
  if ((x224[1]! & 0xf0) !== 0xd0)
    throw new TlsUpgradeError('broken', 'the answer to the X.224 Connection Request is not a Connection Confirm');
  const negotiation = x224.subarray(7);
  if (negotiation.length < 8)
    throw new TlsUpgradeError('not-offered', "negotiates no TLS (standard RDP security only): its encryption is RDP's own RC4");
  const type = negotiation[0];
  const value = negotiation.readUInt32LE(4);
  if (type === 0x02 && TLS_PROTOCOLS.has(value)) return;
  if (type === 0x02) throw new TlsUpgradeError('not-offered', "chooses standard RDP security over TLS: its encryption is RDP's own RC4");
  if (type === 0x03) throw new TlsUpgradeError('refused', `refuses TLS: ${failureCodeName(value)}`);
  throw new TlsUpgradeError('broken', 'the RDP negotiation answer is of an unknown type');
}
