import { defineFindings } from '../../src/probe/contract.ts';

export const PATCH_FINDINGS = defineFindings({
  'patch.overdue-updates': {
    severity: 'high',
    title: 'No security update is pending beyond its window',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {count} security update(s) pending beyond their window: {list}' },
  },
  'patch.undated-updates': {
    severity: 'medium',
    title: 'No pending security update of unknown age',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {count} pending security update(s) of unknown age ({why}): {list}' },
  },
  'patch.package-lists': {
    severity: 'medium',
    title: 'Package lists are refreshed',
    messages: {
      pass: '{gateway}: package lists refreshed {age} ago',
      fail: '{gateway}: package lists last refreshed {age} ago (over {limit} days): pending updates may be missing',
    },
  },
  'patch.os-support': {
    severity: 'high',
    title: 'The operating system is supported by its vendor',
    messages: { pass: '{gateway}: {os} {support}', fail: '{gateway}: {os} has been out of support since {since}' },
  },
  'patch.reboot-required': {
    severity: 'low',
    title: 'No reboot is owed for installed updates',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: a reboot is owed: {why}' },
  },
  'patch.service-banners': {
    severity: 'low',
    title: 'Running services match their installed packages',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {mismatches}' },
  },
});
export type PatchFindingId = keyof typeof PATCH_FINDINGS;
