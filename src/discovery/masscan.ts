import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec, ExecResult } from '../exec.ts';
import { CocoscanError } from '../errors.ts';
import { readSafeText } from '../input/safe-read.ts';
import { expandPortList } from '../nmap/ports.ts';
import { lastLines, type DiscoveredPort, type NmapOutcome } from '../nmap/run.ts';
import { masscanRun } from './masscan-output.ts';
import { buildMasscanArgs, masscanExpectedSeconds, routeFromIpJson, type MasscanPlan, type Route } from './plan.ts';

/** What to do when masscan cannot sweep: said in every failure it causes. */
export const MASSCAN_REMEDY = 'install masscan (apt-get install masscan) and run as root, or set scan.engine: nmap';

/** The route towards an IPv4 address as the routing table picks it, or why masscan cannot use it. */
export async function routeTowards(exec: Exec, address: string, signal?: AbortSignal): Promise<Route | { failure: string }> {
  const result = await exec('ip', ['-j', 'route', 'get', address], { timeoutMs: 5000, maxOutputBytes: 64 * 1024, signal });
  if (result.failure || result.exitCode !== 0)
    return {
      failure: `the route towards ${address} could not be read ("ip route get": ${lastLines(result.stderr).slice(0, 200) || result.failure})`,
    };
  return routeFromIpJson(result.stdout, address);
}

/**
 * Runs one masscan over the targets of one route and reads its output file (bounded). masscan 1.3.2's receive
 * thread stays blocked on a quiet adapter after its wait (10 s and more in the lab): from the time its probes and
 * wait should have taken, one empty UDP datagram a second to the discard port (9) of a target it swept gives it
 * the packet it waits for (its capture sees the datagram leave by the same adapter; nothing goes anywhere the
 * connection file does not name). Any failure is the failure of these targets, with what to do.
 */
export async function runMasscan(
  exec: Exec,
  plan: MasscanPlan,
  options: { masscanPath?: string; signal?: AbortSignal; onDiscovered?: (port: DiscoveredPort) => void },
): Promise<NmapOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-masscan-'));
  const outFile = join(dir, 'masscan.json');
  const command = options.masscanPath ?? 'masscan';
  const expectedMs = masscanExpectedSeconds(plan, expandPortList(plan.tcpPorts).length) * 1000;
  let nudger: NodeJS.Timeout | undefined;
  const socket = createSocket('udp4');
  socket.on('error', () => undefined);
  const overstay = setTimeout(() => {
    nudger = setInterval(() => socket.send(Buffer.alloc(0), 9, plan.addresses[0], () => undefined), 1000);
  }, expectedMs);
  try {
    const result = await exec(command, buildMasscanArgs(plan, outFile), {
      timeoutMs: expectedMs * 3 + 60_000,
      maxOutputBytes: 16 * 1024 * 1024,
      signal: options.signal,
    });
    const version = /masscan (\d[\w.]*)/i.exec(result.stderr)?.[1] ?? 'unknown';
    if (result.failure || result.exitCode !== 0) return failed(result, failureOf(result, command, plan));
    let output: string;
    try {
      output = await readSafeText(outFile, { kind: 'masscan-output', noFollow: true });
    } catch (error) {
      // masscan writes no file at all when it found nothing.
      const missing = (error as { cause?: { code?: string } }).cause?.code === 'ENOENT' || /ENOENT|no such file/i.test(String(error));
      if (!missing) {
        const why = error instanceof CocoscanError ? error.message : 'it could not be read';
        return failed(result, `masscan's output could not be read: ${why}`);
      }
      output = '';
    }
    const run = masscanRun(output, plan.addresses, plan.tcpPorts, version);
    // With --show closed a reachable gateway answers something (a SYN-ACK or a reset) on some port; nothing from any
    // target of the route is as likely a capture that saw nothing as a route where every port is dropped.
    if (run.hosts.every((h) => h.ports.length === 0 && h.extraPorts.every((e) => e.state === 'filtered')))
      return failed(
        result,
        'masscan saw no answer at all (no open port, no reset) from any gateway on this route, so its silence cannot be read ' +
          'as filtered ports: check the route and the adapter, or sweep with scan.engine: nmap',
      );
    for (const host of run.hosts)
      for (const port of host.ports) options.onDiscovered?.({ address: host.addresses[0]!, port: port.port, transport: 'tcp' });
    return { ok: true, run, xml: output, exec: result };
  } finally {
    clearTimeout(overstay);
    clearInterval(nudger);
    socket.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function failed(result: ExecResult, reason: string): NmapOutcome {
  return { ok: false, reason, xml: '', exec: result };
}

function failureOf(result: ExecResult, command: string, plan: MasscanPlan): string {
  if (result.failure === 'not-found') return `masscan is not installed (no ${command.slice(0, 200)}): ${MASSCAN_REMEDY}`;
  if (/ARP timed-out/i.test(result.stderr))
    return (
      `the next hop ${plan.route.nextHop} did not answer ARP on ${plan.route.dev}, so masscan sent nothing (when it is the ` +
      'gateway itself, it did not answer at all): check the address and that this scanner can reach it'
    );
  const said = lastLines(result.stderr.replace(/rate:[^\n]*?found=\d+/g, '')).slice(0, 300);
  if (result.failure) return `masscan did not complete (${result.failure}${said ? `: ${said}` : ''}): ${MASSCAN_REMEDY}`;
  return `masscan failed (exit ${result.exitCode ?? result.signal}${said ? `: ${said}` : ''}): ${MASSCAN_REMEDY}`;
}
