/**
 * Aggregates against exact references on random tables: integer results
 * exactly, the mean within ε and the variance within 2ε of the exact real
 * values (checked in bigint, no floating point), for fixed(32,16), int(32),
 * uint(8) and bit columns, with masks leaving out every row, all but one,
 * none or any, and lengths 1 … 200.
 */
import { bit, CircuitBuilder, fixed, int, uint, type ValueType } from '@parley/circuit';
import { InvalidArgument, TypeMismatch } from '@parley/interface';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count, histogram, maxOf, mean, minOf, sum, variance } from '../src/analytics/index.js';
import { defineComputation } from '../src/defineComputation.js';
import {
  abs,
  evaluateOn,
  exactSums,
  RAW_ONE,
  RUNS,
  rangeOf,
  type Table,
  tableArb,
  tableComputation,
} from './analyticsHarness.js';

const TYPES: Array<[string, ValueType]> = [
  ['fixed(32,16)', fixed(32, 16)],
  ['int(32)', int(32)],
  ['uint(8)', uint(8)],
  ['bit', bit],
];

/** Each column's values as the statistics read them: raw integers scaled to 2^-16. */
const scaled = (v: bigint, t: ValueType) => (t.kind === 'fixed' ? v << BigInt(16 - t.frac) : v * RAW_ONE);

function aggregates(table: Table, t: ValueType) {
  const c = tableComputation('aggregates', table.rows, [t], {
    count: (_, p) => count(p),
    sum: ([x], p) => sum(x, p),
    mean: ([x], p) => mean(x, p),
    variance: ([x], p) => variance(x, p),
    min: ([x], p) => minOf(x, p),
    max: ([x], p) => maxOf(x, p),
  });
  return evaluateOn(c, table, [t]);
}

function checkAggregates(table: Table, t: ValueType): void {
  const out = aggregates(table, t);
  const xs = table.columns[0];
  const real = xs.filter((_, i) => table.present[i]);
  const { n, s1 } = exactSums(xs, table.present);
  expect(out.count).toBe(n);
  const [lo, hi] = rangeOf(t);
  const sorted = [...real].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const least = sorted.length > 0 ? sorted[0] : hi;
  const most = sorted.length > 0 ? sorted[sorted.length - 1] : lo;
  // Exactly: the sum in the column's type widened to 64 bits, the masked minimum and maximum.
  expect(out.sum).toBe(s1);
  expect(out.min).toBe(least);
  expect(out.max).toBe(most);
  // Fixed point within the stated bounds, in bigint: X are the values scaled by 2^16.
  const X = xs.map((v) => scaled(v, t));
  const { s1: S1, s2: S2 } = exactSums(X, table.present);
  const m = out.mean as bigint;
  const v = out.variance as bigint;
  if (n === 0n) {
    expect([m, v]).toEqual([0n, 0n]);
    return;
  }
  // The bounds hold while |Σx| < 2^47 and Σ(x − x̄)² < 2^47 (in units of ε: 2^63 and n·2^79).
  const exact = n * S2 - S1 * S1;
  if (abs(S1) >= 1n << 63n) return;
  // |mean − x̄| < ε  ⟺  |m·n − ΣX| < n (X and m in units of ε).
  expect(abs(m * n - S1) < n, `mean ${out.mean}`).toBe(true);
  if (exact >= n << 79n) return;
  // |var − σ²| < 2ε, σ² = (nΣX² − (ΣX)²)/(n²·2^32) in units of 1, var = v·2^-16.
  expect(abs(v * n * n * RAW_ONE - exact) < 2n * n * n * RAW_ONE, `variance ${out.variance}`).toBe(true);
  expect(v >= 0n).toBe(true);
}

describe('aggregates against exact references', () => {
  for (const [name, t] of TYPES) {
    it(`count, sum, mean, variance, minOf, maxOf on ${name} columns`, () => {
      fc.assert(
        fc.property(tableArb(t), (table) => checkAggregates(table, t)),
        { numRuns: RUNS },
      );
    });
  }

  it('mean and variance of int(32) columns of up to 2^20 in magnitude (inside the documented range)', () => {
    const t = int(32);
    fc.assert(
      fc.property(tableArb(t, { limit: [-(1n << 20n), 1n << 20n] }), (table) => checkAggregates(table, t)),
      { numRuns: RUNS },
    );
  });

  it('fixed-point columns of other widths and fractions: fixed(64,16) and fixed(16,8)', () => {
    const wide = fixed(64, 16);
    fc.assert(
      fc.property(tableArb(wide, { limit: [-(1n << 46n) / 256n, (1n << 46n) / 256n] }), (table) =>
        checkAggregates(table, wide),
      ),
      { numRuns: RUNS / 2 },
    );
    const narrow = fixed(16, 8);
    fc.assert(
      fc.property(tableArb(narrow), (table) => checkAggregates(table, narrow)),
      { numRuns: RUNS / 2 },
    );
  });

  it('edge tables: every row masked out, one row, all rows, extreme values', () => {
    const t = fixed(32, 16);
    const [lo, hi] = rangeOf(t);
    const tables: Table[] = [
      { rows: 1, present: [0], columns: [[hi]] },
      { rows: 1, present: [1], columns: [[lo]] },
      { rows: 3, present: [0, 0, 0], columns: [[lo, hi, 5n]] },
      { rows: 2, present: [1, 1], columns: [[lo, hi]] },
      { rows: 4, present: [1, 1, 1, 1], columns: [[hi, hi, hi, hi]] },
      { rows: 5, present: [0, 1, 0, 0, 0], columns: [[lo, -7n, hi, 0n, 1n]] },
    ];
    for (const table of tables) checkAggregates(table, t);
    // Empty: the masked minimum and maximum are the type's bounds.
    expect(aggregates(tables[2], t)).toMatchObject({
      count: 0n,
      sum: 0n,
      mean: 0n,
      variance: 0n,
      min: hi,
      max: lo,
    });
  });

  it('the variance of 2^15 − 1 and −2^15 (the widest spread of fixed(32,16)) over 200 rows', () => {
    const t = fixed(32, 16);
    const [lo, hi] = rangeOf(t);
    const rows = 200;
    const table: Table = {
      rows,
      present: new Array(rows).fill(1),
      columns: [Array.from({ length: rows }, (_, i) => (i % 2 ? lo : hi))],
    };
    checkAggregates(table, t);
    // σ = (max − min)/2 = (2^16 − ε)/2, so σ² = 2^30 − 1/2 + 2^-34: 2^46 − 2^15 in units of ε, rounded down.
    expect(aggregates(table, t).variance).toBe((1n << 46n) - (1n << 15n));
  });
});

describe('histogram', () => {
  const edgesArb = fc
    .uniqueArray(fc.integer({ min: -32_768, max: 32_767 }), { minLength: 2, maxLength: 9 })
    .map((e) => e.sort((a, b) => a - b));

  it('counts edges[i] ≤ x < edges[i+1] over the real rows, exactly', () => {
    const t = fixed(32, 16);
    fc.assert(
      fc.property(tableArb(t, { maxRows: 120 }), edgesArb, fc.boolean(), (table, edges, halves) => {
        const e = halves ? edges.map((v) => v / 2) : edges;
        const c = tableComputation(`hist:${e.join(',')}`, table.rows, [t], {
          bins: ([x], p) => histogram(x, e, p),
        });
        const got = evaluateOn(c, table, [t]).bins;
        const want = e.slice(0, -1).map((lo, i) =>
          BigInt(
            table.columns[0].filter((v, r) => {
              const x = Number(v) / 2 ** 16;
              return table.present[r] === 1 && x >= lo && x < e[i + 1];
            }).length,
          ),
        );
        expect(e.length === 2 ? [got] : got).toEqual(want);
      }),
      { numRuns: RUNS },
    );
  });

  it('on integer columns, values on an edge go to the bin that starts there', () => {
    const t = int(32);
    const table: Table = { rows: 6, present: [1, 1, 1, 1, 1, 0], columns: [[-5n, 0n, 9n, 10n, 20n, 0n]] };
    const c = tableComputation('hist-int', table.rows, [t], {
      bins: ([x], p) => histogram(x, [0, 10, 20], p),
    });
    expect(evaluateOn(c, table, [t]).bins).toEqual([2n, 1n]);
  });

  it('rejects edges that do not ascend, non-integer edges of an integer column, fewer than two', () => {
    const b = new CircuitBuilder(['a']);
    const x = b.input('a', 'x', int(32), 4);
    const p = b.input('a', 'p', bit, 4);
    expect(() => histogram(x, [3, 3], p)).toThrow(InvalidArgument);
    expect(() => histogram(x, [3, 1], p)).toThrow(/ascend/);
    expect(() => histogram(x, [0.5, 1], p)).toThrow(/not an integer/);
    expect(() => histogram(x, [1], p)).toThrow(/two bin edges/);
    expect(() => histogram(x, [0, Number.NaN], p)).toThrow(/finite/);
    const u8 = b.input('a', 'u', uint(8), 4);
    expect(() => histogram(u8, [-1, 10], p)).toThrow(
      /histogram: edges\[0\] \(uint\(8\)\): value does not fit/,
    );
    expect(() => histogram(u8, [0, 256], p)).toThrow(/edges\[1\]/);
  });

  it('rejects fixed-point edges that round to the same value (an empty bin)', () => {
    const b = new CircuitBuilder(['a']);
    const x = b.input('a', 'x', fixed(32, 4), 4);
    const p = b.input('a', 'p', bit, 4);
    expect(() => histogram(x, [0, 0.01, 1], p)).toThrow(
      /edges\[0\] and edges\[1\] round to the same fixed\(32, ?4\) value/,
    );
    expect(() => histogram(x, [0, 0.0625, 1], p)).not.toThrow();
  });
});

describe('misuse', () => {
  it('names the argument at fault', () => {
    const b = new CircuitBuilder(['a']);
    const x = b.input('a', 'x', fixed(32, 16), 4);
    const p = b.input('a', 'p', bit, 4);
    const short = b.input('a', 'q', bit, 3);
    const notBits = b.input('a', 'r', uint(8), 4);
    const wide = b.input('a', 'w', uint(128), 4);
    expect(() => sum(x, short)).toThrow(/present has 3 rows, the column has 4/);
    expect(() => mean(x, notBits)).toThrow(TypeMismatch);
    expect(() => count(notBits)).toThrow(/must be a bit column/);
    expect(() => variance(wide, p)).toThrow(/uint\(128\)/);
  });
});

describe('on tables declared in defineComputation', () => {
  it('reads a joined table through the join mask: rows a bank does not hold count nowhere', () => {
    const c = defineComputation({
      name: 'joined-aggregates',
      parties: ['bankA', 'bankB'],
      tables: {
        a: { party: 'bankA', columns: { balance: fixed(32, 16) } },
        b: { party: 'bankB', columns: { age: uint(8) } },
      },
      join: { tables: ['a', 'b'], rows: 6 },
      outputs: { customers: 'all', meanBalance: 'all', ages: 'all', oldest: 'all' },
      compute: ({ a, b }, _b, join) => {
        const both = (join as NonNullable<typeof join>).present;
        return {
          customers: count(both),
          meanBalance: mean(a.column('balance'), both),
          ages: histogram(b.column('age'), [0, 30, 60, 120], both),
          oldest: maxOf(b.column('age'), both),
        };
      },
    });
    const r = c.evaluateTables({
      a: { keys: ['k1', 'k2', 'k3', 'k4'], columns: { balance: [100.5, -20, 7.25, 1000] } },
      b: { keys: ['k2', 'k4', 'k5'], columns: { age: [25, 70, 99] } },
    });
    // Joined: k2 (−20, 25) and k4 (1000, 70).
    expect(r.outputs).toEqual({ customers: 2n, meanBalance: 490, ages: [1n, 0n, 1n], oldest: 70n });
  });
});
