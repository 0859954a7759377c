import { findingIds, type Verdict } from '../../src/probe/contract.ts';
import { categoryOutcome, judgeOffered, offeredAlgorithms, strictKexOutcome, warningsOutcome } from './algorithms.ts';
import { authOutcome } from './auth.ts';
import { compressionOutcome } from './compression.ts';
import { SSH_FINDINGS, type SshFindingId, type SshThresholds } from './findings.ts';
import type { SshFacts, SshPortFacts } from './gather.ts';
import { hostKeysOutcome } from './host-keys.ts';
import { knownVulnerabilitiesOutcome } from './known-vulnerabilities.ts';
import { portFrame, portVerdict } from './verdict.ts';
import { restrictedByDesign } from '../../src/facts/scanner-address.ts';

export type { SshFacts, SshPortFacts } from './gather.ts';

const EXPECTED = {
  kex: 'no SHA-1, 1024-bit or weak-curve key exchange',
  cipher: 'no CBC, 3DES, RC4 or unencrypted cipher',
  mac: 'no MD5, plain SHA-1 or short-tag MAC',
};

/** Judges every audited SSH port of a gateway. Pure. A gateway without SSH gives not_applicable for every id. */
export function judgeSsh(facts: SshFacts, thresholds: SshThresholds): Verdict<SshFindingId>[] {
  if (facts.ports.length === 0) {
    return findingIds(SSH_FINDINGS).map((id) => ({
      id,
      target: facts.target,
      status: 'not_applicable',
      params: { reason: 'no SSH service is declared or was found by the sweep' },
      evidence: { source: 'cocoscan SSH probe', expected: 'SSH services to audit', actual: 'none' },
    }));
  }
  return facts.ports.flatMap((port) => judgePort(facts, port, thresholds));
}

function judgePort(facts: SshFacts, port: SshPortFacts, thresholds: SshThresholds): Verdict<SshFindingId>[] {
  const frame = portFrame(facts.target, port);
  if (port.failure !== undefined || !port.hello) {
    const why = port.failure ?? 'no SSH identification';
    // A flow open only to given sources, the scanner not among them: its silence is its firewall doing its job.
    const restricted = port.restrictedTo !== undefined;
    const reason = restricted ? `${restrictedByDesign(port.restrictedTo!)}; its SSH can only be audited from one of them (${why})` : why;
    return findingIds(SSH_FINDINGS).map((id) =>
      portVerdict(frame, id, { status: restricted ? 'not_tested' : 'error', params: { reason }, expected: 'an SSH server', actual: why }),
    );
  }
  const offered = offeredAlgorithms(port.hello.kexinit);
  const judged = judgeOffered(offered);
  return [
    portVerdict(frame, 'ssh.kex', categoryOutcome(offered.kex, judged.kex, EXPECTED.kex, 'key exchange algorithm')),
    portVerdict(frame, 'ssh.ciphers', categoryOutcome(offered.cipher, judged.cipher, EXPECTED.cipher, 'cipher')),
    portVerdict(frame, 'ssh.macs', categoryOutcome(offered.mac, judged.mac, EXPECTED.mac, 'MAC')),
    portVerdict(frame, 'ssh.host-keys', hostKeysOutcome(port, offered, judged, thresholds.minRsaBits)),
    portVerdict(frame, 'ssh.strict-kex', strictKexOutcome(offered)),
    portVerdict(frame, 'ssh.algorithm-warnings', warningsOutcome(judged)),
    portVerdict(frame, 'ssh.compression', compressionOutcome(port.hello.kexinit)),
    portVerdict(frame, 'ssh.auth-methods', authOutcome(port, thresholds.bannedAuthMethods)),
    portVerdict(frame, 'ssh.known-vulnerabilities', knownVulnerabilitiesOutcome(port.hello.ident, thresholds.vulnerabilityFailCvss)),
  ];
}
