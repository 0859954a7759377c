import { describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/connection/schema.ts';
import { Facts, type FactDeps } from '../../src/facts/facts.ts';
import type { ReachedPort } from '../../src/facts/shared.ts';

const gw = { name: 'gw', host: '192.0.2.1' } as Gateway;
const other = { name: 'other', host: '192.0.2.2' } as Gateway;
const ssh: ReachedPort = { port: 22, transport: 'tcp', probe: 'ssh', protocol: 'ssh', proof: 'its SSH identification' };
const facts = (gatherers?: number) => new Facts({ gatherers } as FactDeps);
const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('the ports this run reached', () => {
  it('waits for the other gatherings of the gateway, then gives what they reached', async () => {
    const run = facts(3);
    const firewall = run.reachedPorts(gw);
    expect(await settled(firewall)).toBe(false);
    run.portReached(gw, ssh);
    run.gatherEnded(gw); // the SSH probe
    expect(await settled(firewall)).toBe(false);
    const exposure = run.reachedPorts(gw);
    // Every gathering still running now waits here: none waits for another.
    await expect(firewall).resolves.toEqual([ssh]);
    await expect(exposure).resolves.toEqual([ssh]);
  });

  it('counts each gateway apart', async () => {
    const run = facts(2);
    const onGw = run.reachedPorts(gw);
    run.gatherEnded(other);
    run.gatherEnded(other);
    expect(await settled(onGw)).toBe(false);
    run.gatherEnded(gw);
    await expect(onGw).resolves.toEqual([]);
  });

  it('does not wait when the engine runs no gatherings it counts', async () => {
    const run = facts();
    run.portReached(gw, ssh);
    await expect(run.reachedPorts(gw)).resolves.toEqual([ssh]);
  });

  it('gives copies: a reader cannot change what another reads', async () => {
    const run = facts();
    run.portReached(gw, ssh);
    const [first] = (await run.reachedPorts(gw)) as ReachedPort[];
    first!.port = 1;
    await expect(run.reachedPorts(gw)).resolves.toEqual([ssh]);
  });
});
