import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  missingFlags,
  parseFlowArg,
  parseGatewayArg,
  partyProblem,
  PARTY_FLAGS,
  renderConnectionFile,
  type InitAnswers,
} from '../connection/init-file.ts';
import { ExitCode, OutputError, UsageError } from '../errors.ts';
import { terminalText } from '../../reports/escape.ts';

/** Wrong answers to one question before `init` gives up (stdin may be a script that repeats itself). */
const ATTEMPTS = 5;
const QUESTIONS: Record<keyof typeof PARTY_FLAGS, string> = {
  name: 'Connection name (letters, digits, ".", "_", "-"), e.g. cms-acme',
  connectedSystem: 'The system connected to',
  connectingSystem: "The third party's connecting system",
  organisation: 'The organisation that runs it',
};

export function addInitCommand(program: Command, setExit: (code: number) => void): void {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program
    .command('init')
    .description('write a commented connection file, from flags or (on a terminal) from questions; never overwrites a file')
    .argument('[file]', 'the file to write', 'connection.yaml')
    .option('--name <name>', 'connection name, used in titles and folder names')
    .option('--connected-system <text>', 'the system connected to')
    .option('--connecting-system <text>', "the third party's system")
    .option('--organisation <text>', 'the organisation that runs the connecting system')
    .option('--gateway <[name=]host>', 'a gateway: one IP address or DNS name (repeatable)', collect)
    .option('--flow <name:protocol:port[/udp]>', 'a declared flow, e.g. case-sync:https:443 (repeatable)', collect)
    .action(async (file: string, opts: Record<string, string | string[] | undefined>) => {
      const answers: InitAnswers = {
        name: opts.name as string | undefined,
        connectedSystem: opts.connectedSystem as string | undefined,
        connectingSystem: opts.connectingSystem as string | undefined,
        organisation: opts.organisation as string | undefined,
        gateways: ((opts.gateway as string[] | undefined) ?? []).map(parseGatewayArg),
        flows: ((opts.flow as string[] | undefined) ?? []).map(parseFlowArg),
      };
      for (const [field, flag] of Object.entries(PARTY_FLAGS) as [keyof typeof PARTY_FLAGS, string][]) {
        const value = answers[field];
        const problem = value === undefined ? undefined : partyProblem(field, value);
        if (problem) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${problem}`);
      }
      // Said before any question is asked; the write itself still never replaces a file made meanwhile.
      if (existsSync(file)) throw existsError(file);
      if (missingFlags(answers).length > 0) {
        if (!process.stdin.isTTY) {
          throw new UsageError(
            `cocoscan init needs ${missingFlags(answers).join(', ')} when it cannot ask (stdin is not a terminal)`,
            'e.g. cocoscan init --name cms-acme --connected-system "Case Management" --connecting-system "Acme Portal" ' +
              '--organisation "Acme Ltd" --gateway 203.0.113.10 --flow case-sync:https:443',
          );
        }
        await askMissing(answers, process.stdin, process.stdout);
      }
      const text = renderConnectionFile(answers as Required<InitAnswers>, file);
      await writeNew(file, text);
      process.stdout.write(`${terminalText(file)}: written; check it with: cocoscan validate ${terminalText(file)}\n`);
      setExit(ExitCode.Compliant);
    });
}

/** Creates the file; an existing one is never replaced. */
async function writeNew(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw existsError(file, error);
    throw new OutputError(`${file} cannot be written (${code ?? 'unknown error'})`, 'choose a folder you can write to', { cause: error });
  }
}

function existsError(file: string, cause?: unknown): OutputError {
  return new OutputError(`${file} exists already; cocoscan init never replaces a file`, 'name another file, or remove this one first', {
    cause,
  });
}

/** Asks for every field the flags left out, re-asking (a few times) after an answer that would not validate. */
export async function askMissing(answers: InitAnswers, input: Readable, output: Writable): Promise<void> {
  const rl = createInterface({ input, output, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async <T>(question: string, read: (text: string) => T, optional = false): Promise<T | undefined> => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      output.write(`${question}: `);
      const next = await lines.next();
      if (next.done) throw new UsageError('init stopped: no more answers on stdin', 'answer each question, or pass every value as a flag');
      const text = String(next.value).trim();
      if (text === '' && optional) return undefined;
      try {
        return read(text);
      } catch (error) {
        output.write(`  ${error instanceof Error ? terminalText(error.message) : 'not valid'}\n`);
      }
    }
    throw new UsageError(`init stopped after ${ATTEMPTS} answers that were not valid`, 'pass the values as flags instead');
  };
  try {
    for (const [field, question] of Object.entries(QUESTIONS) as [keyof typeof PARTY_FLAGS, string][]) {
      if (answers[field]) continue;
      answers[field] = await ask(question, (text) => {
        const problem = partyProblem(field, text);
        if (problem) throw new Error(problem);
        return text;
      });
    }
    await askList(answers.gateways, ask, 'Gateway address, or NAME=ADDRESS', (text) => parseGatewayArg(text, answers.gateways.length));
    await askList(answers.flows, ask, 'Flow as NAME:PROTOCOL:PORT (add /udp for UDP), e.g. case-sync:https:443', parseFlowArg);
  } finally {
    rl.close();
  }
}

type Ask = <T>(question: string, read: (text: string) => T, optional?: boolean) => Promise<T | undefined>;

/** At least one entry; then more until a blank answer. */
async function askList<T>(list: T[], ask: Ask, question: string, read: (text: string) => T): Promise<void> {
  while (list.length < 256) {
    const entry = await ask(list.length === 0 ? question : `${question} (blank to finish)`, read, list.length > 0);
    if (entry === undefined) return;
    list.push(entry);
  }
}
