import { defineFindings, findingIds, type FindingIdOf } from '../probe/contract.ts';

/** The anti-virus probe's findings, declared once: the probe's metadata and the pure judge both use them. */
export const AV_FINDINGS = defineFindings({
  'antivirus.reports': {
    severity: 'high',
    title: 'Agent reports can be trusted',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {summary}' },
  },
  'antivirus.present': {
    severity: 'high',
    title: 'Anti-virus is installed and running with real-time protection',
    messages: { pass: '{gateway}: {products}', fail: '{gateway}: {problem}' },
  },
  'antivirus.signature-age': {
    severity: 'high',
    title: 'Signatures are no older than the limit',
    messages: {
      pass: '{gateway}: newest {product} signatures are {age} old ({when}), within {limit} h',
      fail: '{gateway}: newest {product} signatures are {age} old ({when}), over the {limit} h limit',
    },
  },
  'antivirus.update-gaps': {
    severity: 'high',
    title: 'Updates are never further apart than the limit',
    messages: {
      pass: '{gateway}: {runs} update runs over {span}; the longest gap is {gap} (limit {limit} h)',
      fail: '{gateway}: no signature update for {gap}, from {from} to {to} (limit {limit} h)',
    },
  },
});
export type AvFindingId = FindingIdOf<typeof AV_FINDINGS>;
export const AV_FINDING_IDS: readonly AvFindingId[] = findingIds(AV_FINDINGS);
