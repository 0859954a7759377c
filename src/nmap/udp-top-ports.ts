/**
 * nmap's 100 most frequent UDP services, most frequent first, as nmap 7.93's nmap-services ranks them (the
 * list `nmap -sU --top-ports 100` sweeps). Kept here rather than read from nmap's data directory so the
 * sweep, its evidence and the pass message name the same ports on every scanner; `udpTopPorts: N` takes
 * the first N.
 */
export const NMAP_TOP_UDP_PORTS: readonly number[] = [
  631, 161, 137, 123, 138, 1434, 445, 135, 67, 53, 139, 500, 68, 520, 1900, 4500, 514, 49152, 162, 69, 5353, 111, 49154, 1701, 998, 996,
  997, 999, 3283, 49153, 1812, 136, 2222, 2049, 32768, 5060, 1025, 1433, 3456, 80, 20031, 1026, 7, 1646, 1645, 593, 518, 2048, 626, 1027,
  177, 1719, 427, 497, 4444, 1023, 65024, 19, 9, 49193, 1029, 49, 88, 1028, 17185, 1718, 49186, 2000, 31337, 49192, 49201, 515, 2223, 443,
  49181, 1813, 120, 158, 49200, 3703, 32815, 17, 5000, 32771, 33281, 1030, 623, 1022, 32769, 5632, 10000, 49156, 49182, 49191, 49194, 9200,
  30718, 49185, 49188, 49190,
];

/** The most frequent `count` UDP ports (0 to 100). */
export function topUdpPorts(count: number): number[] {
  return NMAP_TOP_UDP_PORTS.slice(0, Math.max(0, Math.min(count, NMAP_TOP_UDP_PORTS.length)));
}
