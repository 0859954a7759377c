import { describe, expect, it } from 'vitest';
import type { RdpThresholds } from '../../probes/rdp/findings.ts';
import type { RdpFacts, RdpPortFacts } from '../../probes/rdp/gather.ts';
import { judgeRdp } from '../../probes/rdp/judge.ts';
import rdp from '../../probes/rdp/index.ts';
import type { LayerAttempt, MethodAttempt } from '../../src/rdp/audit-endpoint.ts';
import { findingBuilder } from '../../src/probe/finding-builder.ts';
import type { NegotiationAnswer, RdpLayer } from '../../src/rdp/wire.ts';
import { judgeTable } from '../helpers/judge-table.ts';

const thresholds: RdpThresholds = { requireNla: true, weakEncryptionMethods: ['none', '40-bit', '56-bit'] };
const now = new Date('2026-11-30T10:00:00Z');
const target = { gateway: 'gw', host: '192.0.2.10' };
const REQUESTED: Record<RdpLayer, number> = { rdp: 0, ssl: 1, hybrid: 2, hybridEx: 8 };

const selected = (protocol: number): NegotiationAnswer => ({ kind: 'selected', protocol });
const refused = (code: number, name: string): NegotiationAnswer => ({ kind: 'failure', code, name });
const SSL_REQUIRED = refused(1, 'SSL_REQUIRED_BY_SERVER');
const HYBRID_REQUIRED = refused(5, 'HYBRID_REQUIRED_BY_SERVER');

function layers(answers: Partial<Record<RdpLayer, NegotiationAnswer | string>>): LayerAttempt[] {
  return (['rdp', 'ssl', 'hybrid', 'hybridEx'] as const).map((layer) => {
    const a = answers[layer] ?? 'not asked';
    return typeof a === 'string' ? { layer, requested: REQUESTED[layer], failure: a } : { layer, requested: REQUESTED[layer], answer: a };
  });
}

/** What xrdp answers with security_layer=rdp: standard security for every request, one method whatever is offered. */
function standardOnly(method: number, level: number): Pick<RdpPortFacts, 'layers' | 'standard' | 'methods'> {
  const response = { result: 0, version: 0x00080004, encryptionMethod: method, encryptionLevel: level };
  const names: [MethodAttempt['method'], number][] = [
    ['40-bit', 1],
    ['128-bit', 2],
    ['56-bit', 8],
    ['fips', 16],
  ];
  return {
    layers: layers({ rdp: selected(0), ssl: selected(0), hybrid: selected(0), hybridEx: selected(0) }),
    standard: { offered: 27, response },
    methods: names.map(([m, offered]) => ({ method: m, offered, response })),
  };
}

const port = (p: Partial<RdpPortFacts>): RdpPortFacts => ({
  port: 3389,
  flow: 'admin',
  artefact: 'rdp-3389.json',
  layers: [],
  methods: [],
  ...p,
});
const facts = (...ports: RdpPortFacts[]): RdpFacts => ({ target, ports });

/** Windows with NLA required: standard security and TLS alone are refused, CredSSP chosen. */
const nlaRequired = port({
  layers: layers({ rdp: HYBRID_REQUIRED, ssl: HYBRID_REQUIRED, hybrid: selected(2), hybridEx: selected(8) }),
});

judgeTable('rdp judge', {
  judge: (f: RdpFacts, t: RdpThresholds) => judgeRdp(f, t),
  thresholds,
  now,
  valid: [
    { name: 'CredSSP required: standard security and TLS alone refused', facts: facts(nlaRequired) },
    { name: 'no RDP at all: every finding is not applicable', facts: facts() },
    {
      name: 'TLS alone accepted, but the profile does not require NLA',
      facts: facts(port({ layers: layers({ rdp: SSL_REQUIRED, ssl: selected(1), hybrid: SSL_REQUIRED, hybridEx: SSL_REQUIRED }) })),
      thresholds: { ...thresholds, requireNla: false },
    },
  ],
  invalid: [
    {
      name: 'xrdp with security_layer=rdp, crypt_level=low: standard security, 40-bit RC4, no CredSSP',
      facts: facts(port(standardOnly(1, 1))),
      verdicts: [
        {
          id: 'rdp.standard-security',
          status: 'fail',
          params: { answers: /^asked for standard RDP security: chose standard RDP security; asked for TLS: chose standard/ },
        },
        {
          id: 'rdp.nla',
          status: 'fail',
          params: { credssp: /CredSSP is not offered at all .*xrdp, for one, does not implement CredSSP$/ },
        },
        { id: 'rdp.encryption', status: 'fail', params: { weak: '40-bit RC4', level: 'low', methods: '40-bit RC4' } },
      ],
    },
    {
      name: 'standard security at the high level: 128-bit RC4 passes rdp.encryption, still fails the layer',
      facts: facts(port(standardOnly(2, 3))),
      verdicts: [
        { id: 'rdp.standard-security', status: 'fail' },
        { id: 'rdp.encryption', status: 'pass', params: { methods: '128-bit RC4', level: 'high' } },
      ],
    },
    {
      name: 'FIPS level passes rdp.encryption',
      facts: facts(port(standardOnly(16, 4))),
      verdicts: [{ id: 'rdp.encryption', status: 'pass', params: { methods: 'FIPS (3DES)', level: 'FIPS' } }],
    },
    {
      name: 'standard security with no encryption at all fails, whatever the profile lists',
      facts: facts(port(standardOnly(0, 0))),
      thresholds: { ...thresholds, weakEncryptionMethods: [] },
      verdicts: [{ id: 'rdp.encryption', status: 'fail', params: { weak: 'no encryption', level: 'none' } }],
    },
    {
      name: 'an unknown encryption method chosen by the server is weak',
      facts: facts(port(standardOnly(0x40, 9))),
      verdicts: [{ id: 'rdp.encryption', status: 'fail', params: { weak: 'unknown method 0x40', level: 'unknown level 9' } }],
    },
    {
      name: 'xrdp with security_layer=tls: standard refused, TLS only, CredSSP refused with SSL_REQUIRED_BY_SERVER',
      facts: facts(port({ layers: layers({ rdp: SSL_REQUIRED, ssl: selected(1), hybrid: SSL_REQUIRED, hybridEx: SSL_REQUIRED }) })),
      verdicts: [
        {
          id: 'rdp.standard-security',
          status: 'pass',
          params: { answers: /^asked for standard RDP security: refused \(SSL_REQUIRED_BY_SERVER\)/ },
        },
        {
          id: 'rdp.nla',
          status: 'fail',
          params: {
            without: 'asked for TLS, chose TLS',
            credssp: /^CredSSP is not offered at all \(asked for CredSSP \(NLA\): refused \(SSL_REQUIRED_BY_SERVER\);/,
          },
        },
        { id: 'rdp.encryption', status: 'not_applicable', params: { reason: /standard RDP security is refused/ } },
      ],
    },
    {
      name: 'CredSSP offered but TLS alone accepted too',
      facts: facts(port({ layers: layers({ rdp: SSL_REQUIRED, ssl: selected(1), hybrid: selected(2), hybridEx: selected(8) }) })),
      verdicts: [{ id: 'rdp.nla', status: 'fail', params: { credssp: /^CredSSP is offered \(asked for CredSSP \(NLA\): chose CredSSP/ } }],
    },
    {
      name: 'a server that does not negotiate (no RDP_NEG_RSP): standard RDP security only',
      facts: facts(
        port({
          layers: layers({ rdp: { kind: 'legacy' }, ssl: { kind: 'legacy' }, hybrid: { kind: 'legacy' }, hybridEx: { kind: 'legacy' } }),
          standard: { offered: 27, response: { result: 0, encryptionMethod: 2, encryptionLevel: 2 } },
          methods: [
            { method: '40-bit', offered: 1, response: { result: 2 } },
            { method: '128-bit', offered: 2, response: { result: 0, encryptionMethod: 2, encryptionLevel: 2 } },
            { method: '56-bit', offered: 8, response: { result: 2 } },
            { method: 'fips', offered: 16, response: { result: 2 } },
          ],
        }),
      ),
      verdicts: [
        { id: 'rdp.standard-security', status: 'fail', params: { answers: /no negotiation: standard RDP security only/ } },
        { id: 'rdp.nla', status: 'fail' },
        { id: 'rdp.encryption', status: 'pass', params: { level: 'client compatible' } },
      ],
    },
    {
      name: 'the weak methods offered alone got no answer (time, budget): their acceptance was not tested, never a pass',
      facts: facts(
        port({
          layers: layers({ rdp: { kind: 'legacy' }, ssl: { kind: 'legacy' }, hybrid: { kind: 'legacy' }, hybridEx: { kind: 'legacy' } }),
          standard: { offered: 27, response: { result: 0, encryptionMethod: 2, encryptionLevel: 2 } },
          methods: [
            { method: '40-bit', offered: 1, failure: 'no answer within 5 s' },
            { method: '128-bit', offered: 2, response: { result: 0, encryptionMethod: 2, encryptionLevel: 2 } },
          ],
        }),
      ),
      verdicts: [
        {
          id: 'rdp.encryption',
          status: 'error',
          params: {
            reason: /^whether the server accepts 40-bit RC4, 56-bit RC4 offered alone could not be read \(no answer within 5 s\)$/,
          },
        },
      ],
    },
    {
      name: 'asked for CredSSP, the server falls back to standard security: that is standard security accepted',
      facts: facts(port({ layers: layers({ rdp: SSL_REQUIRED, ssl: selected(1), hybrid: selected(0), hybridEx: SSL_REQUIRED }) })),
      verdicts: [
        { id: 'rdp.standard-security', status: 'fail', params: { answers: /asked for CredSSP \(NLA\): chose standard RDP security/ } },
        {
          id: 'rdp.encryption',
          status: 'error',
          params: { reason: /encryption could not be read: the MCS Connect Response could not be read \(not asked\)/ },
        },
      ],
    },
    {
      name: 'the port answered nothing: every finding is an error with the reason',
      facts: facts(port({ failure: 'the port refused the TCP connection' })),
      verdicts: [
        { id: 'rdp.standard-security', status: 'error', params: { reason: 'the port refused the TCP connection' } },
        { id: 'rdp.nla', status: 'error' },
        { id: 'rdp.encryption', status: 'error' },
      ],
    },
    {
      name: 'a restricted flow the scanner is not among: not tested, never pass',
      facts: facts(port({ failure: 'no complete RDP answer within 3000 ms', restrictedTo: ['198.51.100.0/24'] })),
      verdicts: [
        { id: 'rdp.nla', status: 'not_tested', params: { reason: /^restricted to 198\.51\.100\.0\/24 by design; .*within 3000 ms\)$/ } },
      ],
    },
    {
      name: 'the TLS request timed out after standard security was refused: rdp.nla could not be tested',
      facts: facts(port({ layers: layers({ rdp: HYBRID_REQUIRED, ssl: 'no complete RDP answer within 3000 ms', hybrid: selected(2) }) })),
      verdicts: [
        { id: 'rdp.standard-security', status: 'pass' },
        { id: 'rdp.nla', status: 'error', params: { reason: 'the request for TLS got no answer (no complete RDP answer within 3000 ms)' } },
      ],
    },
    {
      name: 'the request for standard security timed out but nothing else failed: standard security untested',
      facts: facts(port({ layers: layers({ rdp: 'the connection failed (ECONNRESET)', ssl: HYBRID_REQUIRED, hybrid: selected(2) }) })),
      verdicts: [
        { id: 'rdp.standard-security', status: 'error', params: { reason: /got no answer \(the connection failed \(ECONNRESET\)\)/ } },
      ],
    },
    {
      name: 'every layer refused: no pass for NLA',
      facts: facts(
        port({
          layers: layers({ rdp: SSL_REQUIRED, ssl: refused(3, 'SSL_CERT_NOT_ON_SERVER'), hybrid: SSL_REQUIRED, hybridEx: SSL_REQUIRED }),
        }),
      ),
      verdicts: [{ id: 'rdp.nla', status: 'error', params: { reason: /accepts none of the security layers asked for/ } }],
    },
    {
      name: 'the MCS Connect Initial refused (T.125 result): encryption not tested, never pass',
      facts: facts(
        port({
          layers: layers({ rdp: selected(0), ssl: selected(1), hybrid: selected(0), hybridEx: selected(0) }),
          standard: { offered: 27, response: { result: 14 } },
        }),
      ),
      verdicts: [{ id: 'rdp.encryption', status: 'error', params: { reason: /refused the MCS Connect Initial \(T\.125 result 14\)/ } }],
    },
    {
      name: 'an unknown protocol selected for CredSSP (hostile): neither NLA nor a pass',
      facts: facts(port({ layers: layers({ rdp: SSL_REQUIRED, ssl: SSL_REQUIRED, hybrid: selected(0x40), hybridEx: SSL_REQUIRED }) })),
      verdicts: [{ id: 'rdp.nla', status: 'error', params: { reason: /chose unknown protocol 0x40/ } }],
    },
  ],
});

describe('rdp findings as people read them', () => {
  const build = findingBuilder(rdp.meta, () => now);
  it('names the endpoint, the answers and the missing CredSSP', () => {
    const [standard, nla, encryption] = judgeRdp(facts(port(standardOnly(1, 1))), thresholds).map(build);
    expect(standard?.message).toBe(
      "admin (192.0.2.10:3389) accepts standard RDP security, RDP's own RC4 encryption with no server authentication: " +
        'asked for standard RDP security: chose standard RDP security; asked for TLS: chose standard RDP security; ' +
        'asked for CredSSP (NLA): chose standard RDP security; ' +
        'asked for CredSSP with Early User Authorization (NLA): chose standard RDP security',
    );
    expect(nla?.message).toMatch(
      /^admin \(192\.0\.2\.10:3389\) starts a session without Network Level Authentication \(asked for standard RDP security, chose/,
    );
    expect(encryption?.message).toBe(
      'admin (192.0.2.10:3389) encrypts standard RDP security with 40-bit RC4 (encryption level low; methods used: 40-bit RC4)',
    );
    expect(encryption?.data).toMatchObject({ methodsUsed: ['40-bit'], methodsAcceptedAlone: ['40-bit'], version: 'RDP 5.x to 8.x' });
    expect(encryption?.evidence.artefacts).toEqual(['rdp-3389.json']);
  });
});
