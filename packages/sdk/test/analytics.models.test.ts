/**
 * Model scoring against exact references: the linear score within its bound
 * (score − F·ε < ŝ ≤ score, weights as the type holds them) with public and
 * with secret weights, the logistic score within 0.019 + (2 + F/4)·ε of the
 * logistic function, threshold exactly on the score and masked by present.
 */
import { CircuitBuilder, fixed, int } from '@parley/circuit';
import { InvalidArgument, TypeMismatch } from '@parley/interface';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearScore, logisticScore, threshold } from '../src/analytics/index.js';
import {
  EPS,
  evaluateOn,
  maskArb,
  RAW_ONE,
  RUNS,
  rawValueArb,
  type Table,
  tableComputation,
} from './analyticsHarness.js';

const X = fixed(32, 16);
const FEATURE: [bigint, bigint] = [-100n * RAW_ONE, 100n * RAW_ONE];

const modelArb = fc.integer({ min: 1, max: 4 }).chain((features) =>
  fc.record({
    weights: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), {
      minLength: features,
      maxLength: features,
    }),
    bias: fc.double({ min: -50, max: 50, noNaN: true }),
    cut: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
    secret: fc.boolean(),
    table: fc.integer({ min: 1, max: 100 }).chain((rows) =>
      fc.record({
        rows: fc.constant(rows),
        present: maskArb(rows),
        columns: fc.array(fc.array(rawValueArb(X, FEATURE), { minLength: rows, maxLength: rows }), {
          minLength: features,
          maxLength: features,
        }),
      }),
    ),
  }),
);

/** A number as fixed(32,16) holds it (nearest raw). */
const rawOf = (w: number) => BigInt(Math.round(w * 2 ** 16));

describe('linearScore, logisticScore, threshold', () => {
  it('are within their bounds of exact references, with public or secret weights', () => {
    fc.assert(
      fc.property(modelArb, ({ weights, bias, cut, secret, table }) => {
        const F = weights.length;
        const types = weights.map(() => X);
        const key = secret ? `model-secret:${F}:${bias}:${cut}` : `model:${weights.join(',')}:${bias}:${cut}`;
        const w = (extra: Record<string, import('@parley/circuit').Value>) => (secret ? extra.w : weights);
        const c = tableComputation(
          key,
          table.rows,
          types,
          {
            linear: (fs, _p, e) => linearScore(fs, w(e), bias),
            logistic: (fs, _p, e) => logisticScore(fs, w(e), bias),
            flags: (fs, p, e) => threshold(logisticScore(fs, w(e), bias), cut, p),
          },
          secret ? { w: { type: X, length: F } } : {},
        );
        const out = evaluateOn(c, table as Table, types, secret ? { w: weights } : {});
        const vec = (v: bigint | bigint[]) => (Array.isArray(v) ? v : [v]);
        const [linear, logistic, flags] = [out.linear, out.logistic, out.flags].map(vec);
        for (let r = 0; r < table.rows; r++) {
          // Exact score in units of ε²: bias·2^16 + Σ f·w, with weights and bias rounded to the type.
          let exact = rawOf(bias) * RAW_ONE;
          table.columns.forEach((col, i) => {
            exact += col[r] * rawOf(weights[i]);
          });
          const got = linear[r] * RAW_ONE;
          expect(got <= exact && got > exact - BigInt(F) * RAW_ONE, `row ${r}`).toBe(true);
          const z = Number(exact) * EPS * EPS;
          const sigma = 1 / (1 + Math.exp(-z));
          expect(Math.abs(Number(logistic[r]) * EPS - sigma)).toBeLessThanOrEqual(0.019 + (2 + F / 4) * EPS);
          const above = logistic[r] > rawOf(cut) ? 1n : 0n;
          expect(flags[r]).toBe(table.present[r] ? above : 0n);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('scores one row of a known model', () => {
    const table: Table = {
      rows: 2,
      present: [1, 1],
      columns: [
        [2n * RAW_ONE, 0n],
        [RAW_ONE / 2n, 0n],
      ],
    };
    const c = tableComputation('model-known', 2, [X, X], {
      s: (fs) => linearScore(fs, [1.5, -4], 0.25),
      l: (fs) => logisticScore(fs, [1.5, -4], 0.25),
    });
    const out = evaluateOn(c, table, [X, X]);
    // 0.25 + 2·1.5 − 0.5·4 = 1.25; PLAN(1.25) = 1.25/8 + 0.625; PLAN(0.25) = 0.25/4 + 0.5.
    expect(out.s).toEqual([(5n * RAW_ONE) / 4n, RAW_ONE / 4n]);
    expect(out.l).toEqual([(5n * RAW_ONE) / 32n + (5n * RAW_ONE) / 8n, (9n * RAW_ONE) / 16n]);
  });

  it('rejects a wrong number or type of weights, no features, mixed feature types', () => {
    const b = new CircuitBuilder(['a', 'r']);
    const x = b.input('a', 'x', X, 4);
    const y = b.input('a', 'y', X, 4);
    const k = b.input('a', 'k', int(32), 4);
    const w3 = b.input('r', 'w3', X, 3);
    const wInt = b.input('r', 'wi', int(32), 2);
    expect(() => linearScore([], [], 0)).toThrow(InvalidArgument);
    expect(() => linearScore([x, y], [1], 0)).toThrow(/1 weights for 2 features/);
    expect(() => linearScore([x, y], w3, 0)).toThrow(/3 weights for 2 features/);
    expect(() => linearScore([x, y], wInt, 0)).toThrow(TypeMismatch);
    expect(() => linearScore([x, k], [1, 1], 0)).toThrow(/features\[1\] is int\(32\)/);
    expect(() => linearScore([x], [Number.POSITIVE_INFINITY], 0)).toThrow(/finite/);
    expect(() => threshold(x, 0.5, b.input('a', 'p', X, 4))).toThrow(/bit column/);
  });
});
