import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { Cron } from 'croner';
import { ExitCode, UsageError } from '../errors.ts';
import { describeChange, diffReports } from '../history/diff.ts';
import { historyRoot, listRuns, resolveRun } from '../history/store.ts';
import { performCheck, prepareCheck, type CheckCommandOptions } from './check-command.ts';
import { jsonText, terminalText } from '../../reports/escape.ts';

/** `cocoscan history`, `cocoscan diff` and `cocoscan watch`. */
export function addHistoryCommands(program: Command, signal: AbortSignal, setExit: (code: number) => void, checkOptions: (opts: Record<string, unknown>) => CheckCommandOptions): void {
  program
    .command('history')
    .description('list the stored runs, per connection, with their verdicts')
    .argument('[connection]', 'only this connection')
    .option('--history <dir>', 'history folder (default: $COCOSCAN_HISTORY or the per-user data folder)')
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (connection: string | undefined, opts: { history?: string; format: string }) => {
      const root = historyRoot(opts.history);
      const { runs, unreadable } = await listRuns(root, connection);
      if (opts.format === 'json') {
        process.stdout.write(`${jsonText(JSON.stringify({ root, runs: runs.map((r) => ({ id: r.id, startedAt: r.startedAt, exitCode: r.report.summary.exitCode, automatedRows: r.report.summary.automatedRows })), unreadable }, null, 2))}\n`);
      } else {
        if (runs.length === 0) process.stdout.write(`no runs in ${root}${connection ? ` for ${connection}` : ''}\n`);
        for (const run of runs) {
          const counts = Object.entries(run.report.summary.automatedRows).map(([k, v]) => `${k} ${v}`).join(', ');
          process.stdout.write(`${terminalText(run.id)}\t${terminalText(run.startedAt)}\texit ${run.report.summary.exitCode}\t${counts}\n`);
        }
        for (const name of unreadable) process.stdout.write(`${terminalText(name)}\tunreadable (no complete report.json): ignored\n`);
      }
      setExit(ExitCode.Compliant);
    });

  program
    .command('diff')
    .description('what changed between two runs (report folders or history ids); exit 1 when anything changed')
    .argument('<run-a>', 'the earlier run')
    .argument('<run-b>', 'the later run')
    .option('--history <dir>', 'history folder')
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (a: string, b: string, opts: { history?: string; format: string }) => {
      const root = historyRoot(opts.history);
      const [before, after] = [await resolveRun(a, root), await resolveRun(b, root)];
      const changes = diffReports(before.report, after.report);
      if (opts.format === 'json') process.stdout.write(`${jsonText(JSON.stringify({ before: before.id, after: after.id, changes }, null, 2))}\n`);
      else {
        process.stdout.write(`Changes from ${terminalText(before.id)} (${terminalText(before.startedAt)}) to ${terminalText(after.id)} (${terminalText(after.startedAt)}): ${changes.length === 0 ? 'none' : changes.length}\n`);
        for (const c of changes) process.stdout.write(`  ${c.regression ? 'WORSE ' : ''}${terminalText(describeChange(c))}\n`);
      }
      setExit(changes.length > 0 ? ExitCode.NotCompliant : ExitCode.Compliant);
    });

  const watch = program
    .command('watch')
    .description('check on a schedule in the foreground, keep the history, and run a command when something changes')
    .argument('<connection-file>')
    .requiredOption('--every <interval>', 'an interval (30m, 4h, 1d) or a cron expression ("0 */4 * * *")')
    .option('--on-change <command>', 'shell command run when a verdict regresses or anything changes; the diff is given as JSON on stdin')
    .option('--max-runs <n>', 'stop after this many runs')
    .option('-p, --profile <name|path>', 'profile name or YAML file', 'moj-coco')
    .option('--history <dir>', 'history folder')
    .option('--baseline <run>', 'compare every run with this approved run instead of the previous one')
    .option('--waivers <file>', 'YAML file of waivers')
    .option('--nmap <path>', 'nmap binary to run', 'nmap');
  watch.action(async (file: string, opts: Record<string, unknown>) => {
    const options: CheckCommandOptions = { ...checkOptions({ ...opts, format: 'text', progress: false }), history: true };
    const prepared = await prepareCheck(file, options);
    const schedule = parseSchedule(String(opts.every));
    const maxRuns = opts.maxRuns === undefined ? Infinity : Number(opts.maxRuns);
    if (!Number.isInteger(maxRuns) && maxRuns !== Infinity) throw new UsageError(`--max-runs must be a whole number, not "${String(opts.maxRuns)}"`);
    let runs = 0;
    while (!signal.aborted && runs < maxRuns) {
      let performed;
      try {
        performed = await performCheck(prepared, options, signal);
      } catch (error) {
        if (signal.aborted) break;
        throw error;
      }
      runs += 1;
      const { report } = performed;
      const counts = Object.entries(report.summary.automatedRows).map(([k, v]) => `${k} ${v}`).join(', ');
      const changes = report.changes?.items ?? [];
      const worse = changes.filter((c) => c.regression).length;
      process.stdout.write(`${report.finishedAt} ${performed.stored?.id ?? ''} exit ${report.summary.exitCode}: ${counts}; ${report.changes ? `${changes.length} change(s)${worse ? `, ${worse} worse` : ''} since ${report.changes.since.id}` : 'first run'}\n`);
      if (opts.onChange && changes.length > 0) await runHook(String(opts.onChange), { run: performed.stored?.id, since: report.changes?.since, changes });
      if (runs >= maxRuns) break;
      await sleep(schedule(), signal);
    }
    process.stdout.write(`watch stopped after ${runs} run(s)${signal.aborted ? ' (signal)' : ''}\n`);
    setExit(ExitCode.Compliant);
  });
}

/** Milliseconds until the next run, from "30m"/"4h"/"1d"/"45s" or a cron expression. */
export function parseSchedule(every: string): () => number {
  const interval = /^(\d+)(s|m|h|d)$/.exec(every.trim());
  if (interval) {
    const ms = Number(interval[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[interval[2] as 's' | 'm' | 'h' | 'd'];
    if (ms < 1000) throw new UsageError('--every must be at least 1s');
    return () => ms;
  }
  let cron: Cron;
  try {
    cron = new Cron(every, { paused: true });
  } catch (error) {
    throw new UsageError(`--every "${every}" is neither an interval (30m, 4h, 1d) nor a cron expression: ${(error as Error).message}`);
  }
  return () => Math.max(0, (cron.nextRun()?.getTime() ?? Date.now()) - Date.now());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Runs the user's --on-change command with the changes as JSON on stdin; its failure is reported, not fatal. */
function runHook(command: string, payload: unknown): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'] });
    child.on('error', (error) => {
      process.stderr.write(`cocoscan: --on-change command could not start: ${terminalText(error.message)}\n`);
      resolve();
    });
    child.on('close', (code) => {
      if (code !== 0) process.stderr.write(`cocoscan: --on-change command exited ${code}\n`);
      resolve();
    });
    child.stdin.end(`${JSON.stringify(payload, null, 2)}\n`);
  });
}
