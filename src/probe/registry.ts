import antivirus from '../../probes/antivirus/index.ts';
import changes from '../../probes/changes/index.ts';
import exposure from '../../probes/exposure/index.ts';
import firewall from '../../probes/firewall/index.ts';
import host from '../../probes/host/index.ts';
import hosting from '../../probes/hosting/index.ts';
import ike from '../../probes/ike/index.ts';
import patch from '../../probes/patch/index.ts';
import rdp from '../../probes/rdp/index.ts';
import snmp from '../../probes/snmp/index.ts';
import ssh from '../../probes/ssh/index.ts';
import tls from '../../probes/tls/index.ts';
import type { AnyProbe, FindingIdOf, FindingSpec } from './contract.ts';

const SHIPPED = [exposure, firewall, tls, ssh, rdp, snmp, ike, host, antivirus, patch, hosting, changes] as const;

/** Every finding id cocoscan ships: the union of each probe's declared ids. A misspelt id does not compile. */
export type FindingId = FindingIdOf<(typeof SHIPPED)[number]>;

/** Every probe cocoscan ships, in the order they run. A test checks this against the files in probes/. */
export const PROBES: readonly AnyProbe[] = SHIPPED;

export interface CatalogueEntry {
  probe: AnyProbe;
  spec: FindingSpec;
}

/** Finding id → the probe that emits it. Keyed by string: profile YAML is checked against it on load. */
export function findingCatalogue(probes: readonly AnyProbe[] = PROBES): Map<string, CatalogueEntry> {
  const catalogue = new Map<string, CatalogueEntry>();
  for (const probe of probes) {
    for (const [id, spec] of Object.entries<FindingSpec>(probe.meta.findings)) catalogue.set(id, { probe, spec });
  }
  return catalogue;
}

const SHIPPED_CATALOGUE = findingCatalogue();

/** True for an id some shipped probe declares; narrows text read from a file to the typed union. */
export function isFindingId(id: string): id is FindingId {
  return SHIPPED_CATALOGUE.has(id);
}

/**
 * Ids of the findings `after` probes judge from the comparison with an earlier run (CoCo-2): the rows they
 * decide are never themselves compared (see rowsJudgedFromChanges).
 */
export function comparisonFindingIds(probes: readonly AnyProbe[] = PROBES): Set<string> {
  return new Set(probes.filter((probe) => probe.meta.phase === 'after').flatMap((probe) => Object.keys(probe.meta.findings)));
}
