import { nmapServicesOf } from '../protocol/table.ts';
import type { NmapService } from './parse.ts';

const UNIDENTIFIED_NAMES = new Set(['tcpwrapped', 'unknown']);

export type ProtocolMatch =
  | { verdict: 'match'; seen: string }
  | { verdict: 'mismatch'; seen: string; expected: readonly string[] }
  | { verdict: 'unknown-protocol' }
  | { verdict: 'unidentified'; seen?: string };

/**
 * Compares a declared protocol with what nmap's service detection saw on the port. Protocols with no nmap
 * names in src/protocol/table.ts cannot be matched and give `not_tested`, never a pass.
 */
export function matchProtocol(declared: string, service: NmapService | undefined): ProtocolMatch {
  const expected = nmapServicesOf(declared);
  if (!expected) return { verdict: 'unknown-protocol' };
  if (!service?.name || service.method !== 'probed') {
    return { verdict: 'unidentified', seen: service?.name };
  }
  const seen = service.tunnel ? `${service.tunnel}/${service.name}` : service.name;
  // nmap marks a name it is unsure of with a trailing "?"; "tcpwrapped" means the service hung up at once.
  if (seen.endsWith('?') || UNIDENTIFIED_NAMES.has(service.name)) return { verdict: 'unidentified', seen };
  return expected.includes(seen) ? { verdict: 'match', seen } : { verdict: 'mismatch', seen, expected };
}
