import { getDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  listenerPid,
  parseSessionConnection,
  readSshd,
  sshdCommandLine,
  sshdTestCommand,
  type SshdInstance,
} from '../../src/host/sshd-instance.ts';
import { gexInitMessage } from '../../src/ssh/exchange.ts';
import { SshProtocolError, SshReader, sshMpint } from '../../src/ssh/wire.ts';

const SS = [
  'LISTEN 0      128        10.213.4.2:2222      0.0.0.0:*    users:(("nginx",pid=90,fd=6))',
  'LISTEN 0      128        10.213.4.2:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3))',
  'LISTEN 0      128              [::]:22           [::]:*    users:(("sshd",pid=812,fd=4))',
].join('\n');

describe('finding the running sshd', () => {
  it('reads the session connection, and refuses what could break a command line', () => {
    expect(parseSessionConnection('10.213.4.1 51234 10.213.4.2 22\n')).toEqual({
      clientAddress: '10.213.4.1',
      serverAddress: '10.213.4.2',
      serverPort: 22,
    });
    expect(parseSessionConnection('')).toBeUndefined();
    expect(parseSessionConnection("1.2.3.4';reboot 1 5.6.7.8 22")).toBeUndefined();
    expect(parseSessionConnection('1.2.3.4 1 5.6.7.8 99999')).toBeUndefined();
  });

  it('finds the pid listening on the port, not on a port that merely ends the same', () => {
    expect(listenerPid(SS, 22)).toBe(812);
    expect(listenerPid(SS, 2222)).toBeUndefined();
    expect(listenerPid(SS, 2)).toBeUndefined();
  });

  it('reads -f from NUL-separated arguments and from the line OpenSSH rewrites its title to', () => {
    expect(sshdCommandLine('/usr/sbin/sshd\0-D\0-f\0/etc/ssh/alt_config\0')).toEqual({
      binary: '/usr/sbin/sshd',
      configFile: '/etc/ssh/alt_config',
      explicit: true,
    });
    expect(sshdCommandLine('sshd: /usr/sbin/sshd -D -e -f /tmp/lab/sshd_config [listener] 0 of 10-100 startups')).toMatchObject({
      configFile: '/tmp/lab/sshd_config',
    });
    expect(sshdCommandLine('/usr/sbin/sshd\0-De\0-f/etc/ssh/x\0')).toMatchObject({ configFile: '/etc/ssh/x' });
    const padded = `sshd: /usr/sbin/sshd -D -f /etc/ssh/alt [listener] 0 of 10-100 startups${'\0'.repeat(40)}`;
    expect(sshdCommandLine(padded)).toMatchObject({ binary: '/usr/sbin/sshd', configFile: '/etc/ssh/alt', explicit: true });
    expect(sshdCommandLine('sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups')).toEqual({
      binary: '/usr/sbin/sshd',
      configFile: '/etc/ssh/sshd_config',
      explicit: false,
    });
    expect(sshdCommandLine('/usr/bin/python3\0evil.py\0')).toBeUndefined();
  });

  it('runs sshd -T with the instance file, and -C per user with the scanner address', () => {
    const instance: SshdInstance = { port: 22, pid: 812, binary: '/usr/sbin/sshd', configFile: '/etc/ssh/alt', explicit: true };
    const connection = { clientAddress: '10.213.4.1', serverAddress: '10.213.4.2', serverPort: 22 };
    expect(sshdTestCommand(instance, connection).command).toBe('/usr/sbin/sshd -T -f /etc/ssh/alt');
    expect(sshdTestCommand(instance, connection, 'root')).toEqual({
      name: 'sshd-config-user-root',
      command: '/usr/sbin/sshd -T -f /etc/ssh/alt -C user=root,host=10.213.4.1,addr=10.213.4.1,laddr=10.213.4.2,lport=22',
      privileged: true,
    });
    expect(sshdTestCommand({ failure: 'not found' }, undefined).command).toBe('sshd -T');
    expect(
      sshdTestCommand({ port: 22, pid: 1, binary: '/usr/sbin/sshd', configFile: "/tmp/a b'c", explicit: true }, undefined).command,
    ).toBe('/usr/sbin/sshd -T');
  });

  it('runs the steps in order, and falls back to the default file with the reason when ss is denied', async () => {
    const ran: string[] = [];
    const outputs: Record<string, { status: string; stdout: string }> = {
      'ssh-connection': { status: 'ok', stdout: '10.213.4.1 5 10.213.4.2 22\n' },
      'sshd-listeners': { status: 'denied', stdout: '' },
    };
    const { reading } = await readSshd(
      (command) => {
        ran.push(command.command);
        return Promise.resolve({ name: command.name, ...(outputs[command.name] ?? { status: 'ok', stdout: '' }) });
      },
      ['root', 'root', "bad'name", 'auditor'],
      22,
    );
    expect(reading.instance).toEqual({ port: 22, failure: 'the listening sockets could not be read (ss -tlnp)' });
    expect(reading.users).toEqual(['root', 'auditor']);
    expect(ran).toEqual([
      'printf "%s\\n" "$SSH_CONNECTION"',
      'ss -tlnpH',
      'sshd -T',
      'sshd -T -C user=root,host=10.213.4.1,addr=10.213.4.1,laddr=10.213.4.2,lport=22',
      'sshd -T -C user=auditor,host=10.213.4.1,addr=10.213.4.1,laddr=10.213.4.2,lport=22',
    ]);
  });
});

describe('group exchange, second step', () => {
  const group = (prime: Buffer, generator: number) =>
    Buffer.concat([Buffer.from([31]), sshMpint(prime), sshMpint(Buffer.from([generator]))]);

  it('sends g^x mod p as an mpint inside the group the server chose', () => {
    const prime = getDiffieHellman('modp14').getPrime();
    const message = gexInitMessage(group(prime, 2));
    expect(message[0]).toBe(32);
    const reader = new SshReader(message.subarray(1));
    const e = BigInt(`0x${reader.string().toString('hex')}`);
    const p = BigInt(`0x${prime.toString('hex')}`);
    expect(e > 1n && e < p - 1n).toBe(true);
  });

  it('refuses a toy group and an unusable generator', () => {
    expect(() => gexInitMessage(group(Buffer.from([0xff, 0xfb]), 2))).toThrow(SshProtocolError);
    expect(() => gexInitMessage(group(getDiffieHellman('modp14').getPrime(), 1))).toThrow(/unusable group generator/);
  });
});
