import { z } from 'zod';
import { CHANGE_KINDS, describeChange } from '../../src/history/diff.ts';
import { defineFindings, defineRunProbe } from '../../src/probe/contract.ts';

export default defineRunProbe({
  meta: {
    id: 'changes',
    title: 'Changes since the last run, to advise the Accreditor (CoCo-2)',
    description:
      'Compares this run with the previous run of the same connection (or the approved baseline given with --baseline): ports, services, ' +
      'TLS certificates and offers, SSH host keys and algorithms, firewall policy. Changes of the kinds the profile lists are to be notified.',
    reads: [],
    phase: 'after',
    thresholds: z.strictObject({
      notifiableKinds: z
        .array(z.enum(CHANGE_KINDS, { error: `expected one of ${CHANGE_KINDS.join(', ')}` }))
        .describe('Change kinds that must be advised to the Accreditor'),
    }),
    findings: defineFindings({
      'changes.notifiable': {
        severity: 'medium',
        title: 'No change to advise since the baseline',
        messages: {
          pass: 'No change to advise since {since} ({other})',
          fail: '{count} change(s) since {since} to advise to the Accreditor: {list}',
        },
      },
    }),
  },

  judge(run, thresholds) {
    // A finding about the connection as a whole: named by the connection, not one gateway.
    const target = { gateway: run.connection.connection.name, host: run.connection.gateways.map((g) => g.host).join(', ') };
    if (!run.baseline) {
      const reason = 'this is the first run of this connection in the history: there is nothing to compare with';
      return [
        {
          id: 'changes.notifiable',
          target,
          status: 'not_applicable',
          params: { reason },
          evidence: { source: 'cocoscan history', expected: 'a previous run', actual: 'none' },
        },
      ];
    }
    const kinds = new Set<string>(thresholds.notifiableKinds);
    const notifiable = run.changes.filter((c) => kinds.has(c.kind));
    const since = `${run.baseline.kind === 'baseline' ? 'the approved baseline' : 'the previous run'} ${run.baseline.id} (${run.baseline.startedAt})`;
    const evidence = {
      source: `cocoscan diff against ${run.baseline.id}`,
      expected: 'no notifiable change',
      actual: `${notifiable.length} notifiable, ${run.changes.length} in all`,
    };
    if (notifiable.length > 0) {
      const list =
        notifiable.slice(0, 10).map(describeChange).join('; ') +
        (notifiable.length > 10 ? `; and ${notifiable.length - 10} more (see the changes section)` : '');
      return [
        {
          id: 'changes.notifiable',
          target,
          status: 'fail',
          params: { count: notifiable.length, since, list },
          evidence,
          data: { changes: notifiable },
        },
      ];
    }
    const other =
      run.changes.length > 0
        ? `${run.changes.length} other change(s): ${run.changes.slice(0, 5).map(describeChange).join('; ')}`
        : 'nothing changed';
    return [{ id: 'changes.notifiable', target, status: 'pass', params: { since, other }, evidence }];
  },
});
