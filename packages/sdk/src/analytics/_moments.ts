/**
 * The first two moments of a masked column in STATISTIC_TYPE, shared by the
 * mean, the variances, the correlation and the t statistic: the count of
 * real rows, their total, their mean and each row's deviation from it (0 on
 * masked rows), from which a sum of squares or of products is one `dot`.
 *
 * Numbers (ε = 2^-16; x the column cast to STATISTIC_TYPE, exact for inputs
 * with at most 16 fractional bits and |x| < 2^47):
 * - total: exact while |Σx| < 2^47;
 * - mean = total / max(count, 1), truncated toward zero: |mean − x̄| < ε, and
 *   exactly 0 when no row is present (the total is then 0);
 * - deviations d = x − mean are exact, so Σd² = Σ(x − x̄)² + n·δ² with
 *   δ = x̄ − mean, |δ| < ε: the centred sum of squares (two passes) keeps
 *   its error independent of the data's magnitude.
 */
import type { Value } from '@parley/circuit';
import { COUNT_TYPE, checkColumn, checkMask, STATISTIC_TYPE } from './_columns.js';

export interface Moments {
  /** Real rows, COUNT_TYPE. */
  count: Value;
  /** Σ of the real rows, STATISTIC_TYPE. */
  total: Value;
  /** total / max(count, 1), STATISTIC_TYPE. */
  mean: Value;
  /** Each row's value minus the mean; 0 on masked rows. STATISTIC_TYPE, one per row. */
  deviations: Value;
}

/** The number of rows whose mask bit is 1, as COUNT_TYPE. */
export function countRows(present: Value): Value {
  return present.cast(COUNT_TYPE).sum();
}

/** x / max(count, 1) in STATISTIC_TYPE, element by element: never a division by zero. */
export function divideByCount(x: Value, count: Value): Value {
  return x.div(count.max(1).cast(STATISTIC_TYPE));
}

export function moments(
  col: Value,
  present: Value,
  fn: string,
  field = 'col',
  maskField = 'present',
): Moments {
  checkColumn(col, fn, field);
  checkMask(present, col.length, fn, maskField);
  const x = col.cast(STATISTIC_TYPE);
  const count = countRows(present);
  const total = present.select(x, 0).sum();
  const mean = divideByCount(total, count);
  const deviations = present.select(x.sub(mean), 0);
  return { count, total, mean, deviations };
}

/** Σ d² of the deviations: floor to ε of the exact sum (one truncation). */
export function sumOfSquares(m: Moments): Value {
  return m.deviations.dot(m.deviations);
}
