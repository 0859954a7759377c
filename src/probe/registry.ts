import antivirus from '../../probes/antivirus.ts';
import changes from '../../probes/changes.ts';
import exposure from '../../probes/exposure.ts';
import firewall from '../../probes/firewall.ts';
import host from '../../probes/host.ts';
import patch from '../../probes/patch.ts';
import snmp from '../../probes/snmp.ts';
import ssh from '../../probes/ssh.ts';
import tls from '../../probes/tls.ts';
import type { FindingSpec, Probe } from './contract.ts';

/** Every probe cocoscan ships, in the order they run. A test checks this against the files in probes/. */
export const PROBES: readonly Probe[] = [exposure, firewall, tls, ssh, snmp, host, antivirus, patch, changes] as unknown as Probe[];

export interface CatalogueEntry {
  probe: Probe;
  spec: FindingSpec;
}

/** Finding id → the probe that emits it. */
export function findingCatalogue(probes: readonly Probe[] = PROBES): Map<string, CatalogueEntry> {
  const catalogue = new Map<string, CatalogueEntry>();
  for (const probe of probes) {
    for (const [id, spec] of Object.entries(probe.meta.findings)) catalogue.set(id, { probe, spec });
  }
  return catalogue;
}
