/**
 * Comparisons of k-bit values on arithmetic shares, by sign extraction
 * (conversions.ts) on the low bits that matter: x < y is the sign of x − y
 * when the range analysis shows x − y cannot wrap; otherwise the signs of X,
 * Y and D = X − Y as w-bit numbers decide (w the width, unsigned values
 * offset by 2^(w−1)): lt = s_D ⊕ ((s_X ⊕ s_Y) ∧ (s_X ⊕ s_D)). Equality is a
 * zero test of the low w bits of x − y.
 */
import { isSigned, type ValueType, widthOf } from '@parley/circuit';
import { u32, wordsFor } from './_words.js';
import { differenceFits } from './analysis.js';
import type { ShareBackend } from './backend.js';
import { isZero, signBit, signedBits } from './conversions.js';
import { minus, type Operand } from './operands.js';
import { type Proto, parallel } from './protocol.js';
import { addPublic, Ints, type Plane, publicPlane, xorPlanes } from './shares.js';

/** x + c mod 2^64 for shares or public words. */
function offset(B: ShareBackend, x: Operand, c: bigint): Operand {
  if (c === 0n) return x;
  if (x instanceof Ints) return addPublic(B, x, c);
  return x.map((v) => BigInt.asUintN(64, v + c));
}

/** [x < 0] of an operand read as a signed k-bit number (low k bits). */
function* sign(B: ShareBackend, x: Operand, n: number, k: number): Proto<Plane> {
  if (x instanceof Ints) return yield* signBit(B, x, k);
  const words = wordsFor(n);
  const bit = BigInt(k - 1);
  if (x.length === 1) return publicPlane(B, words, (x[0] >> bit) & 1n ? 1 : 0, n);
  const plane = new BigUint64Array(words);
  const p = u32(plane);
  const xw = u32(x);
  const half = k - 1 >= 32 ? 1 : 0;
  const shift = (k - 1) & 31;
  for (let i = 0; i < n; i++) if ((xw[2 * i + half] >>> shift) & 1) p[i >>> 5] |= 1 << (i & 31);
  return publicPlane(B, words, plane, n);
}

/**
 * [x < y] for values of type t (width w). When the range analysis bounds
 * x − y, that is the sign of x − y on just the bits that range needs (one
 * sign extraction; 33 bits for int(32) operands). Otherwise, on the w-bit
 * values (top bit flipped for unsigned types: x + 2^(w−1)), with D = X − Y
 * mod 2^w: lt = s_D ⊕ ((s_X ⊕ s_Y) ∧ (s_X ⊕ s_D)), the three signs of w bits.
 */
export function* lessThan(
  B: ShareBackend,
  x: Operand,
  y: Operand,
  t: ValueType,
  n: number,
  ranges: [[bigint, bigint] | undefined, [bigint, bigint] | undefined],
): Proto<Plane> {
  const [rx, ry] = ranges;
  if (differenceFits(rx, ry)) {
    const k = signedBits(
      (rx as [bigint, bigint])[0] - (ry as [bigint, bigint])[1],
      (rx as [bigint, bigint])[1] - (ry as [bigint, bigint])[0],
    );
    return yield* signBit(B, minus(B, x, y), k);
  }
  const w = widthOf(t);
  const flip = isSigned(t) ? 0n : 1n << BigInt(w - 1);
  const X = offset(B, x, flip);
  const Y = offset(B, y, flip);
  const [sx, sy, sd] = yield* parallel([sign(B, X, n, w), sign(B, Y, n, w), signBit(B, minus(B, X, Y), w)]);
  const [t0] = yield* B.and([xorPlanes(sx, sy)], [xorPlanes(sx, sd)]);
  return xorPlanes(sd, t0);
}

/** [x = y] for values of type t: x − y is zero in its low w bits. */
export function* equal(B: ShareBackend, x: Operand, y: Operand, t: ValueType): Proto<Plane> {
  return yield* isZero(B, minus(B, x, y), widthOf(t));
}
