import { describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import type { Exec } from '../../src/exec.ts';
import { describeChange, diffReports } from '../../src/history/diff.ts';
import { runCheck } from '../../src/run-check.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { fakeNmap } from '../helpers/fake-nmap.ts';
import { parseTestProfile } from '../helpers/test-profile.ts';

const NOW = new Date('2026-11-22T10:00:00Z');
const PROFILE = parseTestProfile(
  `id: net
version: "1"
title: Network rows
sections:
  - id: c
    title: C
    rows:
      - { ref: A.1.2.1, title: Exposure, method: automated, decidedBy: [exposure.undeclared-port, exposure.declared-port] }
`,
  'net.yaml',
);
const connectionWith = (scan: Record<string, unknown>, gateways = [{ name: 'acme-gw-1', host: '127.0.0.1' }]) =>
  connectionFileSchema.parse({
    connection: { name: 'cms-acme', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways,
    flows: [{ name: 'case-sync', protocol: 'https', port: 443 }],
    scan,
  });
const WIDE = connectionWith({ tcpPorts: '1-1024,8080' });

/** nmap that starts but fails: the sweep cannot be judged. */
const failingNmap: Exec = (command, args) =>
  Promise.resolve({
    command,
    args,
    signal: null,
    durationMs: 1,
    exitCode: args[0] === '--version' ? 0 : 1,
    stdout: args[0] === '--version' ? 'Nmap version 7.93 ( https://nmap.org )\n' : '',
    stderr: args[0] === '--version' ? '' : 'nmap: something broke\n',
  });

/** The recording as a sweep of 443/tcp alone would give it: 443 open, nothing else swept. */
const only443: Exec = async (command, args, options) => {
  const result = await fakeNmap('firewalled-gateway.xml')(command, args, options);
  const out = args.includes('-oX') ? args[args.indexOf('-oX') + 1] : undefined;
  if (out) {
    const narrowed = readFileSync(out, 'utf8')
      .replace(/<extraports [\s\S]*?<\/extraports>\n?/, '')
      .replace(/<port protocol="tcp" portid="22">[\s\S]*?<\/port>\n?/, '')
      .replace(/numservices="1025" services="1-1024,8080"/, 'numservices="1" services="443"');
    writeFileSync(out, narrowed);
  }
  return result;
};

const run = async (exec: Exec, connection = WIDE) =>
  (await runCheck({ connection, profile: PROFILE, exec, now: () => NOW, privileged: true })).report;
const portChanges = (changes: ReturnType<typeof diffReports>) =>
  changes.filter((c) => c.kind.startsWith('port-') || c.kind === 'service-changed').map(describeChange);

describe('ports are compared only where both runs swept them', () => {
  it('a sweep that failed in one run reports no port opened or closed, either way', async () => {
    const [good, failed] = [await run(fakeNmap('firewalled-gateway.xml')), await run(failingNmap)];
    expect(good.observations?.some((o) => o.kind === 'open-port')).toBe(true);
    expect(failed.findings.find((f) => f.id === 'exposure.undeclared-port')?.status).toBe('error');
    expect(portChanges(diffReports(good, failed, []))).toEqual([]);
    expect(portChanges(diffReports(failed, good, []))).toEqual([]);
    // The verdict that could not be assessed is still a change, said as such.
    expect(diffReports(good, failed, []).map((c) => c.kind)).toContain('verdict-changed');
  });

  it('a port the later run did not sweep is not reported closed', async () => {
    const [wide, narrow] = [await run(fakeNmap('firewalled-gateway.xml')), await run(only443, connectionWith({ tcpPorts: '443' }))];
    expect(narrow.observations?.filter((o) => o.kind === 'open-port').map((o) => o.port)).toEqual([443]);
    expect(portChanges(diffReports(wide, narrow, []))).toEqual([]);
    expect(portChanges(diffReports(narrow, wide, []))).toEqual([]);
  });

  it('a gateway no longer in the connection file is not reported as its ports closed', async () => {
    const two = connectionWith({ tcpPorts: '1-1024,8080' }, [
      { name: 'acme-gw-1', host: '127.0.0.1' },
      { name: 'acme-gw-2', host: '127.0.0.2' },
    ]);
    const [both, one] = [await run(fakeNmap('firewalled-gateway.xml'), two), await run(fakeNmap('firewalled-gateway.xml'))];
    expect(portChanges(diffReports(both, one, []))).toEqual([]);
  });
});
