import type { Observation } from '../../src/history/observation.ts';
import { offeredAlgorithms, offeredData } from './algorithms.ts';
import type { SshFacts } from './gather.ts';

/**
 * What history compares of each SSH port: its host keys (type and fingerprint) and the key exchange,
 * ciphers and MACs it offers, bounded as in the findings' data. A port that did not answer shows nothing.
 */
export function observeSsh(facts: SshFacts): Observation[] {
  const gateway = facts.target.gateway;
  return facts.ports.flatMap((port): Observation[] => {
    if (port.failure !== undefined || !port.hello) return [];
    // One key per type and port, the last read winning, as history has always keyed them.
    const keys = new Map(port.hostKeys.map((key) => [key.type, key.fingerprint]));
    const offered = offeredAlgorithms(port.hello.kexinit);
    const families = [
      ['kex', offered.kex],
      ['ciphers', offered.cipher],
      ['macs', offered.mac],
    ] as const;
    return [
      ...[...keys].map(([type, fingerprint]) => ({ kind: 'ssh-host-key' as const, gateway, port: port.port, type, fingerprint })),
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
