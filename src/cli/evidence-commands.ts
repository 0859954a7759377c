import { generateKeyPairSync } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { readSafeText } from '../input/safe-read.ts';
import type { Command } from 'commander';
import { keyFingerprint } from '../agent/report.ts';
import { answersTemplate } from '../answers/answers.ts';
import { ExitCode, OutputError, UsageError } from '../errors.ts';
import { manifestPublicKey } from '../output/signing.ts';
import { verifyReportFolder } from '../output/verify.ts';
import { loadProfile } from '../profile/load.ts';
import { terminalText } from '../../reports/escape.ts';

/**
 * Writes an Ed25519 key pair (KEY and KEY.pub); never overwrites (a link there counts as a file). When the public
 * key cannot be written, the private key just made is removed: a new KEY beside an old KEY.pub is no pair.
 */
export async function writeKeyPair(out: string): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeNewKeyFile(out, privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
  try {
    await writeNewKeyFile(`${out}.pub`, publicKey.export({ type: 'spki', format: 'pem' }), 0o644);
  } catch (error) {
    await rm(out, { force: true });
    throw error;
  }
  return keyFingerprint(publicKey);
}

async function writeNewKeyFile(path: string, content: string | Buffer, mode: number): Promise<void> {
  try {
    await writeFile(path, content, { mode, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OutputError(
      code === 'EEXIST' ? `${path} exists already (a file or a link)` : `cannot write ${path} (${code ?? 'unknown error'})`,
      'choose a path where no key exists yet; keys are never overwritten',
      { cause: error },
    );
  }
}

/** `cocoscan keygen`, `cocoscan verify`, `cocoscan answers template`: the submission pack around a report. */
export function addEvidenceCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('keygen')
    .description('write an Ed25519 key pair for signing report manifests (KEY and KEY.pub)')
    .requiredOption('-o, --out <key>', 'private key file to write (the public key goes to <key>.pub)')
    .action(async (opts: { out: string }) => {
      const fingerprint = await writeKeyPair(opts.out);
      process.stdout.write(
        `wrote ${opts.out} (keep it private) and ${opts.out}.pub (give it to whoever verifies)\nkey SHA-256 ${fingerprint}\n`,
      );
      setExit(ExitCode.Compliant);
    });

  program
    .command('verify')
    .description(
      're-hash every file of a report folder against its manifest (and check its signature with --key); exit 1 on any difference',
    )
    .argument('<dir>', 'report folder')
    .option('-k, --key <public-key>', 'public key the manifest must be signed with')
    .action(async (dir: string, opts: { key?: string }) => {
      const key = opts.key ? await readSafeText(opts.key, { kind: 'public-key', key: '--key' }) : undefined;
      const usable = key === undefined ? undefined : manifestPublicKey(key);
      if (usable && !usable.ok)
        throw new UsageError(`--key ${opts.key}: ${usable.reason}`, 'give the KEY.pub file written beside the key that signed the folder');
      const result = await verifyReportFolder(dir, key);
      for (const path of result.changed) process.stdout.write(`CHANGED  ${terminalText(path)}\n`);
      for (const path of result.missing) process.stdout.write(`MISSING  ${terminalText(path)}\n`);
      for (const path of result.extra) process.stdout.write(`EXTRA    ${terminalText(path)} (not in the manifest)\n`);
      for (const problem of result.problems) process.stdout.write(`PROBLEM  ${terminalText(problem)}\n`);
      const signature =
        result.signature === 'valid' ? ', signature valid' : result.signature === 'not-checked' ? ' (signature not checked: no --key)' : '';
      process.stdout.write(
        result.ok
          ? `OK: ${result.checked} files match the manifest${signature}\n`
          : `FAILED: the folder does not match its manifest${result.signature === 'invalid' ? ' or its signature' : ''}\n`,
      );
      setExit(result.ok ? ExitCode.Compliant : ExitCode.NotCompliant);
    });

  const answers = program.command('answers').description("the organisation's answers to the manual rows");
  answers
    .command('template')
    .description('write a starting answers file with every manual row and its guidance')
    .option('-p, --profile <name|path>', 'profile name or YAML file', 'moj-coco')
    .option('-o, --out <file>', 'file to write (default: stdout)')
    .action(async (opts: { profile: string; out?: string }) => {
      const text = answersTemplate(await loadProfile(opts.profile));
      if (opts.out)
        await writeFile(opts.out, text, { flag: 'wx' }).catch((error: Error) => {
          throw new OutputError(
            `cannot write ${opts.out}: ${error.message}`,
            'choose a new file name; an answers file is never overwritten',
          );
        });
      else process.stdout.write(text);
      setExit(ExitCode.Compliant);
    });
}
