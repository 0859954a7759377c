// Declared beside the pure judge in src/av/, which types its verdicts from them.
export { AV_FINDINGS, AV_FINDING_IDS, type AvFindingId } from '../../src/av/findings.ts';
