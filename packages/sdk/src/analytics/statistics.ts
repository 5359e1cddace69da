/**
 * Two statistics of masked columns, in STATISTIC_TYPE (ε = 2^-16):
 *
 * - `pearson(x, y, present)`: Pearson's correlation of x and y over the real
 *   rows, ρ = Sxy / √(Sxx·Syy) with Sxy = Σ(x − x̄)(y − ȳ), Sxx = Σ(x − x̄)²,
 *   Syy = Σ(y − ȳ)². Computed as (Sxy / √Sxx) / √Syy (no product of two
 *   large sums) and clamped to [−1, 1]. It is 0 when Sxx or Syy is 0 (fewer
 *   than two rows, or a constant column). Bound, with sx = √Sxx, sy = √Syy
 *   and n ≤ 2^16 rows:
 *     |ρ̂ − ρ| ≤ ε·(2 + 1/sy + |ρ|·(1/sx + 1/sx² + 1/sy + 1/sy²) + 2/(sx·sy))
 *   to first order in ε (a correlation of data spread over many units is
 *   within a few ε; of data spread over a few ε it means little).
 *
 * - `tStatistic(x, presentA, presentB)`: Welch's two-sample t statistic of
 *   column x between the rows of mask A and of mask B,
 *     t = (x̄A − x̄B) / √(sA²/nA + sB²/nB),  s² = Σ(x − x̄)²/(n − 1)
 *   (sample variances, divisor n − 1). It is 0 when nA < 2, nB < 2 or the
 *   denominator is 0. A row in both masks counts in both groups. With
 *   S = √(sA²/nA + sB²/nB):
 *     |t̂ − t| ≤ ε + (2ε + |t|·(ε + 4ε/S)) / (S − ε − 4ε/S),
 *   for n(n − 1) < 2^47 in each group, when S > ε + 4ε/S (S above ~2.6ε);
 *   below that the groups' spread is within the rounding and no bound holds
 *   (a t of data spread over a few ε means little).
 *
 * Both need the sums of squares below 2^47, as aggregates.ts states for the
 * variance; in the secret-sharing engine, which truncates probabilistically
 * and divides by Newton–Raphson, add that engine's error (@parley/sharing
 * README, "Fixed point") and keep the sums of squares well below 2^31. The
 * square roots are exact (squareRoot.ts) in every engine.
 *
 * What an output reveals: the statistic alone, though with few rows a
 * statistic can say much about each (a correlation of two rows is ±1).
 */
import { uint, type Value } from '@parley/circuit';
import { STATISTIC_TYPE, STATISTIC_ULP } from './_columns.js';
import { moments, sumOfSquares } from './_moments.js';
import { squareRoot } from './squareRoot.js';

/** Pearson's correlation of x and y over the real rows, in [−1, 1]; 0 when either column has no spread. */
export function pearson(x: Value, y: Value, present: Value): Value {
  const mx = moments(x, present, 'pearson', 'x');
  const my = moments(y, present, 'pearson', 'y');
  const b = x.builder;
  const cross = mx.deviations.dot(my.deviations);
  const roots = squareRoot(b.concat(sumOfSquares(mx), sumOfSquares(my)));
  // A root is 0 only when its sum of squares is 0, and then every deviation and `cross` are 0: the result is 0.
  const sx = roots.slice(0, 1).max(STATISTIC_ULP);
  const sy = roots.slice(1, 2).max(STATISTIC_ULP);
  return cross.div(sx).div(sy).min(1).max(-1);
}

/** Welch's t statistic of x between the rows of presentA and of presentB; 0 when a group has fewer than two rows. */
export function tStatistic(x: Value, presentA: Value, presentB: Value): Value {
  const a = moments(x, presentA, 'tStatistic', 'x', 'presentA');
  const c = moments(x, presentB, 'tStatistic', 'x', 'presentB');
  const b = x.builder;
  // sA²/nA = Σd²/(nA(nA − 1)): one division per group, by n(n − 1) (n ≤ 1 gives a divisor of 1 and Σd² = 0).
  const pairs = (n: Value) => {
    const wide = n.cast(uint(64));
    return wide.mul(wide.sub(1)).max(1).cast(STATISTIC_TYPE);
  };
  const shares = b.concat(sumOfSquares(a), sumOfSquares(c)).div(b.concat(pairs(a.count), pairs(c.count)));
  const standardError = squareRoot(shares.slice(0, 1).add(shares.slice(1, 2)));
  const defined = a.count.ge(2).and(c.count.ge(2)).and(standardError.gt(0));
  return defined.select(a.mean.sub(c.mean).div(standardError.max(STATISTIC_ULP)), 0);
}
