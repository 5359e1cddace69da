/**
 * Aggregates of one masked column: count, sum, mean, population variance,
 * minimum, maximum and histogram. Every function takes the column and the
 * table's `present` mask (1 on a real row); a masked row contributes nothing.
 *
 * Numbers (ε = 2^-16, one unit in the last place of STATISTIC_TYPE):
 * - count, sum, minOf, maxOf, histogram: exact, in every engine. A sum is in
 *   the column's type widened to 64 bits and wraps modulo 2^64 only if the
 *   true sum leaves that type (fixed(64, f): ±2^(63−f)).
 * - mean and variance read the column cast to STATISTIC_TYPE: exact for
 *   integers and for fixed point with at most 16 fractional bits (more are
 *   rounded down to ε, and the bounds are for those values), while values
 *   and sums stay below 2^47 in magnitude.
 * - mean: |result − x̄| < ε (the quotient is truncated toward zero).
 * - variance, population (divisor n, not n − 1): |result − σ²| < 2ε, while
 *   Σ(x − x̄)² < 2^47 (with |x| < 2^15, as in fixed(32,16), up to 2^16 rows).
 *   Two passes (mean, then Σ(x − mean)²), so the error does not grow with
 *   the data's magnitude.
 * - With no real row: count 0, sum 0, mean 0, variance 0, minOf the type's
 *   largest value, maxOf its smallest, every histogram bin 0. Nothing divides
 *   by zero: the divisor is max(count, 1).
 * - These are the plaintext evaluator's values (and the garbled engine's,
 *   which computes the same circuit). The secret-sharing engine truncates
 *   products and divides by Newton–Raphson (@parley/sharing README, "Fixed
 *   point"): its mean is within 3 ε + 2^-13·|mean| of the value here, its
 *   variance within δ² + 2ε + 3ε + 2^-13·σ² (δ its mean's error), and its
 *   variance fails outright with probability about Σ(x − x̄)²·2^-31 (the
 *   truncated sum of squares must stay far below 2^64 raw): scale the data so
 *   that Σ(x − x̄)² stays well below 2^31 in that engine.
 *
 * What an output reveals: the aggregate itself; count(present) is the number
 * of real rows. minOf and maxOf reveal one row's value, and on an empty table
 * the type's bound; a histogram reveals how many rows fall in each bin (a bin
 * of 1 may single a person out — suppress small bins as groupBy does).
 */
import {
  encodeValue,
  fracOf,
  toSignedIfNeeded,
  typeToString,
  type Value,
  type ValueType,
} from '@parley/circuit';
import { InvalidArgument } from '@parley/interface';
import { accumulatorType, checkMask, checkMaskedColumn, typeBounds } from './_columns.js';
import { countRows, divideByCount, moments, sumOfSquares } from './_moments.js';

/** Real rows: Σ present, as uint(32). */
export function count(present: Value): Value {
  checkMask(present, present.length, 'count');
  return countRows(present);
}

/** Σ of the real rows, exactly, in the column's type widened to 64 bits (bits: uint(64)). */
export function sum(col: Value, present: Value): Value {
  checkMaskedColumn(col, present, 'sum');
  return present.select(col, 0).cast(accumulatorType(col.type)).sum();
}

/** Mean of the real rows in STATISTIC_TYPE; 0 when there is none. */
export function mean(col: Value, present: Value): Value {
  return moments(col, present, 'mean').mean;
}

/** Population variance Σ(x − x̄)²/n of the real rows (divisor n, not n − 1) in STATISTIC_TYPE; 0 when there is none. */
export function variance(col: Value, present: Value): Value {
  const m = moments(col, present, 'variance');
  return divideByCount(sumOfSquares(m), m.count);
}

/** Smallest value of the real rows (masked rows count as the type's largest value), in the column's type. */
export function minOf(col: Value, present: Value): Value {
  checkMaskedColumn(col, present, 'minOf');
  return present.select(col, constantOf(col, typeBounds(col.type).max)).minOf();
}

/** Largest value of the real rows (masked rows count as the type's smallest value), in the column's type. */
export function maxOf(col: Value, present: Value): Value {
  checkMaskedColumn(col, present, 'maxOf');
  return present.select(col, constantOf(col, typeBounds(col.type).min)).maxOf();
}

/**
 * Counts of the real rows in each bin given by public ascending `edges`:
 * bin i (0 ≤ i < edges.length − 1) counts the rows with
 * edges[i] ≤ x < edges[i + 1]. Values below edges[0] or from the last edge
 * up are counted in no bin. Returns uint(32), one per bin. Edges are values
 * of the column's type (integers for an integer column; rounded to the
 * nearest 2^-f for fixed(k, f), and still distinct once rounded).
 */
export function histogram(col: Value, edges: readonly number[], present: Value): Value {
  checkMaskedColumn(col, present, 'histogram');
  checkEdges(edges, col.type);
  // Rows at or above each edge; a bin is the difference of two neighbours (edges ascend).
  const atLeast = edges.map((e) => countRows(present.and(col.ge(e))));
  const cumulative = col.builder.concatAll(atLeast);
  return cumulative.slice(0, edges.length - 1).sub(cumulative.slice(1));
}

function constantOf(like: Value, bits: bigint): Value {
  return like.builder.constantBits([bits], like.type);
}

function checkEdges(edges: readonly number[], t: ValueType): void {
  if (!Array.isArray(edges) || edges.length < 2) {
    throw new InvalidArgument('histogram: give at least two bin edges', { field: 'edges' });
  }
  let previous: bigint | undefined;
  edges.forEach((e, i) => {
    if (typeof e !== 'number' || !Number.isFinite(e)) {
      throw new InvalidArgument(`histogram: edges[${i}] is not a finite number`, { field: 'edges' });
    }
    if (t.kind !== 'fixed' && !Number.isInteger(e)) {
      throw new InvalidArgument(
        `histogram: edges[${i}] = ${e} is not an integer; the column is ${typeToString(t)}`,
        {
          field: 'edges',
        },
      );
    }
    // An edge is a constant of the column's type: one outside it is named here, not as constant[i].
    const value = toSignedIfNeeded(encodeValue(e, t, `histogram: edges[${i}] (${typeToString(t)})`), t);
    if (i > 0 && !(e > edges[i - 1])) {
      throw new InvalidArgument(`histogram: edges must ascend strictly (edges[${i}] ≤ edges[${i - 1}])`, {
        field: 'edges',
      });
    }
    // Two edges that round to the same value of a fixed-point type would make an empty bin.
    if (previous !== undefined && value <= previous) {
      throw new InvalidArgument(
        `histogram: edges[${i - 1}] and edges[${i}] round to the same ${typeToString(t)} value; give edges at least 2^-${fracOf(t)} apart`,
        { field: 'edges' },
      );
    }
    previous = value;
  });
}
