import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifySshSoftware, knownVulnerabilities } from '../../src/ssh/software-version.ts';
import { startHostileSsh, type HostileSshServers } from '../helpers/hostile-ssh.ts';
import { sshAuditCves, sshAuditPresent } from '../helpers/ssh-audit.ts';

if (!sshAuditPresent) console.warn('[hostile] ssh-audit is not installed: the CVE agreement test is skipped (.ci/run installs it)');

// Real servers in the lab are current versions with no CVE in the table; these banners (old releases, as
// in-process servers that send an identification and a KEXINIT) are where the table's ranges are exercised.
const BANNERS = [
  'SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10',
  'SSH-2.0-OpenSSH_4.3p2 Debian-9',
  'SSH-2.0-OpenSSH_6.9',
  'SSH-2.0-OpenSSH_3.1p1',
  'SSH-2.0-OpenSSH_7.7',
  'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7',
  'SSH-2.0-dropbear_2016.72',
  'SSH-2.0-dropbear_2018.76',
  'SSH-2.0-libssh_0.8.3',
  'SSH-2.0-libssh-0.6.4',
];

describe.skipIf(!sshAuditPresent)('CVEs matched to SSH banners agree with ssh-audit', () => {
  const servers: HostileSshServers[] = [];
  const audited = new Map<string, string[]>();
  beforeAll(async () => {
    servers.push(...(await Promise.all(BANNERS.map((ident) => startHostileSsh(1, { ident, madeUp: 0, behaviour: 'stall' })))));
    const limit = pLimit(3);
    await Promise.all(
      BANNERS.map((ident, i) => limit(async () => audited.set(ident, await sshAuditCves('127.0.0.1', servers[i]!.ports[0], 1)))),
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it.each(BANNERS)('%s', (ident) => {
    const software = identifySshSoftware(ident);
    expect(software).toBeDefined();
    const ours = knownVulnerabilities(software!).map((v) => v.cve);
    expect(new Set(ours)).toEqual(new Set(audited.get(ident)));
    if (!ident.includes('9.2p1')) expect(ours.length).toBeGreaterThan(0);
  });
});
