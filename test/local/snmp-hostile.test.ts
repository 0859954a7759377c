import { afterEach, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { parseProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { desAvailable } from '../../src/snmp/client.ts';
import { gatherSnmp, SOFTWARE_LIMIT } from '../../src/snmp/gather.ts';
import { startFakeSnmpAgent, type AgentBehaviour } from '../helpers/fake-snmp-agent.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function connection(port: number, v3?: Record<string, string>) {
  return connectionFileSchema.parse({
    connection: { name: 'hostile', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: [{ name: 'lo', host: '127.0.0.1' }],
    flows: [{ name: 'web', protocol: 'https', port: 443 }],
    snmp: { port, timeoutSeconds: 0.6, ...(v3 ? { v3 } : {}) },
  });
}

async function against(behaviour: AgentBehaviour) {
  const agent = await startFakeSnmpAgent(behaviour);
  close = agent.close;
  const c = connection(agent.port);
  const started = Date.now();
  const facts = await gatherSnmp(c, c.gateways[0]!, ['public', 'private']);
  return { facts, seconds: (Date.now() - started) / 1000 };
}

describe('SNMP against a hostile agent: bounded, never a crash or a false answer', () => {
  it('undecodable replies are counted, not taken for an answer', async () => {
    const { facts, seconds } = await against('garbage');
    expect(facts.attempts.every((a) => !a.answered && a.strange)).toBe(true);
    expect(facts.attempts[0]?.reason).toMatch(/could not be decoded as SNMP/);
    expect(seconds).toBeLessThan(5);
  });

  it('replies from another port are ignored and said to be so', async () => {
    const { facts } = await against('wrong-source');
    expect(facts.attempts.every((a) => !a.answered && a.strange)).toBe(true);
    expect(facts.attempts[0]?.reason).toMatch(/not from the agent's address and port/);
  });

  it('the probe reports replies it could not attribute as errors, never as silence', async () => {
    const agent = await startFakeSnmpAgent('wrong-source');
    close = agent.close;
    const profile = parseProfile(
      'id: s\nversion: "1"\ntitle: S\nsections:\n  - id: s\n    title: S\n    rows:\n      - { ref: R, title: SNMP, method: automated, decidedBy: [snmp.community, snmp.undeclared] }\n',
      's.yaml',
    );
    const { report } = await runCheck({ connection: connection(agent.port), profile });
    expect(report.findings.filter((f) => f.probe === 'snmp' && f.id !== 'snmp.v3-security' && f.id !== 'snmp.v3-crypto').map((f) => [f.id, f.status])).toEqual([
      ['snmp.community', 'error'],
      ['snmp.undeclared', 'error'],
    ]);
    expect(report.rows[0]?.compliance).toBe('Not assessed');
  });

  it('a flood of varbinds is read up to the bound', async () => {
    const { facts, seconds } = await against('flood');
    expect(facts.attempts.filter((a) => a.answered).length).toBe(4);
    expect(facts.software?.truncated).toBe(true);
    expect(facts.software?.names.length).toBe(SOFTWARE_LIMIT);
    expect(seconds).toBeLessThan(10);
  });

  it('says plainly when DES privacy cannot be tested on this Node', async () => {
    const agent = await startFakeSnmpAgent('garbage');
    close = agent.close;
    process.env.HOSTILE_AUTH = 'auth-passphrase';
    process.env.HOSTILE_PRIV = 'priv-passphrase';
    const c = connection(agent.port, { user: 'u', authProtocol: 'sha', authKeyEnv: 'HOSTILE_AUTH', privProtocol: 'des', privKeyEnv: 'HOSTILE_PRIV' });
    const facts = await gatherSnmp(c, c.gateways[0]!, ['public']);
    const authPriv = facts.v3?.levels.find((l) => l.level === 'authPriv');
    if (desAvailable()) expect(authPriv?.accepted).not.toBe(true);
    else expect(authPriv).toMatchObject({ accepted: undefined, reason: expect.stringContaining('NODE_OPTIONS=--openssl-legacy-provider') });
  });
});
