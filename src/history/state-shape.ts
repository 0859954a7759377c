import type { Observation } from './observation.ts';

type Of<K extends Observation['kind']> = Extract<Observation, { kind: K }>;
export type FirewallView = Of<'firewall'>['view'];
export type OpenPort = Omit<Of<'open-port'>, 'kind'>;

/** What a run observed, in a shape two runs can be compared in; keyed as changes name their subject. */
export interface ObservedState {
  /** "gw 443/tcp" → where, and the service seen there. */
  ports: Record<string, OpenPort>;
  /**
   * Gateway → the ports its sweep covered, for each gateway whose sweep could be judged; null when a report written
   * before sweeps were observed does not say which (then every port counts as swept).
   */
  swept: Record<string, Pick<Of<'swept'>, 'tcp' | 'udp'> | null>;
  /** "gw 443/tcp" → what the TLS service offered. */
  tls: Record<string, Pick<Of<'tls-offer'>, 'accepted' | 'suites' | 'leaf'>>;
  /** "gw 22/tcp ssh-ed25519" → the port ("gw 22/tcp") and the key's fingerprint. */
  sshHostKeys: Record<string, { port: string; fingerprint: string }>;
  /** "gw 22/tcp ssh-rsa" for each host-key type the port offered but whose key was not read. */
  sshHostKeysUnread: Record<string, true>;
  /** "gw 22/tcp kex" → the names offered. */
  sshAlgorithms: Record<string, string[]>;
  /** "gw external view" or "gw host ruleset" (firewallKey) → the verdict and what decided it. */
  firewall: Record<string, Pick<Of<'firewall'>, 'verdict' | 'detail'>>;
  /** "gw" → pending update counts. */
  patch: Record<string, Pick<Of<'pending-updates'>, 'pending' | 'securityPending'>>;
  /** Row ref → compliance of the automated rows compared. */
  rows: Record<string, string>;
}

const VIEW_NAMES: Readonly<Record<FirewallView, string>> = { external: 'external view', host: 'host ruleset' };

/** "gw external view" (how the sweep saw it) or "gw host ruleset" (the rules read on the gateway). */
export function firewallKey(gateway: string, view: FirewallView): string {
  return `${gateway} ${VIEW_NAMES[view]}`;
}

/**
 * A fresh record per state: the keys come from the report (gateway names, ports, algorithm names), so the
 * record has no prototype and `constructor` or `__proto__` are names like any other.
 */
function table<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function emptyState(): ObservedState {
  return {
    ports: table(),
    swept: table(),
    tls: table(),
    sshHostKeys: table(),
    sshHostKeysUnread: table(),
    sshAlgorithms: table(),
    firewall: table(),
    patch: table(),
    rows: table(),
  };
}
