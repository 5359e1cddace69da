/**
 * Scoring a linear or logistic model row by row, with public weights or with
 * weights held secret by a party (a regulator's model, say):
 *
 *   score_r = bias + Σ_i features[i]_r · w_i,   logistic: sigmoid(score_r)
 *
 * Features are columns of one type (fixed(k, f) for the logistic score); the
 * score has that type. Public weights are numbers, rounded to the nearest
 * 2^-f; secret weights are one vector Value of that type with one weight per
 * feature (weight i is broadcast to every row by `slice(i, i + 1)`); the bias
 * is a number or a Value. `threshold` turns scores into flags.
 *
 * Numbers (ε = 2^-f): each product is truncated (floor), so with the weights
 * and bias as the type holds them, score − F·ε < ŝ ≤ score for F features;
 * the score must stay inside the type (|score| < 2^(k−f−1)). The logistic
 * score is the IR's piecewise-linear sigmoid (PLAN, ir/semantics.ts): within
 * 0.019 + ε of the logistic function, plus F·ε/4 from the linear part. The
 * secret-sharing engine adds at most one ε per product and per sigmoid (its
 * README) and its truncation needs |products| well inside the ring.
 * `threshold` is exact on the score it is given (a score within the
 * engine's error of t may flip).
 *
 * What an output reveals: the scores or flags of the rows output. The row
 * functions do not mask: scores of padding rows are scores of zeros, so
 * output per-row results only through the `present` mask (threshold takes
 * it), and a flag count through count(threshold(…, present)).
 */
import { sameType, typeToString, Value } from '@parley/circuit';
import { InvalidArgument, TypeMismatch } from '@parley/interface';
import { checkMask } from './_columns.js';

/** bias + Σ features[i]·weights[i], per row, in the features' type. */
export function linearScore(
  features: readonly Value[],
  weights: readonly number[] | Value,
  bias: number | Value,
): Value {
  if (features.length === 0)
    throw new InvalidArgument('linearScore: give at least one feature', { field: 'features' });
  const t = features[0].type;
  features.forEach((f, i) => {
    if (!sameType(f.type, t)) {
      throw new TypeMismatch(
        `linearScore: features[${i}] is ${typeToString(f.type)}, features[0] is ${typeToString(t)}`,
        { field: 'features' },
      );
    }
  });
  const weightOf = checkWeights(weights, features.length, typeToString(t));
  const terms = features.map((f, i) => f.mul(weightOf(i)));
  return terms.reduce((s, term) => s.add(term)).add(bias);
}

/** sigmoid(linearScore(…)) per row (PLAN approximation); the features must be fixed point with ≥ 4 integer bits. */
export function logisticScore(
  features: readonly Value[],
  weights: readonly number[] | Value,
  bias: number | Value,
): Value {
  return linearScore(features, weights, bias).sigmoid();
}

/** 1 where score > t (strictly), per row; with `present`, 0 on masked rows. */
export function threshold(score: Value, t: number | Value, present?: Value): Value {
  const above = score.gt(t);
  if (!present) return above;
  checkMask(present, score.length, 'threshold');
  return above.and(present);
}

function checkWeights(
  weights: readonly number[] | Value,
  features: number,
  type: string,
): (i: number) => number | Value {
  if (weights instanceof Value) {
    if (weights.length !== features) {
      throw new InvalidArgument(`linearScore: ${weights.length} weights for ${features} features`, {
        field: 'weights',
      });
    }
    if (typeToString(weights.type) !== type) {
      throw new TypeMismatch(`linearScore: weights are ${typeToString(weights.type)}, features are ${type}`, {
        field: 'weights',
      });
    }
    return (i) => weights.slice(i, i + 1);
  }
  if (weights.length !== features) {
    throw new InvalidArgument(`linearScore: ${weights.length} weights for ${features} features`, {
      field: 'weights',
    });
  }
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      throw new InvalidArgument(`linearScore: weights[${i}] is not a finite number`, { field: 'weights' });
    }
  });
  return (i) => weights[i];
}
