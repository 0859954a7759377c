import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnectionFile } from '../../src/connection/load.ts';
import { InputFileError } from '../../src/errors.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { checkProfileRequirements } from '../../src/profile/requirements.ts';
import { ROOT, tempDir, writeConnection } from '../helpers/cli.ts';

const VALID = `connection:
  name: cms-acme
  mojSystem: Case Management System
  thirdPartySystem: Acme Case Portal
  organisation: Acme Ltd
gateways:
  - name: acme-gw-1
    host: 192.0.2.10
flows:
  - name: case-sync
    protocol: https
    port: 443
  - name: admin
    protocol: ssh
    port: 22
onwardConnections: []
`;

async function problemsOf(yaml: string): Promise<string[]> {
  const file = await writeConnection(await tempDir(), yaml);
  try {
    await loadConnectionFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return (error as InputFileError).problems.map((p) => `${p.path}${p.line ? `@${p.line}` : ''}: ${p.message}`);
  }
  throw new Error('expected the file to be rejected');
}

describe('connection file', () => {
  it('accepts the README example and fills defaults', async () => {
    const file = await writeConnection(await tempDir(), VALID);
    const connection = await loadConnectionFile(file);
    expect(connection.flows.map((f) => f.transport)).toEqual(['tcp', 'tcp']);
    expect(connection.scan.tcpPorts).toBe('1-65535');
    expect(connection.scan.timing).toBe(4);
  });

  it('accepts the shipped example file', async () => {
    const connection = await loadConnectionFile(`${ROOT}/examples/connection.yaml`);
    expect(connection.connection.name).toBe('cms-acme');
  });

  it('names the path and line of an out-of-range port', async () => {
    const problems = await problemsOf(VALID.replace('port: 22', 'port: 70000'));
    expect(problems).toEqual(['flows[1].port@15: expected a number from 1 to 65535']);
  });

  it('reports every problem at once, including unknown and missing fields', async () => {
    const yaml = VALID.replace('port: 443', 'port: "443"').replace('    host: 192.0.2.10\n', '    hots: 192.0.2.10\n');
    const problems = await problemsOf(yaml);
    expect(problems).toContain('gateways[0].hots@8: unknown field; remove it or check its spelling');
    expect(problems).toContain('gateways[0].host@7: missing: expected an IP address or DNS name');
    expect(problems.some((p) => p.startsWith('flows[0].port@12: expected a number'))).toBe(true);
  });

  it('no longer knows `remoteAccess` on a flow: it never decided a verdict, so a file that sets it is told to remove it', async () => {
    const problems = await problemsOf(VALID.replace('    port: 22\n', '    port: 22\n    remoteAccess: true\n'));
    expect(problems).toEqual(['flows[1].remoteAccess@16: unknown field; remove it or check its spelling']);
  });

  it('refuses a host that begins with "-" so it can never become an nmap option', async () => {
    const problems = await problemsOf(VALID.replace('host: 192.0.2.10', 'host: "-oN /tmp/x --script=evil"'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^gateways\[0\]\.host@\d+: must not begin with "-"/);
  });

  it.each(['192.0.2.0/24', '192.0.2.1 192.0.2.2', 'host_name', '10.0.0.1-20'])(
    'refuses %s as a host (one address or name only)',
    async (host) => {
      const problems = await problemsOf(VALID.replace('host: 192.0.2.10', `host: "${host}"`));
      expect(problems[0]).toMatch(/gateways\[0\]\.host@\d+: expected one IP address or DNS name/);
    },
  );

  it('accepts IPv6 addresses and DNS names', async () => {
    const yaml = VALID.replace('    host: 192.0.2.10\n', '    host: "2001:db8::10"\n  - name: acme-gw-2\n    host: gw2.example.org\n');
    const connection = await loadConnectionFile(await writeConnection(await tempDir(), yaml));
    expect(connection.gateways.map((g) => g.host)).toEqual(['2001:db8::10', 'gw2.example.org']);
  });

  it('flags duplicate flows and gateway names', async () => {
    const yaml = VALID.replace('    port: 22', '    port: 443');
    expect(await problemsOf(yaml)).toEqual([expect.stringMatching(/^flows\[1\]\.port@\d+: duplicate of flows\[0\]\.port \(443\/tcp\)/)]);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOf('connection:\n  name: [unclosed\n');
    expect(problems[0]).toMatch(/^\(yaml\)@\d+: /);
  });

  it('rejects duplicate keys', async () => {
    const problems = await problemsOf(VALID.replace('  organisation: Acme Ltd\n', '  organisation: Acme Ltd\n  organisation: Other\n'));
    expect(problems[0]).toMatch(/unique/i);
  });

  it('says when the file does not exist', async () => {
    await expect(loadConnectionFile('/nonexistent/connection.yaml')).rejects.toMatchObject({
      problems: [{ path: '(file)', message: expect.stringContaining('does not exist') }],
    });
  });

  it('checks SSH credentials before any probing, without ever holding the passphrase', async () => {
    const dir = await tempDir();
    const keyFile = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', keyFile]);
    const withSsh = (ssh: string) => VALID.replace('    host: 192.0.2.10\n', `    host: 192.0.2.10\n    ssh: ${ssh}\n`);
    expect(await problemsOf(withSsh(`{ username: audit, privateKeyFile: ${keyFile} }`))).toEqual([
      expect.stringMatching(
        /^gateways\[0\]\.ssh\.privateKeyFile@\d+: .* is encrypted: name the environment variable holding its passphrase in passphraseEnv/,
      ),
    ]);
    delete process.env.COCOSCAN_TEST_UNSET;
    expect(await problemsOf(withSsh(`{ username: audit, privateKeyFile: ${keyFile}, passphraseEnv: COCOSCAN_TEST_UNSET }`))).toContainEqual(
      expect.stringMatching(/passphraseEnv@\d+: the environment variable COCOSCAN_TEST_UNSET is not set/),
    );
    expect(await problemsOf(withSsh('{ username: audit }'))).toEqual([expect.stringMatching(/give privateKeyFile, or agent: true/)]);
    process.env.COCOSCAN_TEST_PASSPHRASE = 'correct horse';
    const connection = await loadConnectionFile(
      await writeConnection(dir, withSsh(`{ username: audit, privateKeyFile: id_ed25519, passphraseEnv: COCOSCAN_TEST_PASSPHRASE }`)),
    );
    expect(connection.gateways[0]?.ssh?.privateKeyFile).toBe(keyFile);
    expect(JSON.stringify(connection)).not.toContain('correct horse');
  });

  it('checks scan settings', async () => {
    const problems = await problemsOf(`${VALID}scan:\n  tcpPorts: "1-70000"\n  timing: 9\n`);
    expect(problems).toEqual([
      expect.stringMatching(/^scan\.tcpPorts@\d+: ports must be from 1 to 65535/),
      expect.stringMatching(/^scan\.timing@\d+: expected an nmap timing template from 0 to 5/),
    ]);
  });
});

describe('connection file bounds and gateway names', () => {
  const gateway = (name: string, host: string) => `  - name: ${name}\n    host: ${host}\n`;
  const withGateways = (list: string) => VALID.replace('gateways:\n  - name: acme-gw-1\n    host: 192.0.2.10\n', `gateways:\n${list}`);

  it('refuses gateway names that differ only in case (one evidence folder on many file systems)', async () => {
    const problems = await problemsOf(withGateways(gateway('GW-1', '192.0.2.1') + gateway('gw-1', '192.0.2.2')));
    expect(problems).toEqual([expect.stringMatching(/^gateways\[1\]\.name@\d+: duplicate of gateways\[0\]\.name/)]);
  });

  it.each(['gw.', 'nul', 'COM1', 'aux.txt'])('refuses %s as a gateway name (unsafe as a folder name)', async (name) => {
    const problems = await problemsOf(withGateways(gateway(name, '192.0.2.1')));
    expect(problems).toEqual([expect.stringMatching(/^gateways\[0\]\.name@\d+: /)]);
  });

  it('refuses more gateways and flows than the documented maximums, before any packet', async () => {
    const manyGateways = Array.from({ length: 257 }, (_, i) => gateway(`gw${i}`, `10.0.${Math.floor(i / 200)}.${(i % 200) + 1}`)).join('');
    expect(await problemsOf(withGateways(manyGateways))).toEqual([expect.stringMatching(/^gateways@\d+: at most 256 gateways/)]);
    const manyFlows = Array.from({ length: 257 }, (_, i) => `  - { name: f${i}, protocol: https, port: ${i + 1} }\n`).join('');
    const yaml = VALID.replace(/flows:\n[\s\S]*?onwardConnections/, `flows:\n${manyFlows}onwardConnections`);
    expect(await problemsOf(yaml)).toEqual([expect.stringMatching(/^flows@\d+: at most 256 declared flows/)]);
  });

  it('refuses over-long paths and port lists, and too many trust files', async () => {
    const long = `/${'a'.repeat(5000)}`;
    const problems = await problemsOf(
      `${VALID}tls:\n  trust: [${Array.from({ length: 65 }, () => 'ca.pem').join(', ')}]\nscan:\n ` +
        ` tcpPorts: "${Array.from({ length: 3000 }, () => '1').join(',')}"\n`,
    );
    expect(problems).toContainEqual(expect.stringMatching(/^tls\.trust@\d+: at most 64 trust files/));
    expect(problems).toContainEqual(expect.stringMatching(/^scan\.tcpPorts@\d+: expected a port list of at most 4096 characters/));
    const agent = await problemsOf(withGateways(`  - name: gw\n    host: 192.0.2.1\n    agentReports: [ { path: "${long}" } ]\n`));
    expect(agent).toEqual([expect.stringMatching(/^gateways\[0\]\.agentReports\[0\]\.path@\d+: expected a file path of at most 4096/)]);
  });

  it('takes a UTC offset for raw local-time reports, in whole quarter hours from UTC-12:00 to UTC+14:00', async () => {
    const entry = (offset: string) =>
      withGateways(`  - name: gw\n    host: 192.0.2.1\n    agentReports: [ { path: "freshclam.log", utcOffsetMinutes: ${offset} } ]\n`);
    expect(await problemsOf(entry('900'))).toEqual([
      expect.stringMatching(/^gateways\[0\]\.agentReports\[0\]\.utcOffsetMinutes@\d+: expected -720 \(UTC-12:00\) to 840/),
    ]);
    expect(await problemsOf(entry('301'))).toEqual([expect.stringMatching(/utcOffsetMinutes@\d+: expected a whole quarter hour/)]);
    expect(await problemsOf(entry('"+05:00"'))).toEqual([
      expect.stringMatching(/utcOffsetMinutes@\d+: expected the host offset from UTC in minutes/),
    ]);
    const dir = await tempDir();
    writeFileSync(join(dir, 'freshclam.log'), '');
    const connection = await loadConnectionFile(await writeConnection(dir, entry('345')));
    expect(connection.gateways[0]!.agentReports[0]!.utcOffsetMinutes).toBe(345);
  });
});

describe('connection parties: generic names and their deprecated aliases', () => {
  const GENERIC = VALID.replace('mojSystem:', 'connectedSystem:').replace('thirdPartySystem:', 'connectingSystem:');

  it('loads the old names mojSystem and thirdPartySystem as connectedSystem and connectingSystem', async () => {
    const connection = await loadConnectionFile(await writeConnection(await tempDir(), VALID));
    expect(connection.connection).toEqual({
      name: 'cms-acme',
      connectedSystem: 'Case Management System',
      connectingSystem: 'Acme Case Portal',
      organisation: 'Acme Ltd',
    });
  });

  it('loads the new names, with the optional scope and contact', async () => {
    const yaml = GENERIC.replace(
      '  organisation: Acme Ltd\n',
      '  organisation: Acme Ltd\n  scope: The Acme gateway\n  contact: security@acme.example\n',
    );
    const connection = await loadConnectionFile(await writeConnection(await tempDir(), yaml));
    expect(connection.connection).toEqual({
      name: 'cms-acme',
      connectedSystem: 'Case Management System',
      connectingSystem: 'Acme Case Portal',
      organisation: 'Acme Ltd',
      scope: 'The Acme gateway',
      contact: 'security@acme.example',
    });
  });

  it('mixes one old and one new name', async () => {
    const connection = await loadConnectionFile(
      await writeConnection(await tempDir(), VALID.replace('thirdPartySystem:', 'connectingSystem:')),
    );
    expect(connection.connection).toMatchObject({ connectedSystem: 'Case Management System', connectingSystem: 'Acme Case Portal' });
  });

  it('refuses a party given under both names, and a party given under neither', async () => {
    const both = await problemsOf(VALID.replace('  organisation:', '  connectedSystem: Other System\n  organisation:'));
    expect(both).toEqual([
      expect.stringMatching(/^connection\.mojSystem@\d+: give connectedSystem or its deprecated name mojSystem, not both$/),
    ]);
    const neither = await problemsOf(VALID.replace('  thirdPartySystem: Acme Case Portal\n', ''));
    expect(neither).toEqual([
      expect.stringMatching(/^connection\.connectingSystem(@\d+)?: missing: expected the name of the connecting system$/),
    ]);
  });

  it('a profile that requires connection.scope refuses a file without it, naming the field and the profile', async () => {
    const file = await writeConnection(await tempDir(), GENERIC);
    const connection = await loadConnectionFile(file);
    const profile = await loadProfile('cyber-essentials');
    let error: unknown;
    try {
      checkProfileRequirements(connection, profile, file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).problems).toEqual([
      { path: 'connection.scope', message: 'missing: profile cyber-essentials requires it (Scope of the assessment)' },
    ]);
    expect(() =>
      checkProfileRequirements({ ...connection, connection: { ...connection.connection, scope: 'The gateway' } }, profile, file),
    ).not.toThrow();
    const moj = await loadProfile('moj-coco');
    expect(() => checkProfileRequirements(connection, moj, file)).not.toThrow();
  });
});
