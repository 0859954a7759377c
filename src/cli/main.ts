import { Command, CommanderError, Option } from 'commander';
import { loadConnectionFile } from '../connection/load.ts';
import { checkProfileRequirements } from '../profile/requirements.ts';
import { CocoscanError, ExitCode, InputFileError } from '../errors.ts';
import { builtinProfiles, DEFAULT_PROFILE, loadProfile } from '../profile/load.ts';
import { TOOL_VERSION } from '../version.ts';
import { addAgentCommands } from './agent-commands.ts';
import { checkCommand, type CheckCommandOptions } from './check-command.ts';
import { addHistoryCommands } from './history-commands.ts';
import { addEvidenceCommands } from './evidence-commands.ts';
import { addInitCommand } from './init-command.ts';
import { terminalBlock, terminalText } from '../../reports/escape.ts';
import { signalAllCommands } from '../exec.ts';
import { addRunOptions } from './run-options.ts';

export { tuneHeapForCli } from './heap-tuning.ts';

/** After SIGINT or SIGTERM, the run has this long to end by itself before cocoscan stops it hard. */
export const SIGNAL_GRACE_MS = Number(process.env.COCOSCAN_SIGNAL_GRACE_MS ?? 3000);
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const EXIT_CODES_HELP = `
Exit codes:
  0  every automated row of the profile is Yes or N/A
  1  at least one automated row is No or Partial (this wins over 4)
  2  bad input (connection file, profile, options), a missing tool such as nmap, or a usage error; nothing was probed
  3  an internal error in cocoscan (please report it)
  4  no automated row is No or Partial, but at least one is Not assessed: a gateway could not be reached or a
     check could not run (a check that could not run never passes)
  130/143  a run stopped by SIGINT (Ctrl-C) or SIGTERM: it stops within 5 s, with every child process, and
     nothing is written for the unfinished run (watch, stopped between runs, exits 0)

Output (--out DIR): report.json (schemas/report.schema.json), statement.md, report.html, statement.csv,
findings.csv, statement.docx, evidence/ with evidence/manifest.sha256; check it with
"sha256sum -c evidence/manifest.sha256" from DIR. --report junit=FILE, sarif=FILE, jsonl=FILE, ocsf=FILE,
findings-csv=FILE or json=FILE also writes that format to FILE (replacing only a file cocoscan wrote).`;

/** The arguments of the current invocation, for provenance. */
let invocation: string[] = [];

/** The command-line options of `check` (and `watch`) as the check reads them. */
function checkOptions(opts: Record<string, unknown>): CheckCommandOptions {
  return {
    out: opts.out as string | undefined,
    history: opts.history !== false,
    historyDir: typeof opts.history === 'string' ? opts.history : undefined,
    baseline: opts.baseline as string | undefined,
    waivers: opts.waivers as string | undefined,
    answers: opts.answers as string | undefined,
    sign: opts.sign as string | undefined,
    argv: invocation,
    profile: opts.profile as string,
    format: (opts.format as 'text' | 'json' | undefined) ?? 'text',
    ports: opts.ports as string | undefined,
    udpPorts: opts.udpPorts as string | undefined,
    udpTopPorts: opts.udpTopPorts as string | undefined,
    timing: opts.timing as string | undefined,
    maxRate: opts.maxRate as string | undefined,
    concurrency: opts.concurrency as string | undefined,
    serviceDetection: opts.serviceDetection !== false,
    privileged: opts.unprivileged ? false : undefined,
    progress: opts.progress !== false,
    nmap: opts.nmap as string,
    report: opts.report as string[] | undefined,
    masscan: opts.masscan as string,
  };
}

export function buildProgram(signal: AbortSignal, setExit: (code: number) => void): Command {
  const program = new Command('cocoscan')
    .description('Check a gateway, live, against a Code of Connection and write the compliance statement with evidence.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  const check = program
    .command('check')
    .description('probe the gateways of a connection file and write the compliance statement')
    .argument('<connection-files...>', 'YAML connection file(s) (schemas/connection.schema.json); several are checked side by side');
  addRunOptions(check)
    .addOption(new Option('-f, --format <format>', 'what to print on stdout').choices(['text', 'json']).default('text'))
    .option('--no-progress', 'no progress lines on stderr (they only appear when stderr is a terminal)')
    .option('--no-history', 'keep no history and compare with no previous run')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (files: string[], opts: Record<string, unknown>) => {
      setExit(await checkCommand(files, checkOptions(opts), signal));
    });

  program
    .command('validate')
    .description('validate a connection file (and the profile) without sending any packet')
    .argument('<connection-file>')
    .option('-p, --profile <name|path>', 'profile name or YAML file', DEFAULT_PROFILE)
    .action(async (file: string, opts: { profile: string }) => {
      const connection = await loadConnectionFile(file);
      const profile = await loadProfile(opts.profile);
      checkProfileRequirements(connection, profile, file);
      process.stdout.write(
        `${file}: valid (${connection.gateways.length} gateway(s), ${connection.flows.length} flow(s)); profile ${profile.id} ${profile.version}: valid\n`,
      );
      setExit(ExitCode.Compliant);
    });

  program
    .command('profiles')
    .description('list the built-in profiles')
    .action(async () => {
      for (const name of await builtinProfiles()) {
        const profile = await loadProfile(name);
        const automated = profile.rows.filter((r) => r.method === 'automated').length;
        process.stdout.write(`${name}\t${profile.version}\t${profile.title} (${automated} automated rows)\n`);
      }
      setExit(ExitCode.Compliant);
    });
  addInitCommand(program, setExit);
  addAgentCommands(program, setExit);
  addHistoryCommands(program, signal, setExit, checkOptions);
  addEvidenceCommands(program, setExit);
  return program;
}

export function formatError(error: CocoscanError): string {
  const lines = [`cocoscan: ${terminalText(error.message)}`];
  if (error instanceof InputFileError) {
    for (const p of error.problems) lines.push(`  ${terminalText(p.path)}${p.line ? ` (line ${p.line})` : ''}: ${terminalText(p.message)}`);
  }
  if (error.hint) lines.push(`What to do: ${terminalText(error.hint)}`);
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  invocation = argv.slice(2);
  const controller = new AbortController();
  let hardStop: NodeJS.Timeout | undefined;
  const stopNow = (signal: NodeJS.Signals) => {
    signalAllCommands('SIGKILL');
    process.stderr.write(`cocoscan: stopped by ${signal}; no report was written for the unfinished run, and the history is intact\n`);
    process.exit(SIGNAL_EXIT[signal] ?? ExitCode.BadInput);
  };
  // The first signal asks every probe to stop and every command to end; whatever does not end within the
  // grace period (a read that ignores the signal, a wedged child) is ended hard. A second signal ends it at once.
  // Temporary folders are renamed into place in one step, so a hard stop never leaves a damaged report or run.
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) stopNow(signal);
    stoppedBy = signal;
    controller.abort();
    signalAllCommands('SIGTERM');
    hardStop = setTimeout(() => stopNow(signal), SIGNAL_GRACE_MS);
    hardStop.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let exitCode: number = ExitCode.BadInput;
  const program = buildProgram(controller.signal, (code) => {
    exitCode = code;
  });
  // A run a signal interrupted ends with the shell's code for that signal (128 + its number).
  const signalled = (): number | undefined => {
    if (!stoppedBy) return undefined;
    process.stderr.write(`cocoscan: stopped by ${stoppedBy}; no report was written for the unfinished run, and the history is intact\n`);
    return SIGNAL_EXIT[stoppedBy] ?? ExitCode.BadInput;
  };
  try {
    // A command that winds down by itself on a signal (watch, between runs) says how it ended.
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    const code = signalled();
    if (code !== undefined) return code;
    if (error instanceof CommanderError) {
      // Help and version end with code 0; every other parse failure is a usage error.
      return error.exitCode === 0 ? ExitCode.Compliant : ExitCode.BadInput;
    }
    if (error instanceof CocoscanError) {
      process.stderr.write(formatError(error));
      return error.exitCode;
    }
    process.stderr.write(
      `cocoscan: internal error: ${terminalText((error as Error)?.message ?? String(error))}\nThis ` +
        `is a bug in cocoscan; please report it with the command you ran.\n`,
    );
    if (process.env.COCOSCAN_DEBUG) process.stderr.write(`${terminalBlock((error as Error)?.stack ?? '')}\n`);
    return ExitCode.Internal;
  } finally {
    // After a signal the hard stop stays armed (unref'd): a handle a probe left open must not keep the process alive.
    if (!controller.signal.aborted) clearTimeout(hardStop);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  process.exitCode = await main(process.argv);
}
