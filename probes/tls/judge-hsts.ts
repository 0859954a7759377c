import type { Verdict } from '../../src/probe/contract.ts';
import { parseHsts } from '../../src/tls/hsts.ts';
import { headerValues } from '../../src/tls/http-head.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import type { TlsFlow } from './facts.ts';
import type { TlsFindingId } from './findings.ts';
import type { TlsThresholds } from './thresholds.ts';
import { endpointVerdict, type EndpointSubject } from './verdict.ts';

/** tls.hsts, on HTTP over TLS: the first Strict-Transport-Security header, valid, with a long enough max-age. */
export function judgeHsts(on: EndpointSubject, facts: TlsEndpointFacts, flow: TlsFlow, t: TlsThresholds): Verdict<TlsFindingId> {
  const minDays = Math.floor(t.minHstsMaxAgeSeconds / 86_400);
  const expected = `Strict-Transport-Security with max-age of at least ${t.minHstsMaxAgeSeconds} s (${minDays} days)`;
  if (!flow.http || !t.requireHsts) {
    return endpointVerdict(
      on,
      'tls.hsts',
      'not_applicable',
      { reason: !flow.http ? `${flow.protocol} is not HTTP` : 'the profile does not require HSTS' },
      'HSTS on https flows',
      'not checked',
    );
  }
  const http = facts.session?.http;
  if (!http)
    return endpointVerdict(
      on,
      'tls.hsts',
      'error',
      { reason: `no HTTP request was possible: ${facts.sessionError ?? 'no TLS session'}` },
      expected,
      'no HTTP response',
    );
  if (!http.ok)
    return endpointVerdict(
      on,
      'tls.hsts',
      'error',
      { reason: http.reason },
      expected,
      `no usable HTTP response (${http.bytes} bytes read)`,
    );
  const values = headerValues(http.headers, 'strict-transport-security');
  const raw = [http.statusLine, ...values.map((v) => `Strict-Transport-Security: ${v}`)].join('\n');
  if (values.length === 0)
    return endpointVerdict(
      on,
      'tls.hsts',
      'fail',
      { problem: 'sends no Strict-Transport-Security header' },
      expected,
      'header absent',
      http.statusLine,
    );
  // RFC 6797 8.1: a browser acts on the first header only.
  const reading = parseHsts(values[0]!);
  const more = values.length > 1 ? `; ${values.length} Strict-Transport-Security headers were sent, browsers use the first` : '';
  if (!reading.valid) {
    return endpointVerdict(
      on,
      'tls.hsts',
      'fail',
      { problem: `sends a Strict-Transport-Security header browsers ignore: ${reading.problem}${more}` },
      expected,
      reading.problem,
      raw,
    );
  }
  const days = Math.floor(reading.maxAge / 86_400);
  const flags = [reading.includeSubDomains ? 'includeSubDomains' : 'no includeSubDomains', reading.preload ? 'preload' : 'no preload'].join(
    ', ',
  );
  const data = { maxAge: reading.maxAge, includeSubDomains: reading.includeSubDomains, preload: reading.preload };
  if (reading.maxAge < t.minHstsMaxAgeSeconds) {
    const problem = `sets HSTS max-age=${reading.maxAge} (${days} days), below the required ${t.minHstsMaxAgeSeconds} s; ${flags}${more}`;
    return endpointVerdict(on, 'tls.hsts', 'fail', { problem }, expected, `max-age=${reading.maxAge}; ${flags}`, raw, data);
  }
  return endpointVerdict(
    on,
    'tls.hsts',
    'pass',
    { maxAge: reading.maxAge, days, flags: `, ${flags}${more}` },
    expected,
    `max-age=${reading.maxAge}; ${flags}`,
    raw,
    data,
  );
}
