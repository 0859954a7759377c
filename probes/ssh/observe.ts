import type { Observation } from '../../src/history/observation.ts';
import { isKnownAlgorithm } from '../../src/ssh/algorithm-table.ts';
import { keyTypeFor } from '../../src/ssh/host-key-blob.ts';
import { offeredAlgorithms, offeredData } from './algorithms.ts';
import type { SshFacts } from './gather.ts';

/**
 * What history compares of each SSH port: its host keys (type and fingerprint), the types it offered whose key was
 * not read, and the key exchange, ciphers and MACs it offers, bounded as in the findings' data. A port that did not
 * answer shows nothing.
 */
export function observeSsh(facts: SshFacts): Observation[] {
  const gateway = facts.target.gateway;
  return facts.ports.flatMap((port): Observation[] => {
    if (port.failure !== undefined || !port.hello) return [];
    // One key per type and port, the last read winning, as history has always keyed them.
    const keys = new Map(port.hostKeys.map((key) => [key.type, key.fingerprint]));
    // The types offered whose key was not read (an error, over the cap): unknown, not gone. Only the algorithms cocoscan
    // knows are ever read, so only their types can be compared; keyTypeFor is the type a key read for each must have.
    const offeredTypes = port.hello.kexinit.hostKey.filter((a) => isKnownAlgorithm('hostKey', a)).map(keyTypeFor);
    const unread = [...new Set(offeredTypes)].filter((type) => !keys.has(type));
    const offered = offeredAlgorithms(port.hello.kexinit);
    const families = [
      ['kex', offered.kex],
      ['ciphers', offered.cipher],
      ['macs', offered.mac],
    ] as const;
    return [
      ...[...keys].map(([type, fingerprint]) => ({ kind: 'ssh-host-key' as const, gateway, port: port.port, type, fingerprint })),
      ...unread.map((type) => ({ kind: 'ssh-host-key-unread' as const, gateway, port: port.port, type })),
      ...families.map(([family, names]) => ({
        kind: 'ssh-algorithms' as const,
        gateway,
        port: port.port,
        family,
        offered: offeredData(names).offered,
      })),
    ];
  });
}
