import { basename } from 'node:path';
import type { EvidenceStore } from '../evidence-store.ts';
import { lastLines } from '../nmap/run.ts';
import type { SweepFact } from './sweep.ts';

/** nmap's stderr kept as evidence for one gateway; more than this is cut (a sweep's messages are a few lines). */
const MESSAGES_BYTES = 64 * 1024;
/** Stands for nmap's quoted words while they are replaced (no reason holds a NUL). */
const QUOTED = '\u0000';

/**
 * A gateway whose sweep failed: the scanner's own messages go to the evidence (evidence/gateways/<gw>/nmap-messages.txt,
 * or masscan-messages.txt when masscan's run failed), and the failure, which becomes the message of every finding the
 * sweep decides, keeps only its headline with a pointer to them, so one unreachable gateway is one short reason, not
 * the scanner's stderr on every row.
 */
export function keepNmapMessages(facts: Map<string, SweepFact>, evidence: EvidenceStore): Map<string, SweepFact> {
  for (const [name, fact] of facts) {
    const stderr = fact.outcome.exec.stderr;
    if (!fact.failure || !stderr.trim()) continue;
    const program = programName(fact.outcome.exec.command);
    const path = evidence.add([fact.gateway.name, `${program}-messages.txt`], Buffer.from(stderr, 'utf8').subarray(0, MESSAGES_BYTES));
    // Every form in which the runner quotes stderr into a reason (src/nmap/run.ts, describeExecFailure).
    const quoted = [lastLines(stderr), stderr.trim().split('\n').slice(-3).join(' ')].filter(Boolean);
    let failure = fact.failure;
    for (const text of quoted) failure = failure.split(text).join(QUOTED);
    const pointer = ` (${program}'s messages: ${path})`;
    failure = failure.includes(QUOTED) ? failure.replace(/(; nmap said: |: )?\u0000/g, pointer) : `${failure}${pointer}`;
    facts.set(name, { ...fact, failure });
  }
  return facts;
}

/** The program that wrote the messages, by the name it was run as (`--nmap`/`--masscan` may name any file): a file name part. */
function programName(command: string): string {
  return (
    basename(command)
      .replace(/[^\w.-]/g, '_')
      .slice(0, 40) || 'nmap'
  ).replace(/^\./, '_');
}
