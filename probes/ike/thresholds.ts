import { z } from 'zod';

const ENCRYPTION_NAMES = [
  'DES',
  '3DES',
  'AES-CBC-128',
  'AES-CBC-192',
  'AES-CBC-256',
  'AES-GCM-128',
  'AES-GCM-256',
  'ChaCha20-Poly1305',
] as const;
const HASH_NAMES = ['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const;

export const IKE_THRESHOLDS = z.strictObject({
  weakEncryptions: z.array(z.enum(ENCRYPTION_NAMES)).describe('Encryption transforms that fail ike.weak-transforms when accepted'),
  weakHashes: z.array(z.enum(HASH_NAMES)).describe('Hashes that fail ike.weak-transforms when accepted as PRF, integrity or IKEv1 hash'),
  minModpBits: z.number().int().min(768).max(8192).describe('Smallest MODP Diffie-Hellman group accepted without failing ike.dh-groups'),
  minEcpBits: z
    .number()
    .int()
    .min(192)
    .max(521)
    .describe('Smallest elliptic-curve group (field size) accepted without failing ike.dh-groups'),
  aggressiveId: z.string().min(1).max(64).describe('The identity (ID_USER_FQDN) sent in IKEv1 aggressive mode'),
  maxPackets: z.number().int().min(4).max(1000).describe('Most IKE datagrams sent to one gateway, retransmissions included'),
  maxSeconds: z.number().min(1).max(600).describe('Most seconds the IKE probe spends on one gateway'),
  replyTimeoutSeconds: z.number().min(0.1).max(30).describe('How long one request waits for an answer before it is sent again'),
  retransmits: z.number().int().min(0).max(5).describe('How many times a request that got no answer is sent again'),
  maxDatagramBytes: z.number().int().min(512).max(65535).describe('Largest answer read; a longer datagram is refused as malformed'),
});
export type IkeThresholds = z.output<typeof IKE_THRESHOLDS>;
