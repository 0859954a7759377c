import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSnmpError } from '../../src/snmp/client.ts';
import { exceptionOf, MAX_VALUE_CHARS, renderValue } from '../../src/snmp/values.ts';

const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('varbind values from an agent', () => {
  it('renders any value as bounded text without control characters, never throwing', () => {
    const value = fc.oneof(
      fc.anything(),
      fc.uint8Array({ maxLength: 4000 }).map((b) => Buffer.from(b)),
      fc.string({ maxLength: 3000, unit: 'binary' }),
      fc.bigInt(),
    );
    fc.assert(
      fc.property(value, (v) => {
        const text = renderValue(v);
        expect(typeof text).toBe('string');
        expect(text.length).toBeLessThanOrEqual(MAX_VALUE_CHARS + 1);
        expect(text).not.toMatch(UNPRINTABLE);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps readable text and numbers as they are', () => {
    expect(renderValue(Buffer.from('openssh-server-9.2p1'))).toBe('openssh-server-9.2p1');
    expect(renderValue(42)).toBe('42');
    expect(renderValue(Buffer.from('a\u001b[31mred\u202eevil'))).toBe('a?[31mred?evil');
    expect(renderValue(null)).toBe('');
  });

  it('knows the three exception values and nothing else, whatever the type field holds', () => {
    expect(exceptionOf({ type: 128 })).toBe('noSuchObject');
    expect(exceptionOf({ type: 129 })).toBe('noSuchInstance');
    expect(exceptionOf({ type: 130 })).toBe('endOfMibView');
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(exceptionOf({ type: name as unknown as number })).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.anything(), (type) => {
        const name = exceptionOf({ type: type as number });
        expect(name === undefined || ['noSuchObject', 'noSuchInstance', 'endOfMibView'].includes(name)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('describes any error from net-snmp as one bounded printable line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.string({ maxLength: 40 }), (message, name) => {
        const error = Object.assign(new Error(message), { name });
        const text = describeSnmpError(error);
        expect(text.length).toBeLessThanOrEqual(MAX_VALUE_CHARS + 1);
        expect(text).not.toMatch(/[\u0000-\u0008\u000a-\u001f]/);
      }),
      { numRuns: 300 },
    );
  });
});
