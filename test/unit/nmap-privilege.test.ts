import { describe, expect, it } from 'vitest';
import { rawSocketScans } from '../../src/nmap/privilege.ts';

/** /proc/self/status's capability lines as the kernel writes them. */
const status = (bounding: string, noNewPrivs = '0') =>
  `Name:\tnode\nUid:\t10001\t10001\t10001\t10001\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n` +
  `CapEff:\t0000000000000000\nCapBnd:\t${bounding}\nCapAmb:\t0000000000000000\nNoNewPrivs:\t${noNewPrivs}\nSeccomp:\t2\n`;
const NET_RAW_ONLY = '0000000000002000';
const DEFAULT_BOUNDING = '000001ffffffffff';
const WITHOUT_NET_RAW = '00000000800405fb'; // podman 4's default capabilities, which leave NET_RAW out

describe('whether the sweep may use raw-socket scans (SYN, UDP)', () => {
  const privileged = { NMAP_PRIVILEGED: '1' };
  it.each([
    ['root', 0, {}, undefined, true],
    ['root whatever /proc says', 0, {}, status(WITHOUT_NET_RAW, '1'), true],
    ['a user without NMAP_PRIVILEGED', 10001, {}, status(DEFAULT_BOUNDING), false],
    [
      'a user with NMAP_PRIVILEGED and NET_RAW in the bounding set (the image in a pod given NET_RAW)',
      10001,
      privileged,
      status(NET_RAW_ONLY),
      true,
    ],
    ['the same on a host with every capability in the bounding set', 1000, privileged, status(DEFAULT_BOUNDING), true],
    [
      'NMAP_PRIVILEGED without NET_RAW (a pod that dropped ALL): the kernel would refuse the capable nmap',
      10001,
      privileged,
      status(WITHOUT_NET_RAW),
      false,
    ],
    [
      'NMAP_PRIVILEGED under no_new_privs (allowPrivilegeEscalation: false): nmap would start without it',
      10001,
      privileged,
      status(NET_RAW_ONLY, '1'),
      false,
    ],
    ['NMAP_PRIVILEGED empty', 10001, { NMAP_PRIVILEGED: '' }, status(DEFAULT_BOUNDING), false],
    ['no /proc', 10001, privileged, undefined, false],
    ['a status without CapBnd', 10001, privileged, 'Name:\tnode\nNoNewPrivs:\t0\n', false],
    ['a status without NoNewPrivs (a kernel older than 4.10)', 10001, privileged, 'CapBnd:\t0000000000002000\n', false],
    ['a CapBnd that is not hexadecimal', 10001, privileged, status('zz00000000002000'), false],
    ['no uid (not POSIX)', undefined, privileged, status(DEFAULT_BOUNDING), true],
  ] as const)('%s', (_case, uid, env, procStatus, expected) => {
    expect(rawSocketScans(uid, env, procStatus)).toBe(expected);
  });
});
