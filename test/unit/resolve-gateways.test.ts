import { describe, expect, it } from 'vitest';
import { resolveGateways, systemResolveHost, type ResolveHost } from '../../src/check/resolve-gateways.ts';
import { connectionFileSchema, type Gateway } from '../../src/connection/schema.ts';
import { AmbiguousHostError } from '../../src/errors.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runReportSchema } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

const gw = (name: string, host: string): Gateway => ({ name, host, agentReports: [] });
const table =
  (answers: Record<string, string[]>, asked: string[] = []): ResolveHost =>
  (name) => {
    asked.push(name);
    const found = Object.hasOwn(answers, name) ? answers[name] : undefined;
    return found
      ? Promise.resolve(found)
      : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name }));
  };

describe('resolving gateway hosts once, before any probe', () => {
  it('takes an address as it is, without a lookup', async () => {
    const asked: string[] = [];
    const resolved = await resolveGateways([gw('a', '10.0.0.1'), gw('b', 'fd00::1')], table({}, asked), 1000);
    expect(asked).toEqual([]);
    expect(resolved).toEqual([
      { gateway: 'a', host: '10.0.0.1', addresses: ['10.0.0.1'] },
      { gateway: 'b', host: 'fd00::1', addresses: ['fd00::1'] },
    ]);
  });

  it('records the one address of a name (a trailing dot is looked up without it; repeated answers count once)', async () => {
    const resolved = await resolveGateways(
      [gw('gw', 'gw.example.'), gw('v6', 'v6.example')],
      table({ 'gw.example': ['10.0.0.1', '10.0.0.1'], 'v6.example': ['fd00::1'] }),
      1000,
    );
    expect(resolved).toEqual([
      { gateway: 'gw', host: 'gw.example.', addresses: ['10.0.0.1'] },
      { gateway: 'v6', host: 'v6.example', addresses: ['fd00::1'] },
    ]);
  });

  it('refuses a dual-stack name before any probe, naming both addresses and what to do', async () => {
    const run = resolveGateways([gw('gw', 'gw.example')], table({ 'gw.example': ['fd00::1', '10.0.0.1'] }), 1000);
    await expect(run).rejects.toBeInstanceOf(AmbiguousHostError);
    await expect(run).rejects.toThrow(
      'gw: gw.example resolves to 10.0.0.1 and fd00::1; cocoscan probes one address per gateway, ' +
        'and with several the sweep and the probes could reach different ones',
    );
    await run.catch((error: AmbiguousHostError) =>
      expect(error.hint).toBe(
        'give one address per gateway: declare a gateway for each address (its host the address itself) so that every ' +
          'address is swept and probed, or a name with a single address; nothing was probed',
      ),
    );
  });

  it('refuses a round-robin name too, and names every ambiguous gateway at once', async () => {
    const answers = { 'rr.example': ['10.0.0.1', '10.0.0.2', '10.0.0.3'], 'ds.example': ['10.0.0.9', 'fd00::9'] };
    await expect(resolveGateways([gw('rr', 'rr.example'), gw('ds', 'ds.example')], table(answers), 1000)).rejects.toThrow(
      /^rr: rr\.example resolves to 10\.0\.0\.1, 10\.0\.0\.2 and 10\.0\.0\.3; ds: ds\.example resolves to 10\.0\.0\.9 and fd00::9; /,
    );
  });

  it('makes a name that does not resolve, answers nothing or times out a failure of that gateway only', async () => {
    const never: ResolveHost = (name) =>
      name === 'slow.example' ? new Promise(() => undefined) : table({ 'ok.example': ['10.0.0.1'], 'empty.example': [] })(name, 0);
    const started = Date.now();
    const resolved = await resolveGateways(
      [
        gw('ok', 'ok.example'),
        gw('gone', 'gone.example'),
        gw('empty', 'empty.example'),
        gw('slow', 'slow.example'),
        gw('proto', '__proto__.example'),
      ],
      never,
      200,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(resolved).toEqual([
      { gateway: 'ok', host: 'ok.example', addresses: ['10.0.0.1'] },
      {
        gateway: 'gone',
        host: 'gone.example',
        addresses: [],
        failure: "the name gone.example does not resolve; check the host name and this scanner's DNS (ENOTFOUND)",
      },
      {
        gateway: 'empty',
        host: 'empty.example',
        addresses: [],
        failure: "the name empty.example has no A or AAAA record; check the host name and this scanner's DNS",
      },
      {
        gateway: 'slow',
        host: 'slow.example',
        addresses: [],
        failure: "the name slow.example was not resolved within 0.2 s (DNS did not answer); re-run, or check this scanner's DNS",
      },
      {
        gateway: 'proto',
        host: '__proto__.example',
        addresses: [],
        failure: "the name __proto__.example does not resolve; check the host name and this scanner's DNS (ENOTFOUND)",
      },
    ]);
  });

  it('asks the system resolver for real: localhost has an address, a .invalid name has none', async () => {
    const resolved = await resolveGateways([gw('lo', 'localhost'), gw('nx', 'cocoscan-test.invalid')], systemResolveHost, 5000);
    expect(resolved[0]!.addresses).toContain('127.0.0.1');
    expect(resolved[1]!.failure).toMatch(/^the name cocoscan-test\.invalid (does not resolve|could not be looked up)/);
  });
});

const connection = (gateways: { name: string; host: string }[]) =>
  connectionFileSchema.parse({
    connection: { name: 'dual', connectedSystem: 'M', connectingSystem: 'T', organisation: 'O' },
    gateways,
    flows: [{ name: 'admin', protocol: 'ssh', port: 22 }],
    scan: { tcpPorts: '22', probeTimeoutSeconds: 1 },
    snmp: { timeoutSeconds: 0.5 },
  });

describe('the check with resolved gateways', () => {
  it('refuses a dual-stack name before any packet: nmap is only asked its version', async () => {
    const calls: string[][] = [];
    const run = runCheck({
      connection: connection([{ name: 'gw', host: 'gw.example' }]),
      profile: await loadProfile(),
      exec: fakeNmap('firewalled-gateway.xml', calls),
      privileged: true,
      resolveHost: table({ 'gw.example': ['127.0.0.1', '::1'] }),
    });
    await expect(run).rejects.toThrow('gw: gw.example resolves to 127.0.0.1 and ::1; cocoscan probes one address per gateway');
    expect(calls.map((c) => c[1])).toEqual(['--version']);
  });

  it('records every gateway address in report.json; a name that does not resolve is an error on that gateway only', async () => {
    const calls: string[][] = [];
    const { report } = await runCheck({
      connection: connection([
        { name: 'lo', host: '127.0.0.1' },
        { name: 'gone', host: 'gone.example' },
      ]),
      profile: await loadProfile(),
      exec: fakeNmap('firewalled-gateway.xml', calls),
      privileged: true,
      resolveHost: table({}),
    });
    expect(runReportSchema.parse(report).addresses).toEqual([
      { gateway: 'lo', host: '127.0.0.1', addresses: ['127.0.0.1'] },
      {
        gateway: 'gone',
        host: 'gone.example',
        addresses: [],
        failure: "the name gone.example does not resolve; check the host name and this scanner's DNS (ENOTFOUND)",
      },
    ]);
    const gone = report.findings.filter((f) => f.target.gateway === 'gone');
    expect(gone.length).toBeGreaterThan(0);
    expect(new Set(gone.map((f) => f.status))).toEqual(new Set(['error']));
    expect(gone.every((f) => f.message.includes('the name gone.example does not resolve'))).toBe(true);
    expect(report.findings.some((f) => f.target.gateway === 'lo' && f.status !== 'error')).toBe(true);
    // The sweep never names the gateway that has no address.
    expect(calls.filter((c) => c[1] !== '--version').every((c) => !c.includes('gone.example'))).toBe(true);
  });
});

describe('the sweep of a name', () => {
  it('sweeps the address the name resolved to, with nmap -6 for an AAAA-only name (nmap alone would look up A only)', async () => {
    const calls: string[][] = [];
    const { report } = await runCheck({
      connection: connection([
        { name: 'v4', host: 'v4.example' },
        { name: 'v6', host: 'v6.example' },
      ]),
      profile: await loadProfile(),
      exec: fakeNmap('firewalled-gateway.xml', calls),
      privileged: true,
      resolveHost: table({ 'v4.example': ['127.0.0.1'], 'v6.example': ['::1'] }),
    });
    const sweeps = calls.filter((c) => c[1] !== '--version');
    expect(sweeps.map((c) => c.slice(c.indexOf('--') + 1))).toEqual(expect.arrayContaining([['127.0.0.1'], ['::1']]));
    expect(sweeps.find((c) => c.includes('::1'))).toContain('-6');
    expect(sweeps.flat().some((arg) => arg.endsWith('.example'))).toBe(false);
    expect(report.addresses).toEqual([
      { gateway: 'v4', host: 'v4.example', addresses: ['127.0.0.1'] },
      { gateway: 'v6', host: 'v6.example', addresses: ['::1'] },
    ]);
  });
});
