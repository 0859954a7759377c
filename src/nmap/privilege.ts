import { closeSync, openSync, readSync } from 'node:fs';

/** CAP_NET_RAW's bit in /proc/<pid>/status's capability masks (linux/capability.h). */
const CAP_NET_RAW = 13n;

/**
 * Whether the sweep may use nmap's raw-socket scans (SYN, UDP). As root, yes. Otherwise only where nmap's own
 * NMAP_PRIVILEGED says that nmap holds the raw-socket capability itself (the container image: a non-root user, nmap
 * with the file capability cap_net_raw), and this process can pass it on: CAP_NET_RAW in its bounding set (without
 * it the kernel refuses to start such an nmap at all) and no no_new_privs (with it nmap starts without the capability,
 * as in a pod with allowPrivilegeEscalation: false). Anything else is a connect scan, which never needs the capability.
 */
export function rawSocketScans(uid: number | undefined, env: NodeJS.ProcessEnv, procStatus: string | undefined): boolean {
  if (uid === 0) return true;
  if (!env.NMAP_PRIVILEGED || procStatus === undefined) return false;
  const field = (name: string) => new RegExp(`^${name}:\\s*([0-9a-f]+)\\s*$`, 'im').exec(procStatus)?.[1];
  const bounding = field('CapBnd');
  if (bounding === undefined || field('NoNewPrivs') !== '0') return false;
  return ((BigInt(`0x${bounding}`) >> CAP_NET_RAW) & 1n) === 1n;
}

/** rawSocketScans for this process. */
export function thisProcessMayUseRawSockets(): boolean {
  return rawSocketScans(process.getuid?.(), process.env, procSelfStatus());
}

/** /proc/self/status (about 1.5 KiB), read at most 16 KiB; undefined where there is no /proc. */
function procSelfStatus(): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync('/proc/self/status', 'r');
    const buffer = Buffer.alloc(16_384);
    const length = readSync(fd, buffer, 0, buffer.length, null);
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
