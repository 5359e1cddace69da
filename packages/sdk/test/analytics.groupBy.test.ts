/**
 * groupBy against an exact reference on random tables: per-group counts and
 * sums exactly, means within ε and population variances within 2ε, groups
 * below minGroupSize suppressed (0 everywhere, suppressed bit 1), masked rows
 * and codes outside 0 … G−1 counted nowhere; all rows in one group; G = 1.
 */
import { bit, CircuitBuilder, fixed, int, uint, type ValueType } from '@parley/circuit';
import { InvalidArgument, TypeMismatch } from '@parley/interface';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupBy, minOf } from '../src/analytics/index.js';
import {
  abs,
  evaluateOn,
  exactSums,
  maskArb,
  RAW_ONE,
  RUNS,
  rawValueArb,
  type Table,
  tableComputation,
} from './analyticsHarness.js';

const X = fixed(32, 16);

interface Case {
  table: Table;
  groupType: ValueType;
  groups: number;
  minGroupSize: number;
}

const caseArb = (groupType: ValueType, codes: [bigint, bigint]): fc.Arbitrary<Case> =>
  fc
    .record({ rows: fc.integer({ min: 1, max: 150 }), groups: fc.integer({ min: 1, max: 6 }) })
    .chain(({ rows, groups }) =>
      fc.record({
        table: fc.record({
          rows: fc.constant(rows),
          present: maskArb(rows),
          columns: fc.tuple(
            fc.array(rawValueArb(X), { minLength: rows, maxLength: rows }),
            fc.oneof(
              fc.array(fc.bigInt({ min: codes[0], max: codes[1] }), { minLength: rows, maxLength: rows }),
              // Every row in one group.
              fc.bigInt({ min: 0n, max: BigInt(groups - 1) }).map((g) => new Array<bigint>(rows).fill(g)),
            ),
          ),
        }),
        groupType: fc.constant(groupType),
        groups: fc.constant(groups),
        minGroupSize: fc.integer({ min: 0, max: 12 }),
      }),
    );

function run({ table, groupType, groups, minGroupSize }: Case) {
  const types = [X, groupType];
  const c = tableComputation(`group:${groups}:${minGroupSize}`, table.rows, types, {
    count: ([, g], p) => groupBy({ group: g, present: p, groups, minGroupSize }).count,
    suppressed: ([, g], p) => groupBy({ group: g, present: p, groups, minGroupSize }).suppressed,
    sum: ([x, g], p) => groupBy({ group: g, present: p, groups, minGroupSize }).sum(x),
    mean: ([x, g], p) => groupBy({ group: g, present: p, groups, minGroupSize }).mean(x),
    variance: ([x, g], p) => groupBy({ group: g, present: p, groups, minGroupSize }).variance(x),
  });
  const out = evaluateOn(c, table, types);
  const vec = (v: bigint | bigint[]) => (Array.isArray(v) ? v : [v]);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, vec(v)]));
}

function check(k: Case): void {
  const out = run(k);
  const [xs, codes] = k.table.columns;
  for (let g = 0; g < k.groups; g++) {
    const members = k.table.present.map((p, r) => (p === 1 && codes[r] === BigInt(g) ? 1 : 0));
    const { n, s1, s2 } = exactSums(xs, members);
    const hidden = n < BigInt(k.minGroupSize);
    expect(out.suppressed[g], `group ${g} suppressed`).toBe(hidden ? 1n : 0n);
    if (hidden) {
      expect([out.count[g], out.sum[g], out.mean[g], out.variance[g]], `group ${g}`).toEqual([
        0n,
        0n,
        0n,
        0n,
      ]);
      continue;
    }
    expect(out.count[g]).toBe(n);
    expect(out.sum[g]).toBe(s1);
    if (n === 0n) {
      expect([out.mean[g], out.variance[g]]).toEqual([0n, 0n]);
      continue;
    }
    expect(abs(out.mean[g] * n - s1) < n, `mean of group ${g}`).toBe(true);
    const exact = n * s2 - s1 * s1;
    expect(
      abs(out.variance[g] * n * n * RAW_ONE - exact) < 2n * n * n * RAW_ONE,
      `variance of group ${g}`,
    ).toBe(true);
  }
}

describe('groupBy against an exact reference', () => {
  it('uint(8) codes, some of them ≥ G (in no group)', () => {
    fc.assert(fc.property(caseArb(uint(8), [0n, 7n]), check), { numRuns: RUNS });
  });

  it('int(16) codes, negative ones in no group', () => {
    fc.assert(fc.property(caseArb(int(16), [-2n, 6n]), check), { numRuns: RUNS });
  });

  it('a worked example: k = 3 suppresses the group of two and the empty one', () => {
    const table: Table = {
      rows: 8,
      present: [1, 1, 1, 1, 1, 1, 0, 1],
      columns: [
        [1n, 2n, 3n, 10n, 20n, 99n, 5n, 7n].map((v) => v * RAW_ONE),
        [0n, 0n, 0n, 1n, 1n, 0n, 2n, 9n],
      ],
    };
    const out = run({ table, groupType: uint(8), groups: 3, minGroupSize: 3 });
    // Group 0: 1, 2, 3, 99 → sum 105, mean 26.25, variance 1764.6875. Group 1: two rows. Group 2: only a masked row. Code 9: none.
    expect(out.count).toEqual([4n, 0n, 0n]);
    expect(out.suppressed).toEqual([0n, 1n, 1n]);
    expect(out.sum).toEqual([105n * RAW_ONE, 0n, 0n]);
    expect(out.mean).toEqual([26n * RAW_ONE + RAW_ONE / 4n, 0n, 0n]);
    expect(out.variance).toEqual([1764n * RAW_ONE + (11n * RAW_ONE) / 16n, 0n, 0n]);
  });

  it('rows(g) masks compose with the aggregates (a per-group minimum)', () => {
    const table: Table = {
      rows: 5,
      present: [1, 1, 1, 0, 1],
      columns: [
        [5n, -3n, 8n, -9n, 2n],
        [1n, 0n, 1n, 1n, 1n],
      ],
    };
    const c = tableComputation('group-min', 5, [int(32), uint(8)], {
      min: ([x, g], p) => minOf(x, groupBy({ group: g, present: p, groups: 2, minGroupSize: 0 }).rows(1)),
    });
    expect(evaluateOn(c, table, [int(32), uint(8)]).min).toBe(2n);
  });

  it('rejects a bad number of groups, minGroupSize, code type or group index', () => {
    const b = new CircuitBuilder(['a']);
    const p = b.input('a', 'p', bit, 4);
    const g = b.input('a', 'g', uint(2), 4);
    const f = b.input('a', 'f', fixed(32, 16), 4);
    expect(() => groupBy({ group: g, present: p, groups: 0, minGroupSize: 1 })).toThrow(InvalidArgument);
    expect(() => groupBy({ group: g, present: p, groups: 5, minGroupSize: 1 })).toThrow(
      /do not fit in a uint\(2\)/,
    );
    expect(() => groupBy({ group: g, present: p, groups: 2, minGroupSize: -1 })).toThrow(/minGroupSize/);
    expect(() => groupBy({ group: g, present: p, groups: 2, minGroupSize: 2 ** 32 })).toThrow(
      /minGroupSize must be a whole number in 0\.\.4294967295/,
    );
    expect(() => groupBy({ group: f, present: p, groups: 2, minGroupSize: 1 })).toThrow(TypeMismatch);
    expect(() => groupBy({ group: g, present: p, groups: 4, minGroupSize: 1 }).rows(4)).toThrow(
      /not in 0 … 3/,
    );
  });
});
