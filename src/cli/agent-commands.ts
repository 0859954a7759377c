import { refuseForeignOutput, writeRegularFile } from '../output/safe-write.ts';
import { readSafeText } from '../input/safe-read.ts';
import type { Command } from 'commander';
import { collectAgentReport } from '../agent/collect.ts';
import { isAgentReportHead, signReport } from '../agent/report.ts';
import { writeKeyPair } from './evidence-commands.ts';
import { UsageError } from '../errors.ts';
import { exec } from '../exec.ts';

/** `cocoscan agent keygen|collect`: what runs on a third-party host to report its anti-virus, firewall and patch facts. */
export function addAgentCommands(program: Command, setExit: (code: number) => void): void {
  const agent = program.command('agent').description('run on a third-party host: make a signing key, collect and sign a report');

  agent
    .command('keygen')
    .description('write an Ed25519 key pair for signing agent reports (KEY and KEY.pub)')
    .requiredOption('-o, --out <key>', 'private key file to write (the public key goes to <key>.pub)')
    .action(async (opts: { out: string }) => {
      const fingerprint = await writeKeyPair(opts.out);
      process.stdout.write(
        `wrote ${opts.out} (keep it on the host) and ${opts.out}.pub (name it as publicKey in the connection file)\nkey SHA-256 ${fingerprint}\n`,
      );
      setExit(0);
    });

  agent
    .command('collect')
    .description('collect anti-virus, firewall and patch facts on this host and write a signed report')
    .option('-k, --key <key>', 'Ed25519 private key to sign with (from cocoscan agent keygen)')
    .option('--unsigned', 'write the report without a signature')
    .requiredOption('-o, --out <file>', 'report file to write')
    .action(async (opts: { key?: string; unsigned?: boolean; out: string }) => {
      if (!opts.key && !opts.unsigned) throw new UsageError('give --key to sign the report, or --unsigned to write it without a signature');
      let keyPem: string | undefined;
      if (opts.key) {
        keyPem = await readSafeText(opts.key, { kind: 'signing-key', key: '--key' }).catch((error: Error) => {
          throw new UsageError(`cannot read the key ${opts.key}: ${error.message}`, 'make one with: cocoscan agent keygen --out agent.key');
        });
      }
      const output = { what: 'an agent report', kind: 'agent-report', ours: isAgentReportHead } as const;
      await refuseForeignOutput(opts.out, output);
      const report = await collectAgentReport(exec, () => new Date());
      let text: string;
      try {
        text = keyPem ? signReport(report, keyPem) : `${JSON.stringify(report, null, 2)}\n`;
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      // Collecting takes a while: the file may have changed since the check above.
      await refuseForeignOutput(opts.out, output);
      await writeRegularFile(opts.out, text, 'agent report');
      const found = Object.values(report.commands)
        .filter((c) => c.status === 'ok')
        .map((c) => c.name);
      process.stdout.write(`wrote ${opts.out} (${keyPem ? 'signed' : 'unsigned'}); collected: ${found.join(', ')}\n`);
      setExit(0);
    });
}
