import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { PATCH_FINDINGS } from './findings.ts';
import { gatherPatch } from './gather.ts';
import { judgePatch, observePatch } from './judge.ts';
import { PATCH_THRESHOLDS } from './thresholds.ts';

export default defineGatewayProbe({
  meta: {
    id: 'patch',
    title: 'Patch level (CoCo-11): pending security updates, their age, support, reboots',
    description:
      'From the SSH session or an agent report: pending updates and which are security fixes (apt, dnf, apk), their age against the ' +
      "profile's windows by severity, package-list freshness, the OS release against its vendor's end of support, reboots owed, " +
      'and service banners against installed packages.',
    reads: ['reportedSources'],
    thresholds: PATCH_THRESHOLDS,
    findings: PATCH_FINDINGS,
  },
  gather: gatherPatch,
  judge: judgePatch,
  observe: observePatch,
});
