import { suiteByCode } from '../../src/tls/cipher-suites.ts';
import { groupName } from '../../src/tls/groups.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';

/** The endpoint's facts as kept in its evidence artefact (tls-<port>.json); the key `unusable` is the artefact's own name for `failure`. */
export function summarise(facts: TlsEndpointFacts): unknown {
  return {
    endpoint: facts.endpoint,
    upgrade: facts.upgrade,
    durationMs: facts.durationMs,
    handshakes: facts.scan.handshakes,
    unusable: facts.failure,
    versions: facts.scan.versions.map((v) => ({
      version: v.version,
      status: v.status,
      detail: v.detail,
      serverPreference: v.serverPreference,
      incomplete: v.incomplete,
      suites: v.suites.map((code) => ({
        code: `0x${code.toString(16).padStart(4, '0')}`,
        name: suiteByCode(code).name,
        openssl: suiteByCode(code).openssl,
      })),
      groups: v.groups.map(groupName),
      dhBits: v.dhBits,
      dhSuites: v.dhSuites?.map((d) => ({ suite: suiteByCode(d.suite).name, bits: d.bits })),
    })),
    session: facts.session
      ? {
          protocol: facts.session.protocol,
          cipher: facts.session.cipher,
          authorized: facts.session.authorized,
          authorizationError: facts.session.authorizationError,
          http: facts.session.http,
        }
      : undefined,
    sessionError: facts.sessionError,
    trust: facts.trust,
    chainSource: facts.chainSource,
    chainTruncated: facts.chainTruncated,
    chain: facts.chain.map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      readable: c.readable,
      notBefore: c.validity.value?.notBefore,
      notAfter: c.validity.value?.notAfter,
      validityError: c.validity.error,
      sha256: c.sha256,
      key: c.key.value ? `${c.key.value.type} ${c.key.value.bits}${c.key.value.curve ? ` ${c.key.value.curve}` : ''}` : undefined,
      keyError: c.key.error,
      signature: c.signature.value?.name,
      signatureOid: c.signature.value?.oid,
      signatureError: c.signature.error,
      selfSigned: c.selfSigned,
    })),
  };
}
