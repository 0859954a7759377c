import { spawn } from 'node:child_process';
import { Option, type Command } from 'commander';
import { Cron } from 'croner';
import { ExitCode, UsageError } from '../errors.ts';
import { describeChange, diffReports } from '../history/diff.ts';
import { historyRoot, listRuns, locateRun, readLocatedRun } from '../history/store.ts';
import { comparisonFindingIds } from '../probe/registry.ts';
import { performCheck, prepareCheck, readyOutputs, writeOutputs, type CheckCommandOptions } from './check-command.ts';
import { addRunOptions } from './run-options.ts';
import { jsonText, terminalText } from '../../reports/escape.ts';
import { exec } from '../exec.ts';
import { nmapVersion } from '../nmap/run.ts';

/** `cocoscan history`, `cocoscan diff` and `cocoscan watch`. */
export function addHistoryCommands(
  program: Command,
  signal: AbortSignal,
  setExit: (code: number) => void,
  checkOptions: (opts: Record<string, unknown>) => CheckCommandOptions,
): void {
  program
    .command('history')
    .description('list the stored runs, per connection, with their verdicts; exit 2 when a stored run cannot be read')
    .argument('[connection]', 'only this connection')
    .option('--history <dir>', 'history folder (default: $COCOSCAN_HISTORY or the per-user data folder)')
    .addOption(formatOption())
    .action(async (connection: string | undefined, opts: { history?: string; format: string }) => {
      const root = historyRoot(opts.history);
      const { runs, unreadable } = await listRuns(root, connection);
      if (opts.format === 'json') {
        const listed = runs.map((r) => ({
          id: r.id,
          startedAt: r.startedAt,
          exitCode: r.report.summary.exitCode,
          automatedRows: r.report.summary.automatedRows,
        }));
        process.stdout.write(`${jsonText(JSON.stringify({ root, runs: listed, unreadable }, null, 2))}\n`);
      } else {
        if (runs.length === 0) process.stdout.write(`no runs in ${root}${connection ? ` for ${connection}` : ''}\n`);
        for (const run of runs) {
          const counts = Object.entries(run.report.summary.automatedRows)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ');
          process.stdout.write(`${terminalText(run.id)}\t${terminalText(run.startedAt)}\texit ${run.report.summary.exitCode}\t${counts}\n`);
        }
        for (const { id } of unreadable) process.stdout.write(`${terminalText(id)}\tunreadable: not listed (see stderr)\n`);
      }
      // A stored run that is not a report is said plainly, and the listing does not pass for a complete one.
      for (const { reason } of unreadable) process.stderr.write(`cocoscan: ${terminalText(reason)}\n`);
      setExit(unreadable.length > 0 ? ExitCode.BadInput : ExitCode.Compliant);
    });

  program
    .command('diff')
    .description('what changed between two runs (report folders or history ids); exit 1 when anything changed')
    .argument('<run-a>', 'the earlier run')
    .argument('<run-b>', 'the later run')
    .option('--history <dir>', 'history folder')
    .addOption(formatOption())
    .action(async (a: string, b: string, opts: { history?: string; format: string }) => {
      const root = historyRoot(opts.history);
      // Both names are found before either report is read: a name that does not exist is the first thing said.
      const [whereA, whereB] = [await locateRun(a, root), await locateRun(b, root)];
      const [before, after] = [await readLocatedRun(whereA), await readLocatedRun(whereB)];
      // Rows of two profiles are not the same rows: their differences would be reported as changes of verdict (as --baseline refuses).
      const [profileA, profileB] = [before.report.profile.id, after.report.profile.id];
      if (profileA !== profileB) {
        throw new UsageError(
          `${before.id} was judged against the profile ${profileA}, and ${after.id} against ${profileB}: ` +
            'their rows are not the same rows, so what differs between them is no change',
          `compare two runs judged against the same profile (cocoscan history lists the runs), or check again with --profile ${profileA}`,
        );
      }
      const changes = diffReports(before.report, after.report, comparisonFindingIds());
      if (opts.format === 'json')
        process.stdout.write(`${jsonText(JSON.stringify({ before: before.id, after: after.id, changes }, null, 2))}\n`);
      else {
        process.stdout.write(
          `Changes from ${terminalText(before.id)} (${terminalText(before.startedAt)}) to ${terminalText(after.id)} ` +
            `(${terminalText(after.startedAt)}): ${changes.length === 0 ? 'none' : changes.length}\n`,
        );
        for (const c of changes) process.stdout.write(`  ${c.regression ? 'WORSE ' : ''}${terminalText(describeChange(c))}\n`);
      }
      setExit(changes.length > 0 ? ExitCode.NotCompliant : ExitCode.Compliant);
    });

  const watch = program
    .command('watch')
    .description('check on a schedule in the foreground, keep the history, and run a command when something changes')
    .argument('<connection-file>')
    .requiredOption('--every <interval>', 'an interval (30m, 4h, 1d) or a cron expression ("0 */4 * * *")')
    .option(
      '--on-change <command>',
      'shell command run when anything changed since the previous run (or the baseline), ' +
        'given the changes as JSON on stdin; the next run waits for it (at most 10 min)',
    )
    .option('--max-runs <n>', 'stop after this many runs');
  // The same run options as check; with --out, each run replaces the previous one's report folder there.
  addRunOptions(watch);
  watch.action(async (file: string, opts: Record<string, unknown>) => {
    const options: CheckCommandOptions = { ...checkOptions({ ...opts, format: 'text', progress: false }), history: true };
    const prepared = await prepareCheck(file, options);
    if (options.out !== undefined) await readyOutputs(prepared, options.out);
    else if (prepared.reportPaths.length > 0)
      throw new UsageError('watch writes --report files beside a report folder: give --out DIR as well');
    const schedule = parseSchedule(String(opts.every));
    const maxRuns = opts.maxRuns === undefined ? Infinity : Number(opts.maxRuns);
    if ((!Number.isInteger(maxRuns) && maxRuns !== Infinity) || maxRuns < 1)
      throw new UsageError(`--max-runs must be a whole number of at least 1, not "${String(opts.maxRuns)}"`);
    let runs = 0;
    while (!signal.aborted && runs < maxRuns) {
      let performed;
      try {
        // Each cycle gets a signal of its own, tied to the watch's for its duration only: whatever a run hangs
        // on it (abort listeners in probes, exec, sockets) goes with the cycle instead of piling up on the
        // long-lived signal (MaxListenersExceededWarning after ten cycles).
        // nmap's version was asked as the files were read: later runs ask again, nmap may have changed since.
        const current = runs === 0 ? prepared : { ...prepared, nmapVersion: nmapVersion(exec, options.nmap) };
        performed = await withCycleSignal(signal, (cycleSignal) => performCheck(current, options, cycleSignal));
      } catch (error) {
        if (signal.aborted) break;
        throw error;
      }
      runs += 1;
      const { report } = performed;
      // The run is in the history; its evidence is not needed in the temporary folder once written (or not).
      const written = options.out !== undefined ? await writeOutputs(prepared, performed, options.out) : await performed.dispose();
      const counts = Object.entries(report.summary.automatedRows)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      const changes = report.changes?.items ?? [];
      const worse = changes.filter((c) => c.regression).length;
      const since = report.changes
        ? `${changes.length} change(s)${worse ? `, ${worse} worse` : ''} since ${report.changes.since.id}`
        : 'first run';
      process.stdout.write(`${report.finishedAt} ${performed.stored?.id ?? ''} exit ${report.summary.exitCode}: ${counts}; ${since}\n`);
      if (written) process.stdout.write(`  written: ${[written.folder, ...written.extra].map((p) => terminalText(p)).join(', ')}\n`);
      // Only when something changed, and waited for: the next run never starts while the hook still runs.
      if (typeof opts.onChange === 'string' && opts.onChange !== '' && changes.length > 0)
        await runHook(opts.onChange, { run: performed.stored?.id, since: report.changes?.since, changes }, signal);
      if (runs >= maxRuns) break;
      await sleep(schedule(), signal);
    }
    process.stdout.write(`watch stopped after ${runs} run(s)${signal.aborted ? ' (signal)' : ''}\n`);
    setExit(ExitCode.Compliant);
  });
}

/** Runs `work` with a signal that follows `parent` until `work` settles, then lets go of `parent`. */
async function withCycleSignal<T>(parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const cycle = new AbortController();
  const relay = () => cycle.abort(parent.reason);
  if (parent.aborted) cycle.abort(parent.reason);
  else parent.addEventListener('abort', relay, { once: true });
  try {
    return await work(cycle.signal);
  } finally {
    parent.removeEventListener('abort', relay);
  }
}

const FORMATS = ['text', 'json'];

/** --format of history and diff: anything but text or json is refused (exit 2) with the valid values named. */
function formatOption(): Option {
  return new Option('-f, --format <format>', 'what to print on stdout').choices(FORMATS).default('text');
}

/** The findings judged from the comparison itself (CoCo-2's): the rows they decide are never compared. */

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

/** Waits `ms`, or less when the signal aborts; either way the abort listener is removed. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The longest an --on-change command may run before it is stopped; the next run waits for it until then. */
export const HOOK_TIMEOUT_MS = 10 * 60_000;
/** After SIGTERM, how long a hook has to exit before SIGKILL. */
const HOOK_KILL_GRACE_MS = 2000;

/**
 * Runs the user's --on-change command with the changes as JSON on stdin, and waits for it; its failure is
 * reported, not fatal. It runs in a process group of its own, killed whole when it outlives HOOK_TIMEOUT_MS
 * or when the watch is stopped.
 */
function runHook(command: string, payload: unknown, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], detached: true });
    let why: string | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    let killer: NodeJS.Timeout | undefined;
    const stop = (reason: string) => {
      why ??= reason;
      killGroup('SIGTERM');
      killer ??= setTimeout(() => killGroup('SIGKILL'), HOOK_KILL_GRACE_MS);
    };
    const onAbort = () => stop('the watch was stopped');
    const timer = setTimeout(() => stop(`it ran longer than ${HOOK_TIMEOUT_MS / 1000} s`), HOOK_TIMEOUT_MS);
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(killer);
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    child.on('error', (error) => {
      process.stderr.write(`cocoscan: --on-change command could not start: ${terminalText(error.message)}\n`);
      finish();
    });
    child.on('close', (code, sig) => {
      if (why) process.stderr.write(`cocoscan: --on-change command stopped: ${why}\n`);
      else if (code !== 0) process.stderr.write(`cocoscan: --on-change command exited ${code ?? sig}\n`);
      finish();
    });
    // A command that does not read its stdin closes the pipe early: that is its business, not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${JSON.stringify(payload, null, 2)}\n`);
  });
}
