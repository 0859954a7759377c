import type { FindingTarget } from '../../src/findings.ts';
import type { Dimension } from './transforms.ts';
import type { VendorId } from './vendor-ids.ts';

/**
 * accepted: the responder would use the offer (a chosen suite, or INVALID_KE_PAYLOAD naming its group);
 * refused: it said no (NO_PROPOSAL_CHOSEN, AUTHENTICATION-FAILED, …); silent: no answer after every retransmission;
 * other: an answer that says neither (another notify, a malformed datagram); skipped: the budget ran out first.
 */
export type OfferResult = 'accepted' | 'refused' | 'silent' | 'other' | 'skipped';

export interface OfferOutcome {
  /** What was offered, in words. */
  label: string;
  version: 1 | 2;
  mode?: 'main' | 'aggressive';
  /** IKEv2 enumeration: the transform tested, by its name in transforms.ts. */
  dimension?: Dimension;
  candidate?: string;
  /** IKEv1 main mode: the common, the modern or the weak-only offer. */
  set?: 'common' | 'modern' | 'weak';
  result: OfferResult;
  /** What came back, in words: "INVALID_KE_PAYLOAD naming ECP-256", "NO_PROPOSAL_CHOSEN", "no answer to 3 datagrams". */
  detail: string;
  /** The suite the responder chose, named, when it chose one. */
  chosen?: { encryption?: string; prf?: string; integrity?: string; hash?: string; auth?: string; group?: string };
  /** Aggressive mode: the responder sent its HASH_R (its length; the value is never kept). */
  hashBytes?: number;
  /** Aggressive mode: the responder's identity, as it sent it. */
  identity?: string;
  datagrams: number;
}

/** One UDP port of the gateway the IKE probe asked. */
export interface IkePortFacts {
  port: number;
  /** Port 4500: IKE behind the four-byte non-ESP marker (NAT traversal, RFC 3948). */
  natTraversal: boolean;
  /** The declared flow that names the port, when one does. */
  flow?: string;
  /** Some IKE message came back on this port. */
  answered: boolean;
  outcomes: OfferOutcome[];
  vendorIds: VendorId[];
  /** NAT detection payloads came back. */
  natDetection: boolean;
  /** Datagrams that were ignored: from another address or port, for another SPI, or over the byte cap. */
  ignored: number;
  /** Why the port could not be asked at all (a socket error). */
  failure?: string;
}

export interface IkeFacts {
  target: FindingTarget;
  /** Why nothing could be asked (the host name does not resolve). */
  failure?: string;
  ports: IkePortFacts[];
  /** Whether a flow of the connection file declares IPsec/IKE. */
  declared: boolean;
  /** Datagrams sent and seconds spent, against the profile's budget. */
  budget: { datagrams: number; maxPackets: number; seconds: number; maxSeconds: number; exhausted: boolean };
  source: string;
  /** Report-relative path of ike.json, the gathered facts. */
  artefact: string;
}
