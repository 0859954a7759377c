import { nmapServicesOf } from '../protocol/table.ts';
import type { NmapService } from './parse.ts';

const UNIDENTIFIED_NAMES = new Set(['tcpwrapped', 'unknown']);

export type ProtocolMatch =
  | { verdict: 'match'; seen: string }
  | { verdict: 'mismatch'; seen: string; expected: readonly string[] }
  | { verdict: 'unknown-protocol' }
  | { verdict: 'unidentified'; seen?: string };

/**
 * Whether nmap's service detection identified the service: it talked to it (not a name guessed from the port
 * number, as when -sV ran out of time or was off) and named it without doubt. "tcpwrapped" means the service
 * hung up at once; nmap marks a name it is unsure of with a trailing "?".
 */
export function serviceIdentified(service: NmapService | undefined): service is NmapService & { name: string } {
  if (!service?.name || service.method !== 'probed') return false;
  return !service.name.endsWith('?') && !UNIDENTIFIED_NAMES.has(service.name);
}

/**
 * Compares a declared protocol with what nmap's service detection saw on the port. Protocols with no nmap
 * names in src/protocol/table.ts cannot be matched and give `not_tested`, never a pass.
 */
export function matchProtocol(declared: string, service: NmapService | undefined): ProtocolMatch {
  const expected = nmapServicesOf(declared);
  if (!expected) return { verdict: 'unknown-protocol' };
  if (!service?.name) return { verdict: 'unidentified' };
  const seen = service.tunnel ? `${service.tunnel}/${service.name}` : service.name;
  if (!serviceIdentified(service)) return { verdict: 'unidentified', seen: service.method === 'probed' ? seen : service.name };
  return expected.includes(seen) ? { verdict: 'match', seen } : { verdict: 'mismatch', seen, expected };
}
