import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CocoscanError } from '../../src/errors.ts';
import { SnmpReplyError } from '../../src/snmp/errors.ts';
import { compareOids, isBelow, parseOid } from '../../src/snmp/oid.ts';

const arcs = fc.array(fc.nat({ max: 0xffffffff }), { minLength: 2, maxLength: 20 });

describe('OIDs from an agent', () => {
  it('reads dotted OIDs and refuses everything else with SnmpReplyError only', () => {
    expect(parseOid('1.3.6.1.2.1.25.6.3.1.2')).toEqual([1, 3, 6, 1, 2, 1, 25, 6, 3, 1, 2]);
    for (const bad of [
      '',
      '1',
      '1..2',
      '.1.3',
      '1.3.',
      '1.3.-1',
      '1.3.01',
      '1.3.4294967296',
      '1.3.1e3',
      '1.3. 4',
      'constructor',
      '__proto__',
      'toString',
      `1.${'1.'.repeat(200)}1`,
    ]) {
      expect(() => parseOid(bad), bad).toThrow(SnmpReplyError);
    }
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything(), fc.stringMatching(/^[0-9.]{0,40}$/)), (input) => {
        try {
          const oid = parseOid(input);
          expect(oid.every((arc) => Number.isInteger(arc) && arc >= 0 && arc <= 0xffffffff)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(SnmpReplyError);
          expect(error).toBeInstanceOf(CocoscanError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads back what it would print', () => {
    fc.assert(
      fc.property(arcs, (oid) => {
        expect(parseOid(oid.join('.'))).toEqual(oid);
      }),
      { numRuns: 300 },
    );
  });

  it('orders OIDs as a total order, the one GETNEXT follows', () => {
    expect(compareOids([1, 3, 6], [1, 3, 6])).toBe(0);
    expect(compareOids([1, 3, 6], [1, 3, 6, 0])).toBeLessThan(0);
    expect(compareOids([1, 3, 10], [1, 3, 9, 99])).toBeGreaterThan(0);
    expect(compareOids([1, 3, 2], [1, 3, 10])).toBeLessThan(0); // numeric, not textual
    fc.assert(
      fc.property(arcs, arcs, arcs, (a, b, c) => {
        expect(Math.sign(compareOids(a, b))).toBe(-Math.sign(compareOids(b, a)));
        expect(compareOids(a, b) === 0).toBe(a.join('.') === b.join('.'));
        if (compareOids(a, b) <= 0 && compareOids(b, c) <= 0) expect(compareOids(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('tells what lies strictly below a subtree', () => {
    expect(isBelow([1, 3, 6], [1, 3, 6, 1])).toBe(true);
    expect(isBelow([1, 3, 6], [1, 3, 6])).toBe(false);
    expect(isBelow([1, 3, 6], [1, 3, 7, 1])).toBe(false);
    fc.assert(
      fc.property(arcs, arcs, (base, tail) => {
        expect(isBelow(base, [...base, ...tail])).toBe(true);
        expect(compareOids([...base, ...tail], base)).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
