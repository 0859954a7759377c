import { describe, expect, it } from 'vitest';
import { parseHsts } from '../../src/tls/hsts.ts';
import { headerValues } from '../../src/tls/http-head.ts';

describe('Strict-Transport-Security parsing (RFC 6797)', () => {
  it('reads max-age, includeSubDomains and preload in any case and order', () => {
    expect(parseHsts('max-age=31536000; includeSubDomains; preload')).toEqual({
      valid: true,
      maxAge: 31536000,
      includeSubDomains: true,
      preload: true,
    });
    expect(parseHsts('PRELOAD ; Max-Age="63072000"')).toEqual({ valid: true, maxAge: 63072000, includeSubDomains: false, preload: true });
    expect(parseHsts('max-age=0')).toEqual({ valid: true, maxAge: 0, includeSubDomains: false, preload: false });
  });

  it('ignores unknown directives, but a header browsers would ignore is invalid with the reason', () => {
    expect(parseHsts('max-age=600; report-uri="https://x.invalid/;r"').valid).toBe(true);
    expect(parseHsts('includeSubDomains')).toEqual({ valid: false, problem: 'it has no max-age directive' });
    expect(parseHsts('max-age=1; max-age=31536000')).toEqual({ valid: false, problem: 'the directive "max-age" appears more than once' });
    expect(parseHsts('max-age=1;INCLUDESUBDOMAINS;includesubdomains')).toMatchObject({
      valid: false,
      problem: expect.stringMatching(/appears more than once/),
    });
    expect(parseHsts('max-age=-5')).toMatchObject({ valid: false, problem: 'max-age is "-5", not a number of seconds' });
    expect(parseHsts('max-age=1e9')).toMatchObject({ valid: false });
    expect(parseHsts('max-age')).toMatchObject({ valid: false, problem: 'max-age has no value' });
    expect(parseHsts('max-age="31536000')).toMatchObject({ valid: false, problem: expect.stringMatching(/unterminated/) });
    expect(parseHsts('max age=31536000')).toMatchObject({ valid: false, problem: expect.stringMatching(/not a token/) });
  });

  it('treats constructor, __proto__ and toString as ordinary directive and header names', () => {
    expect(parseHsts('constructor; __proto__=1; toString')).toEqual({ valid: false, problem: 'it has no max-age directive' });
    expect(parseHsts('max-age=31536000; __proto__; constructor=x; toString')).toEqual({
      valid: true,
      maxAge: 31536000,
      includeSubDomains: false,
      preload: false,
    });
    expect(parseHsts('max-age=31536000; __proto__; __proto__')).toMatchObject({ valid: false });
    const headers: [string, string][] = [
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ];
    expect(headerValues(headers, 'strict-transport-security')).toEqual([]);
    expect(headerValues(headers, 'toString')).toEqual([]);
    expect(headerValues(headers, '__proto__')).toEqual(['a']);
  });
});
