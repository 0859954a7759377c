/**
 * What the IKE probe and ike-scan each say about one responder, in one shape: IKEv1 main mode, IKEv1 aggressive mode
 * with a pre-shared key, and IKEv2 with ike-scan's default proposal. Used by the lab's agreement test and `npm run bench`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import type { IkeFacts, IkePortFacts } from '../../probes/ike/facts.ts';
import { gatherIke } from '../../probes/ike/gather.ts';
import type { IkeThresholds } from '../../probes/ike/thresholds.ts';
import { groupName } from '../../probes/ike/transforms.ts';

const run = promisify(execFile);

export interface IkeView {
  mainMode: string;
  aggressive: string;
  ikev2: string;
}

export const AGREEMENT_ID = 'agreement@cocoscan.invalid';

export const LAB_IKE_THRESHOLDS: IkeThresholds = {
  weakEncryptions: ['DES', '3DES'],
  weakHashes: ['MD5', 'SHA-1'],
  minModpBits: 2048,
  minEcpBits: 256,
  aggressiveId: AGREEMENT_ID,
  maxPackets: 120,
  maxSeconds: 60,
  replyTimeoutSeconds: 1,
  retransmits: 1,
  maxDatagramBytes: 16384,
};

/** The IKE probe's gathering for one address, outside a check run. */
export async function gatherIkeFor(address: string): Promise<IkeFacts> {
  return gatherIke({
    gateway: { name: 'agreement', host: address },
    connection: { flows: [] },
    thresholds: LAB_IKE_THRESHOLDS,
    shared: { portReached: () => undefined, resolvedAddress: () => address },
    evidence: { add: (segments: string[]) => segments.join('/') },
    signal: AbortSignal.timeout(120_000),
    now: () => new Date(),
    connectionLimit: pLimit(1),
    activity: () => undefined,
  } as unknown as Parameters<typeof gatherIke>[0]);
}

const IKE_SCAN_ENC: ReadonlyMap<string, string> = new Map([
  ['DES', 'DES'],
  ['3DES', '3DES'],
]);
const IKE_SCAN_HASH: ReadonlyMap<string, string> = new Map([
  ['MD5', 'MD5'],
  ['SHA1', 'SHA-1'],
  ['SHA2-256', 'SHA-256'],
]);
const IKE_SCAN_AUTH: ReadonlyMap<string, string> = new Map([
  ['PSK', 'pre-shared key'],
  ['RSA_Sig', 'RSA signature'],
]);

/** ike-scan's answer line in our words: "handshake 3DES, SHA-1, pre-shared key, MODP-1024", "notify NO-PROPOSAL-CHOSEN", "none". */
export function readIkeScan(output: string): string {
  const notify = /Notify message \d+ \(([A-Z_-]+)\)/.exec(output);
  if (notify) return `notify ${notify[1]}`;
  if (!/Handshake returned/.test(output)) return 'none';
  const sa = /SA=\(([^)]*)\)/.exec(output)?.[1];
  const hash = /Hash\((\d+) bytes\)/.exec(output)?.[1];
  if (!sa) return 'handshake';
  const field = (name: string) => new RegExp(`${name}=([^ ]+)`).exec(sa)?.[1] ?? '';
  const enc = field('Enc');
  const keyLength = field('KeyLength');
  const encName = enc === 'AES' ? `AES-CBC-${keyLength}` : (IKE_SCAN_ENC.get(enc) ?? enc);
  const group = Number(field('Group').split(':')[0]);
  const suite = [
    encName,
    IKE_SCAN_HASH.get(field('Hash')) ?? field('Hash'),
    IKE_SCAN_AUTH.get(field('Auth')) ?? field('Auth'),
    groupName(group),
  ];
  return `handshake ${suite.join(', ')}${hash ? ` hash ${hash}` : ''}`;
}

async function ikeScan(address: string, args: string[]): Promise<string> {
  // --sport=0: a source port of its own (ike-scan binds 500 by default); one retry, a bounded run.
  const { stdout } = await run('ike-scan', ['--sport=0', '--retry=2', '--timeout=1000', ...args, address], { timeout: 30_000 });
  return readIkeScan(stdout);
}

export async function ikeScanView(address: string): Promise<IkeView> {
  return {
    mainMode: await ikeScan(address, ['-M']),
    aggressive: await ikeScan(address, ['-M', '--aggressive', `--id=${AGREEMENT_ID}`]),
    // IKEv2: whether it is a handshake (ike-scan names the suite in its own words, which the probe's view does not hold).
    ikev2: (await ikeScan(address, ['-M', '--ikev2'])).replace(/^handshake.*/, 'handshake'),
  };
}

/** ike-scan's default IKEv2 proposal (read off its datagram): these transforms, KE for group 2. */
const IKE_SCAN_V2 = {
  encryption: ['AES-CBC-256', 'AES-CBC-128', '3DES', 'DES'],
  prf: ['PRF-HMAC-SHA-1', 'PRF-HMAC-MD5'],
  integrity: ['HMAC-SHA1-96', 'HMAC-MD5-96'],
  group: ['MODP-1024', 'MODP-1536', 'MODP-2048'],
};

function suiteOf(chosen: IkePortFacts['outcomes'][number]['chosen']): string {
  return [chosen?.encryption, chosen?.hash, chosen?.auth, chosen?.group].filter(Boolean).join(', ');
}

function said(outcome: IkePortFacts['outcomes'][number] | undefined, withHash = false): string {
  if (!outcome || outcome.result === 'silent' || outcome.result === 'skipped') return 'none';
  if (outcome.result === 'accepted') {
    const hash = withHash && outcome.hashBytes !== undefined ? ` hash ${outcome.hashBytes}` : '';
    return `handshake ${suiteOf(outcome.chosen)}${hash}`;
  }
  return `notify ${outcome.detail}`;
}

/**
 * What the probe's facts say ike-scan should see. IKEv2: ike-scan's proposal would be accepted when the enumeration
 * accepted one of its encryptions, PRFs, integrities and groups each (an answer naming group 2 is the handshake).
 */
export function cocoscanView(port: IkePortFacts): IkeView {
  const main = port.outcomes.find((o) => o.mode === 'main' && o.set === 'common');
  const aggressive = port.outcomes.find((o) => o.mode === 'aggressive');
  const accepted = (dimension: keyof typeof IKE_SCAN_V2) =>
    port.outcomes.filter((o) => o.dimension === dimension && o.result === 'accepted' && IKE_SCAN_V2[dimension].includes(o.candidate ?? ''));
  const full = port.outcomes.find((o) => o.version === 2 && o.dimension === undefined);
  const groups = accepted('group').map((o) => o.candidate);
  const v2Accepted =
    ['encryption', 'prf', 'integrity'].every((d) => accepted(d as keyof typeof IKE_SCAN_V2).length > 0) && groups.length > 0;
  const ikev2 =
    !full || full.result === 'silent'
      ? 'none'
      : v2Accepted
        ? groups.includes('MODP-1024')
          ? 'handshake'
          : 'notify INVALID_KE_PAYLOAD'
        : 'notify NO_PROPOSAL_CHOSEN';
  return { mainMode: said(main), aggressive: said(aggressive, true), ikev2 };
}

/** The items on which the two agree, out of all. */
export function agreement(ours: IkeView, theirs: IkeView): { agreed: number; total: number; differing: string[] } {
  const keys = Object.keys(ours) as (keyof IkeView)[];
  const differing = keys.filter((k) => ours[k] !== theirs[k]).map((k) => `${k}: ours ${ours[k]} / ike-scan ${theirs[k]}`);
  return { agreed: keys.length - differing.length, total: keys.length, differing };
}
