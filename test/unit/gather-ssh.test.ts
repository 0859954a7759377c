import pLimit from 'p-limit';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { gatherSsh } from '../../probes/ssh/gather.ts';
import type { SshThresholds } from '../../probes/ssh/findings.ts';
import type { ConnectionFile, Gateway } from '../../src/connection/schema.ts';
import { InternalError } from '../../src/errors.ts';
import type { SweepFact } from '../../src/facts/sweep.ts';
import type { DiscoveredPort } from '../../src/nmap/run.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import { auditSshEndpoint, type SshEndpointFacts } from '../../src/ssh/audit-endpoint.ts';
import { greetsWithSsh, type SshEndpoint } from '../../src/ssh/exchange.ts';
import { nmapHost } from '../helpers/nmap-host.ts';
import type { ReachedPort } from '../../src/facts/shared.ts';

// The gathering's own logic (which ports, in which order, one port's failure kept to that port), without a
// network: the SSH exchanges themselves are tested against real and hostile servers in test/hostile/ssh.test.ts.
vi.mock('../../src/ssh/audit-endpoint.ts', async (original) => ({ ...(await original<object>()), auditSshEndpoint: vi.fn() }));
vi.mock('../../src/ssh/exchange.ts', async (original) => ({ ...(await original<object>()), greetsWithSsh: vi.fn() }));
const audit = vi.mocked(auditSshEndpoint);
const greets = vi.mocked(greetsWithSsh);

const gateway = { name: 'gw', host: '192.0.2.1' } as Gateway;
const connection = {
  flows: [
    { name: 'admin-ssh', protocol: 'ssh', port: 22, transport: 'tcp' },
    { name: 'web', protocol: 'https', port: 443, transport: 'tcp' },
    { name: 'transfer', protocol: 'sftp', port: 2022, transport: 'tcp' },
    { name: 'odd', protocol: 'ssh', port: 22, transport: 'udp' },
  ],
  scan: { probeTimeoutSeconds: 2, connectionsPerHost: 4 },
} as unknown as ConnectionFile;

const answered = (endpoint: SshEndpoint): SshEndpointFacts => ({
  endpoint,
  hello: {
    ident: 'SSH-2.0-OpenSSH_9.6',
    preamble: [],
    kexinit: {
      cookie: '',
      kex: [],
      hostKey: [],
      encryptionClientToServer: [],
      encryptionServerToClient: [],
      macClientToServer: [],
      macServerToClient: [],
      compressionClientToServer: [],
      compressionServerToClient: [],
      firstKexFollows: false,
    },
  },
  hostKeys: [],
  hostKeyErrors: [],
  hostKeyPlan: { queries: [], unknown: [], overCap: [], unreadable: [] },
  auth: { ok: true, methods: ['publickey'], user: 'cocoscan-x' },
  durationMs: 5,
  connections: 3,
});

interface Sweep {
  announced?: number[];
  sshInRecord?: number[];
}

function context(sweep?: Sweep) {
  const added: string[][] = [];
  const reached: ReachedPort[] = [];
  const contents = new Map<string, string>();
  const sweepFact =
    sweep &&
    ({
      host: nmapHost((sweep.sshInRecord ?? []).map((port) => [port, 'open', 'syn-ack', { name: 'ssh', method: 'probed' }])),
    } as unknown as SweepFact);
  const ctx = {
    gateway,
    connection,
    thresholds: { minRsaBits: 2048, bannedAuthMethods: ['password'], authUsers: ['root'], vulnerabilityFailCvss: 8 },
    shared: {
      sweepIfRun: () => (sweepFact ? Promise.resolve(sweepFact) : undefined),
      onOpenPort: (_g: Gateway, listener: (port: DiscoveredPort) => void) => {
        if (!sweep) return false;
        for (const port of sweep.announced ?? []) listener({ address: gateway.host, port, transport: 'tcp' });
        listener({ address: gateway.host, port: 161, transport: 'udp' });
        return true;
      },
      snmpIfGathered: () => undefined,
      probeSweptPort: <T>(_g: Gateway, probe: () => Promise<T>) => probe(),
      portReached: (_g: Gateway, port: ReachedPort) => reached.push(port),
      reachedPorts: () => Promise.resolve(reached),
    },
    evidence: {
      add: (segments: string[], content: string | Buffer) => {
        added.push(segments);
        contents.set(segments.join('/'), String(content));
        return `evidence/gateways/gw/${segments.join('/')}`;
      },
    },
    exec: undefined,
    signal: new AbortController().signal,
    now: () => new Date('2026-11-30T10:00:00Z'),
    connectionLimit: pLimit(4),
    activity: () => undefined,
  } as unknown as GatherContext<SshThresholds>;
  return { ctx, added, contents, reached };
}

beforeEach(() => {
  audit.mockReset();
  greets.mockReset();
  audit.mockImplementation((endpoint) => Promise.resolve(answered(endpoint)));
  greets.mockResolvedValue(false);
});

describe('ssh gathering', () => {
  it('audits the declared TCP SSH and SFTP flows, keeps an evidence file per port, and maps what it read', async () => {
    const { ctx, added } = context();
    const facts = await gatherSsh(ctx);
    expect(facts.target).toEqual({ gateway: 'gw', host: '192.0.2.1' });
    expect(facts.ports.map((p) => [p.port, p.flow])).toEqual([
      [22, 'admin-ssh'],
      [2022, 'transfer'],
    ]);
    expect(added).toEqual([['ssh-22.json'], ['ssh-2022.json']]);
    expect(facts.ports[0]).toMatchObject({
      artefact: 'evidence/gateways/gw/ssh-22.json',
      auth: { methods: ['publickey'] },
      hostKeys: [],
      hostKeyErrors: [],
    });
    expect(facts.ports[0]!.failure).toBeUndefined();
    expect(greets).not.toHaveBeenCalled();
  });

  it('a port without an identification, or whose log-on methods could not be asked, says why as its failure', async () => {
    audit.mockImplementation((endpoint) =>
      Promise.resolve(
        endpoint.port === 22
          ? {
              ...answered(endpoint),
              hello: undefined,
              helloError: 'no SSH identification within 2 s',
              auth: undefined,
              hostKeyPlan: undefined,
            }
          : { ...answered(endpoint), auth: { ok: false, reason: 'the server closed the connection' } },
      ),
    );
    const { ctx, reached } = context();
    const { ports } = await gatherSsh(ctx);
    expect(ports[0]).toMatchObject({ port: 22, failure: 'no SSH identification within 2 s' });
    // Only the port that sent its identification proves the gateway answers there (firewall and exposure read it).
    expect(reached).toEqual([{ port: 2022, transport: 'tcp', probe: 'ssh', protocol: 'ssh', proof: 'its SSH identification' }]);
    expect(ports[0]!.hello).toBeUndefined();
    expect(ports[1]).toMatchObject({ port: 2022, auth: { failure: 'the server closed the connection' } });
    expect(ports[1]!.failure).toBeUndefined();
  });

  // A fix: one port whose audit threw used to make every SSH finding of every gateway an error.
  it("one port's audit that throws is that port's failure; the other ports are still audited", async () => {
    audit.mockImplementation((endpoint) => {
      if (endpoint.port === 22)
        return Promise.reject(Object.assign(new Error('connect EHOSTUNREACH 192.0.2.1:22'), { code: 'EHOSTUNREACH', syscall: 'connect' }));
      return Promise.resolve(answered(endpoint));
    });
    const { ctx, contents } = context();
    const { ports } = await gatherSsh(ctx);
    expect(ports.map((p) => p.port)).toEqual([22, 2022]);
    expect(ports[0]!.failure).toMatch(/^the ssh probe failed: /);
    expect(ports[0]!.hostKeys).toEqual([]);
    expect(ports[1]!.failure).toBeUndefined();
    expect(JSON.parse(contents.get('ssh-22.json')!)).toMatchObject({
      endpoint: { host: '192.0.2.1', port: 22 },
      fault: expect.stringMatching(/EHOSTUNREACH/),
    });
  });

  it('an internal fault is not hidden as a port failure', async () => {
    audit.mockRejectedValue(new InternalError('a bug'));
    await expect(gatherSsh(context().ctx)).rejects.toBeInstanceOf(InternalError);
  });

  it('audits SSH the sweep announces or identifies on undeclared ports, once each, after the declared flows', async () => {
    greets.mockImplementation((endpoint) => Promise.resolve(endpoint.port !== 8080));
    const { ctx } = context({ announced: [8080, 2222, 22], sshInRecord: [2200, 2222] });
    const { ports } = await gatherSsh(ctx);
    expect(ports.map((p) => [p.port, p.flow])).toEqual([
      [22, 'admin-ssh'],
      [2022, 'transfer'],
      [2222, undefined],
      [2200, undefined],
    ]);
    expect(greets.mock.calls.map(([endpoint, timeoutMs]) => [endpoint.port, timeoutMs])).toEqual([
      [8080, 2000],
      [2222, 2000],
      [2200, 2000],
    ]);
    expect(audit.mock.calls.map(([endpoint]) => endpoint.port)).toEqual([22, 2022, 2222, 2200]);
  });

  it('without a sweep in the run, only the declared flows', async () => {
    const { ports } = await gatherSsh(context().ctx);
    expect(ports.map((p) => p.port)).toEqual([22, 2022]);
  });

  it('each audit gets a per-gateway signal that follows the run signal', async () => {
    const run = new AbortController();
    const { ctx } = context();
    let seen: AbortSignal | undefined;
    audit.mockImplementation((endpoint, options) => {
      seen = options.signal;
      run.abort();
      return Promise.resolve(answered(endpoint));
    });
    await gatherSsh({ ...ctx, signal: run.signal });
    expect(seen).not.toBe(run.signal);
    expect(seen!.aborted).toBe(true);
  });
});
