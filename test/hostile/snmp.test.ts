import { parseTestProfile, withShippedThresholds } from '../helpers/test-profile.ts';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { closeSession, communitySession, desAvailable, HR_SW_INSTALLED_NAME, MAX_REPLIES_PER_REQUEST } from '../../src/snmp/client.ts';
import { walkSubtree } from '../../src/snmp/walk.ts';
import { readableSubtrees } from '../../src/snmp/view.ts';
import { discoverEngine } from '../../src/snmp/discovery.ts';
import { DEFAULT_WALK_BUDGET, gatherSnmp, SOFTWARE_LIMIT, type GatherOptions } from '../../src/snmp/gather.ts';
import { spawnCli, tempDir } from '../helpers/cli.ts';
import { startFakeSnmpAgent, type AgentBehaviour, type AgentOptions, type FakeSnmpAgent } from '../helpers/fake-snmp-agent.ts';
import { startFakeV3Agent, type LevelBehaviour, type V3Level } from '../helpers/fake-snmp-v3-agent.ts';

let close: (() => Promise<void>) | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await close?.();
  close = undefined;
});

/** snmp.timeoutSeconds of these tests. */
const TIMEOUT_S = 0.6;
/**
 * The longest one request may wait (client.ts: net-snmp's timeout of half the configured one, one retry, and a
 * 1 s margin). Time bounds below are generous multiples of it, so a loaded CI machine does not trip them, yet
 * far below what an unbounded loop would take; the request counts are the tight assertions.
 */
const REQUEST_DEADLINE_S = TIMEOUT_S + 1;

function connection(port: number, v3?: Record<string, string>, timeoutSeconds = TIMEOUT_S) {
  return connectionFileSchema.parse({
    connection: { name: 'hostile', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: [{ name: 'lo', host: '127.0.0.1' }],
    flows: [{ name: 'web', protocol: 'https', port: 443 }],
    snmp: { port, timeoutSeconds, ...(v3 ? { v3 } : {}) },
  });
}

const SNMP_PROFILE =
  'id: s\nversion: "1"\ntitle: S\nsections:\n  - id: s\n    title: S\n    rows:\n' +
  '      - { ref: R, title: SNMP, method: automated, decidedBy: [snmp.community, snmp.undeclared] }\n';

async function agent(behaviour: AgentBehaviour, options?: AgentOptions): Promise<FakeSnmpAgent> {
  const started = await startFakeSnmpAgent(behaviour, options);
  close = started.close;
  return started;
}

async function against(behaviour: AgentBehaviour, options: Partial<GatherOptions> = {}, agentOptions?: AgentOptions) {
  const fake = await agent(behaviour, agentOptions);
  const c = connection(fake.port);
  const started = performance.now();
  const facts = await gatherSnmp(c, c.gateways[0]!, { communities: ['public', 'private'], ...options });
  // `requests`: the software walk's; the view walk (GETNEXT from 1.3.6.1) follows it within what is left of the same budget.
  const requests = fake.walkRequests() - (facts.readable?.requests ?? 0);
  return { facts, seconds: (performance.now() - started) / 1000, requests, fake };
}

describe('SNMP against a hostile agent: bounded, never a crash or a false answer', () => {
  it('undecodable replies are counted, not taken for an answer', async () => {
    const { facts, seconds } = await against('garbage');
    expect(facts.attempts.every((a) => !a.answered && a.strange)).toBe(true);
    expect(facts.attempts[0]?.reason).toMatch(/could not be decoded as SNMP/);
    expect(seconds).toBeLessThan(6 * REQUEST_DEADLINE_S);
  });

  it('replies from another port are ignored and said to be so', async () => {
    const { facts } = await against('wrong-source');
    expect(facts.attempts.every((a) => !a.answered && a.strange)).toBe(true);
    expect(facts.attempts[0]?.reason).toMatch(/not from the agent's address and port/);
  });

  it('the probe reports replies it could not attribute as errors, never as silence', async () => {
    const fake = await agent('wrong-source');
    const profile = parseTestProfile(SNMP_PROFILE, 's.yaml');
    const { report } = await runCheck({ connection: connection(fake.port), profile });
    expect(
      report.findings
        .filter((f) => f.probe === 'snmp' && f.id !== 'snmp.v3-security' && f.id !== 'snmp.v3-crypto')
        .map((f) => [f.id, f.status]),
    ).toEqual([
      ['snmp.community', 'error'],
      ['snmp.cleartext', 'error'],
      ['snmp.undeclared', 'error'],
    ]);
    expect(report.rows[0]?.compliance).toBe('Not assessed');
  });

  it('a flood of varbinds is read up to the bound, and said to be cut short', async () => {
    const { facts, seconds } = await against('flood');
    expect(facts.attempts.filter((a) => a.answered).length).toBe(4);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'max-entries' });
    expect(facts.software?.names.length).toBe(SOFTWARE_LIMIT);
    expect(seconds).toBeLessThan(10 * REQUEST_DEADLINE_S);
  });

  it('says plainly when DES privacy cannot be tested on this Node', async () => {
    const fake = await agent('garbage');
    process.env.HOSTILE_AUTH = 'auth-passphrase';
    process.env.HOSTILE_PRIV = 'priv-passphrase';
    const c = connection(fake.port, {
      user: 'u',
      authProtocol: 'sha',
      authKeyEnv: 'HOSTILE_AUTH',
      privProtocol: 'des',
      privKeyEnv: 'HOSTILE_PRIV',
    });
    const facts = await gatherSnmp(c, c.gateways[0]!, { communities: ['public'] });
    const authPriv = facts.v3?.levels.find((l) => l.level === 'authPriv');
    if (desAvailable()) expect(authPriv?.accepted).not.toBe(true);
    else expect(authPriv).toMatchObject({ accepted: undefined, reason: expect.stringContaining('NODE_OPTIONS=--openssl-legacy-provider') });
  });
});

describe('SNMP walks against agents that would keep them going for ever', () => {
  for (const exception of ['noSuchInstance', 'noSuchObject'] as const) {
    it(`stops at the first reply that repeats the OID with ${exception}, marked truncated`, async () => {
      const { facts, seconds, requests } = await against('same-oid-exception', {}, { exception });
      expect(requests).toBe(1);
      expect(seconds).toBeLessThan(6 * REQUEST_DEADLINE_S);
      expect(facts.software).toMatchObject({ truncated: true, stop: 'exception-value', requests: 1, names: [] });
      expect(facts.software?.reason).toContain(exception);
    });
  }

  it('takes endOfMibView on the same OID as the end of the agent: one request, nothing read', async () => {
    const { facts, requests } = await against('same-oid-exception', {}, { exception: 'endOfMibView' });
    expect(requests).toBe(1);
    expect(facts.software).toMatchObject({ truncated: false, stop: 'end-of-mib', names: [] });
  });

  it('stops on an OID that does not increase', async () => {
    const { facts, seconds, requests } = await against('same-oid');
    expect(requests).toBe(1);
    expect(seconds).toBeLessThan(6 * REQUEST_DEADLINE_S);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'non-increasing-oid', names: [] });
    expect(facts.software?.error).toMatch(/OIDs must increase/);
  });

  it('stops on an error status', async () => {
    const { facts, requests } = await against('error-status');
    expect(requests).toBe(1);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'error-status' });
  });

  it('stops an endless increasing walk at the request budget', async () => {
    const { facts, seconds, requests, fake } = await against('endless', { walk: { ...DEFAULT_WALK_BUDGET, maxRequests: 40 } });
    expect(requests).toBe(40);
    // One budget for both walks: the view walk has nothing left, so it sends nothing and says why.
    expect(fake.walkRequests()).toBe(40);
    expect(facts.readable).toMatchObject({ truncated: true, stop: 'max-requests', requests: 0, subtrees: [] });
    expect(seconds).toBeLessThan(10 * REQUEST_DEADLINE_S);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'max-requests', requests: 40 });
    expect(facts.software?.names).toHaveLength(40);
    expect(facts.software?.error).toBeUndefined();
  });

  it('stops an endless increasing walk at the default request budget', async () => {
    const { facts, seconds, requests, fake } = await against('endless');
    expect(requests).toBe(DEFAULT_WALK_BUDGET.maxRequests);
    expect(fake.walkRequests()).toBe(DEFAULT_WALK_BUDGET.maxRequests);
    expect(seconds).toBeLessThan(20 * REQUEST_DEADLINE_S);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'max-requests' });
  });

  it('stops an endless slow walk at the time budget', async () => {
    const { facts, seconds, requests } = await against(
      'endless',
      { walk: { ...DEFAULT_WALK_BUDGET, maxRequests: 100_000, maxSeconds: 1 } },
      { walkDelayMs: 50 },
    );
    // The 1 s budget plus room for the request in flight and a loaded machine; 100,000 requests would take 5,000 s.
    expect(seconds).toBeLessThan(1 + 4 * REQUEST_DEADLINE_S);
    expect(requests).toBeLessThanOrEqual(1000 / 50 + 1);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'max-seconds' });
  });

  it('stops when the run is aborted, and the probe says the check was cut short', async () => {
    const fake = await agent('endless', { walkDelayMs: 20 });
    const controller = new AbortController();
    fake.events.on('walk-request', (count: number) => {
      if (count === 10) controller.abort();
    });
    const started = performance.now();
    const c = connection(fake.port);
    const facts = await gatherSnmp(c, c.gateways[0]!, { communities: ['public'], signal: controller.signal });
    expect((performance.now() - started) / 1000).toBeLessThan(3 * REQUEST_DEADLINE_S);
    expect(fake.walkRequests()).toBe(10);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'aborted' });
    expect(facts.interrupted).toMatch(/interrupted/);
  });

  it('a run interrupted before any community was answered gives errors, never a pass for silence', async () => {
    const fake = await agent('v3-report-loop'); // silent to v1 and v2c
    const profile = parseTestProfile(SNMP_PROFILE, 's.yaml');
    const controller = new AbortController();
    const started = performance.now();
    // A long request timeout: a run that ignored the abort would wait 30 s for the silent agent.
    const checking = runCheck({ connection: connection(fake.port, undefined, 30), profile, signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const { report } = await checking;
    expect((performance.now() - started) / 1000).toBeLessThan(10);
    const statuses = report.findings
      .filter((f) => f.id === 'snmp.community' || f.id === 'snmp.undeclared')
      .map((f) => [f.id, f.status, f.message]);
    expect(statuses).toEqual([
      ['snmp.community', 'error', expect.stringContaining('interrupted')],
      ['snmp.undeclared', 'error', expect.stringContaining('interrupted')],
    ]);
  });

  it('a walk slower than its time budget stops at the budget, not at the request timeout', async () => {
    const fake = await agent('endless', { walkDelayMs: 5000 });
    const c = connectionFileSchema.parse({ ...connection(fake.port), snmp: { port: fake.port, timeoutSeconds: 30 } });
    const started = performance.now();
    const facts = await gatherSnmp(c, c.gateways[0]!, { communities: ['public'], walk: { ...DEFAULT_WALK_BUDGET, maxSeconds: 1 } });
    // Half the 30 s request timeout it would otherwise wait for, with room for a loaded machine.
    expect((performance.now() - started) / 1000).toBeLessThan(15);
    expect(fake.walkRequests()).toBe(1);
    expect(facts.software).toMatchObject({ truncated: true, stop: 'max-seconds' });
  });

  it('a request cut short by the time budget ends the walk at max-seconds, whatever the clock says when the timer fires', async () => {
    // A timer may fire a fraction of a millisecond before the walk's clock reaches its deadline; a frozen clock
    // makes that certain, and the walk must still say the budget ended it, not that the agent did not answer.
    const fake = await agent('endless', { walkDelayMs: 5000 });
    // A 30 s request timeout: only the 0.5 s budget can end this request soon.
    const target = { host: '127.0.0.1', port: fake.port, timeoutMs: 30_000 };
    const session = communitySession(target, '127.0.0.1', 'v2c', 'public');
    try {
      const started = performance.now();
      const walk = await walkSubtree(session, HR_SW_INSTALLED_NAME, {
        target,
        bulk: true,
        budget: { ...DEFAULT_WALK_BUDGET, maxSeconds: 0.5 },
        signal: new AbortController().signal,
        now: () => 0,
      });
      expect(walk).toMatchObject({ stop: 'max-seconds', complete: false, requests: 1 });
      expect((performance.now() - started) / 1000).toBeLessThan(0.5 + 4 * REQUEST_DEADLINE_S);
    } finally {
      closeSession(session);
    }
  });

  it('the probe fails the answering community and reports the walk as truncated, never as complete', async () => {
    const fake = await agent('same-oid-exception');
    const profile = parseTestProfile(SNMP_PROFILE, 's.yaml');
    const started = performance.now();
    const { report } = await runCheck({ connection: connection(fake.port), profile });
    expect((performance.now() - started) / 1000).toBeLessThan(10 * REQUEST_DEADLINE_S);
    // One request of the software walk, one of the view walk (GETNEXT from 1.3.6.1), each stopped by the exception.
    expect(fake.walkRequests()).toBe(2);
    const community = report.findings.find((f) => f.id === 'snmp.community');
    expect(community?.status).toBe('fail');
    expect(community?.evidence.raw).toMatch(/0\+ installed software entries \(hrSWInstalled, truncated: the agent answered noSuchInstance/);
    expect(community?.data).toMatchObject({ software: { truncated: true, stop: 'exception-value', requests: 1 } });
  });

  it('a CLI check walking a slow endless agent ends within 5 s of SIGTERM', async () => {
    const fake = await agent('endless', { walkDelayMs: 100 });
    const dir = await tempDir();
    await writeFile(join(dir, 'profile.yaml'), withShippedThresholds(SNMP_PROFILE));
    await writeFile(
      join(dir, 'connection.yaml'),
      'connection: { name: hostile, mojSystem: M, thirdPartySystem: T, organisation: O }\n' +
        'gateways: [ { name: lo, host: 127.0.0.1 } ]\nflows: [ { name: web, protocol: https, port: 443 } ]\n' +
        `snmp: { port: ${fake.port}, timeoutSeconds: 1, communities: [public] }\n`,
    );
    const walking = new Promise<void>((resolve) => fake.events.on('walk-request', (n: number) => n === 5 && resolve()));
    child = spawnCli(
      [
        'check',
        join(dir, 'connection.yaml'),
        '--profile',
        join(dir, 'profile.yaml'),
        '--out',
        join(dir, 'out'),
        '--no-progress',
        '--no-history',
      ],
      { stdio: 'ignore' },
    );
    const exited = once(child, 'exit');
    // A CLI that ends before it walks (a bad file, say) fails here at once, not at the test's timeout.
    await Promise.race([walking, exited.then(([code]) => Promise.reject(new Error(`the CLI exited (${String(code)}) before walking`)))]);
    const signalled = performance.now();
    child.kill('SIGTERM');
    // 5 s is the product's promise for SIGINT and SIGTERM (issue 14), not a guess at this machine's speed; the
    // walk would otherwise run on for 50 s (500 requests, 100 ms each).
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    const outcome = await Promise.race([exited.then(() => 'exited' as const), timeout]);
    expect(outcome).toBe('exited');
    expect((performance.now() - signalled) / 1000).toBeLessThan(5);
    const requestsAtExit = fake.walkRequests();
    expect(requestsAtExit).toBeLessThan(DEFAULT_WALK_BUDGET.maxRequests);
  });
});

describe('SNMPv3 against an agent that answers every request with a discovery Report', () => {
  it('gives up after a few replies per level instead of asking again for ever', async () => {
    const fake = await agent('v3-report-loop');
    process.env.HOSTILE_AUTH = 'auth-passphrase';
    process.env.HOSTILE_PRIV = 'priv-passphrase';
    const c = connection(fake.port, {
      user: 'u',
      authProtocol: 'sha256',
      authKeyEnv: 'HOSTILE_AUTH',
      privProtocol: 'aes',
      privKeyEnv: 'HOSTILE_PRIV',
    });
    const started = performance.now();
    const facts = await gatherSnmp(c, c.gateways[0]!, { communities: ['public'] });
    expect((performance.now() - started) / 1000).toBeLessThan(10 * REQUEST_DEADLINE_S);
    // Three levels and the engine discovery, each at most the discovery plus MAX_REPLIES_PER_REQUEST further requests;
    // v1/v2c add two more.
    expect(fake.datagrams()).toBeLessThanOrEqual(4 * 6 + 4);
    // A Report loop is no refusal: every level stays unknown, none is taken as refused.
    expect(facts.v3?.levels.map((l) => l.accepted)).toEqual([undefined, undefined, undefined]);
    expect(facts.v3?.levels[2]?.reason).toMatch(/replies to one request/);
    const profile = parseTestProfile(SNMP_PROFILE.replace('snmp.undeclared]', 'snmp.undeclared, snmp.v3-security]'), 's.yaml');
    const { report } = await runCheck({ connection: c, profile });
    expect(report.findings.find((f) => f.id === 'snmp.v3-security')?.status).toBe('error');
  });
});

describe('SNMPv3 security level: only a refusal from the agent counts as refused', () => {
  const v3 = {
    user: 'cocoscan',
    authProtocol: 'sha256',
    authKeyEnv: 'HOSTILE_V3_AUTH',
    privProtocol: 'aes',
    privKeyEnv: 'HOSTILE_V3_PRIV',
  };
  const keys = { user: v3.user, authKey: 'hostile-auth-passphrase', privKey: 'hostile-priv-passphrase' };
  const V3_PROFILE = SNMP_PROFILE.replace('snmp.undeclared]', 'snmp.undeclared, snmp.v3-security]');

  async function v3Check(levels: Partial<Record<V3Level, LevelBehaviour>>) {
    const fake = await startFakeV3Agent({ ...keys, levels });
    close = fake.close;
    process.env.HOSTILE_V3_AUTH = keys.authKey;
    process.env.HOSTILE_V3_PRIV = keys.privKey;
    const started = performance.now();
    const { report } = await runCheck({ connection: connection(fake.port, v3), profile: parseTestProfile(V3_PROFILE, 's.yaml') });
    return { finding: report.findings.find((f) => f.id === 'snmp.v3-security')!, seconds: (performance.now() - started) / 1000, fake };
  }

  it('passes an agent that answers authPriv and refuses the lower levels with a usmStats Report', async () => {
    const { finding, fake } = await v3Check({});
    expect(finding.status).toBe('pass');
    expect(finding.evidence.actual).toMatch(/noAuthNoPriv: refused \(the agent refused: usmStatsWrongDigests/);
    expect(finding.evidence.actual).toMatch(/authNoPriv: refused \(the agent refused: usmStatsWrongDigests/);
    expect(finding.evidence.actual).toMatch(/authPriv: accepted/);
    expect(fake.requests('authPriv')).toBeGreaterThan(0);
  });

  for (const [behaviour, why] of [
    ['silent', /timed out|no usable answer/],
    ['report-loop', /replies to one request|Unknown Engine ID/],
    ['garbage', /could not be decoded|no usable answer|timed out/],
  ] as const) {
    for (const level of ['noAuthNoPriv', 'authNoPriv'] as const) {
      it(`is never a pass when ${level} gets no refusal (${behaviour}) while authPriv answers`, async () => {
        const { finding, seconds, fake } = await v3Check({ [level]: behaviour });
        expect(finding.status).toBe('error');
        expect(finding.message).toContain(`whether the agent refuses ${level} (`);
        expect(finding.message).toMatch(why);
        expect(finding.evidence.actual).toContain(`${level}: untested`);
        expect(finding.evidence.actual).toMatch(/authPriv: accepted/);
        // One request and its retry at most per level, and no reply loop: bounded by the request deadline.
        expect(fake.requests(level)).toBeLessThanOrEqual(2 + MAX_REPLIES_PER_REQUEST);
        expect(seconds).toBeLessThan(10 * REQUEST_DEADLINE_S);
      });
    }
  }
});

describe('the view walk from 1.3.6.1 and engine discovery against hostile agents', () => {
  const budget = { ...DEFAULT_WALK_BUDGET, maxRequests: 30 };
  const target = (port: number) => ({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_S * 1000 });

  it('an agent inventing subtrees for ever is read up to the request budget, marked truncated', async () => {
    const fake = await agent('endless');
    const session = communitySession(target(fake.port), '127.0.0.1', 'v2c', 'public');
    try {
      const view = await readableSubtrees(session, { target: target(fake.port), budget, signal: new AbortController().signal });
      expect(view).toMatchObject({ stop: 'max-requests', complete: false, requests: 30 });
      expect(fake.walkRequests()).toBe(30);
    } finally {
      closeSession(session);
    }
  });

  it('an agent answering the OID it was asked for stops the view walk at once', async () => {
    const fake = await agent('same-oid');
    const session = communitySession(target(fake.port), '127.0.0.1', 'v2c', 'public');
    try {
      const view = await readableSubtrees(session, { target: target(fake.port), budget, signal: new AbortController().signal });
      expect(view).toMatchObject({ stop: 'non-increasing-oid', complete: false, requests: 1, values: [] });
    } finally {
      closeSession(session);
    }
  });

  it('engine discovery reads the engine id of a Report loop, bounded, and silence gives none', async () => {
    const looping = await agent('v3-report-loop');
    const found = await discoverEngine(target(looping.port), '127.0.0.1', new AbortController().signal);
    expect(found.engineId).toBe('80001f888000000000000000');
    expect(looping.datagrams()).toBeLessThanOrEqual(1 + MAX_REPLIES_PER_REQUEST);
    await close?.();
    close = undefined;
    const garbage = await agent('garbage');
    const none = await discoverEngine(target(garbage.port), '127.0.0.1', new AbortController().signal);
    expect(none.engineId).toBeUndefined();
  });
});
