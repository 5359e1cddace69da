/**
 * The exact meaning of every IR operation on single values, as bit patterns of
 * their types. The plaintext evaluator applies these element by element and
 * the boolean lowering must agree with them bit for bit; engines that
 * approximate (probabilistic truncation, Newton iterations) state their error
 * against these.
 */
import { Unsupported } from '@parley/interface';
import { fracOf, isSigned, type ValueType, widthOf } from './types.js';
import { wrap } from './values.js';

const signed = (v: bigint, t: ValueType) => (isSigned(t) ? BigInt.asIntN(widthOf(t), v) : v);

/** Unsigned division as the restoring-division circuit computes it (x / 0 = all ones, x % 0 = x). */
export function udivmod(a: bigint, b: bigint, width: number): [bigint, bigint] {
  if (b === 0n) return [wrap(-1n, width), a];
  return [a / b, a % b];
}

export function divide(a: bigint, b: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  if (!isSigned(t)) return udivmod(a, b, w)[0];
  const sa = BigInt.asIntN(w, a);
  const sb = BigInt.asIntN(w, b);
  const f = BigInt(fracOf(t));
  const na = (sa < 0n ? -sa : sa) << f;
  const nb = sb < 0n ? -sb : sb;
  const uq = udivmod(na, nb, w + Number(f))[0];
  return wrap(sa < 0n !== sb < 0n ? -uq : uq, w);
}

export function remainder(a: bigint, b: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  if (t.kind === 'fixed') throw new Unsupported('rem is not defined on fixed-point values');
  if (!isSigned(t)) return udivmod(a, b, w)[1];
  const sa = BigInt.asIntN(w, a);
  const sb = BigInt.asIntN(w, b);
  const ur = udivmod(sa < 0n ? -sa : sa, sb < 0n ? -sb : sb, w)[1];
  return wrap(sa < 0n ? -ur : ur, w);
}

export function multiply(a: bigint, b: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  if (t.kind !== 'fixed') return wrap(a * b, w);
  return wrap((BigInt.asIntN(w, a) * BigInt.asIntN(w, b)) >> BigInt(t.frac), w);
}

export function power(a: bigint, b: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  let result = 1n;
  let base = a;
  for (let e = b; e > 0n; e >>= 1n) {
    if (e & 1n) result = wrap(result * base, w);
    base = wrap(base * base, w);
  }
  return wrap(result, w);
}

export function compare(op: string, a: bigint, b: bigint, t: ValueType): bigint {
  const x = signed(a, t);
  const y = signed(b, t);
  let r: boolean;
  switch (op) {
    case 'eq':
      r = x === y;
      break;
    case 'ne':
      r = x !== y;
      break;
    case 'lt':
      r = x < y;
      break;
    case 'le':
      r = x <= y;
      break;
    case 'gt':
      r = x > y;
      break;
    default:
      r = x >= y;
  }
  return r ? 1n : 0n;
}

export function lessThan(a: bigint, b: bigint, t: ValueType): boolean {
  return signed(a, t) < signed(b, t);
}

/** Shift right by `n`: arithmetic for signed types, logical otherwise. */
export function shiftRight(a: bigint, n: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  if (n >= BigInt(w)) return isSigned(t) && BigInt.asIntN(w, a) < 0n ? wrap(-1n, w) : 0n;
  return wrap(signed(a, t) >> n, w);
}

export function shiftLeft(a: bigint, n: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  if (n >= BigInt(w)) return 0n;
  return wrap(a << n, w);
}

/** Converts a value between types: integer part kept, fractional bits rescaled (floor), then wrapped. */
export function cast(a: bigint, from: ValueType, to: ValueType): bigint {
  const v = signed(a, from);
  const shift = fracOf(to) - fracOf(from);
  return wrap(shift >= 0 ? v << BigInt(shift) : v >> BigInt(-shift), widthOf(to));
}

/**
 * Piecewise-linear sigmoid (PLAN, Amin, Curtis and Hayes-Gill 1997) on
 * fixed(k, f): for |x| ≥ 5 → 1; 2.375 ≤ |x| < 5 → |x|/32 + 0.84375;
 * 1 ≤ |x| < 2.375 → |x|/8 + 0.625; |x| < 1 → |x|/4 + 0.5; and 1 − y for x < 0.
 * Shifts floor; constants are floor(c·2^f). Maximum error ≈ 0.019 + 2^-f.
 */
export function sigmoid(a: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  const c = sigmoidConstants(t);
  const x = BigInt.asIntN(w, a);
  const ax = wrap(x < 0n ? -x : x, w);
  let y: bigint;
  if (ax >= c.five) y = c.one;
  else if (ax >= c.t2375) y = (ax >> 5n) + c.c84375;
  else if (ax >= c.one) y = (ax >> 3n) + c.c625;
  else y = (ax >> 2n) + c.half;
  return wrap(x < 0n ? c.one - y : y, w);
}

export function sigmoidConstants(t: ValueType): {
  one: bigint;
  half: bigint;
  five: bigint;
  t2375: bigint;
  c84375: bigint;
  c625: bigint;
} {
  const f = BigInt(fracOf(t));
  const one = 1n << f;
  return {
    one,
    half: one >> 1n,
    five: 5n * one,
    t2375: (19n * one) >> 3n,
    c84375: (27n * one) >> 5n,
    c625: (5n * one) >> 3n,
  };
}
