/**
 * Conversions between arithmetic shares over Z_2^64 and bit-sliced boolean
 * shares (Demmler–Schneider–Zohner, ABY, NDSS 2015; Mohassel–Rindal, ABY3,
 * CCS 2018 §5.3):
 * - A2B (bit decomposition): the scheme's boolean addends of x (one round in
 *   the replicated scheme, free in the additive one), full-adder layers down
 *   to two addends, then a parallel-prefix adder; the sign bit alone (less
 *   than zero) needs only the carry into the top bit, and a zero test only an
 *   AND tree;
 * - B2A: the scheme's bit injection of every plane at once, then Σ 2^i·b_i
 *   (the top bit weighted −2^(k−1) for signed values, so the result is the
 *   sign-extended value); or, for wide values in the additive scheme, where a
 *   ring product costs 64 times the OTs of an AND, with a boolean adder: every
 *   party masks x with a random share s_j of its own, x − Σ s_j is computed
 *   with a carry-save tree and a prefix adder and opened, and party 0 adds it
 *   to its s_0 (ABY's B2A by subtraction, generalised to n parties).
 */

import { unslice64 } from './_words.js';
import { carrySave, equalBits, prefixAdd, sumIsZero, topBitOfSum } from './adders.js';
import type { ShareBackend } from './backend.js';
import type { Proto } from './protocol.js';
import {
  addInts,
  addPublic,
  type Bits,
  type Ints,
  negInts,
  type Plane,
  publicPlane,
  scaleInts,
  sliceInts,
  subInts,
  zeroInts,
} from './shares.js';

/** The low k bits of x (k ≤ 64), least significant first. */
export function* bitDecompose(B: ShareBackend, x: Ints, k = 64): Proto<Bits> {
  const { addends } = yield* B.addends(x);
  const [a, b] = yield* carrySave(
    B,
    addends.map((s) => s.slice(0, k)),
  );
  return yield* prefixAdd(B, a, b);
}

/**
 * Bit k−1 of x: [x < 0] for the low k bits of x read as a signed k-bit
 * number (k = 64: the ring element itself; a smaller k when the value is
 * known to fit, at about k/64 of the cost).
 */
export function* signBit(B: ShareBackend, x: Ints, k = 64): Proto<Plane> {
  const { addends } = yield* B.addends(x);
  const [a, b] = yield* carrySave(
    B,
    addends.map((s) => s.slice(0, k)),
  );
  return yield* topBitOfSum(B, a, b);
}

/** [x = 0 mod 2^k]. */
export function* isZero(B: ShareBackend, x: Ints, k = 64): Proto<Plane> {
  const { addends, negated } = yield* B.addends(x, true);
  const low = addends.map((s) => s.slice(0, k));
  if (negated && low.length === 2) return yield* equalBits(B, low[0], low[1]);
  const [a, b] = yield* carrySave(B, low);
  return yield* sumIsZero(B, a, b);
}

/** The fewest bits k such that every value of [lo, hi] is a signed k-bit number. */
export function signedBits(lo: bigint, hi: bigint): number {
  let k = 1;
  while (k < 64 && (lo < -(1n << BigInt(k - 1)) || hi >= 1n << BigInt(k - 1))) k++;
  return k;
}

/** Widest value the additive scheme converts bit by bit (wider ones go through an adder). */
export const MAX_INJECTED_BITS = 8;

/** Ring elements from the k planes of k-bit values (n lanes): unsigned, or sign-extended when `signed`. */
export function* bitsToInts(B: ShareBackend, bits: Bits, n: number, signed: boolean): Proto<Ints> {
  const k = bits.length;
  if (B.protocol === 'additive' && k > MAX_INJECTED_BITS) return yield* bitsToIntsByAdder(B, bits, n, signed);
  const all = yield* B.bitsToInts(bits, n);
  if (k === 1 && !signed) return all;
  let acc = zeroInts(B, n);
  for (let i = 0; i < k; i++) {
    const weight = signed && i === k - 1 ? -(1n << BigInt(i)) : 1n << BigInt(i);
    acc = addInts(acc, scaleInts(sliceInts(all, i * n, (i + 1) * n), weight));
  }
  return acc;
}

/** B2A by a masked boolean subtraction (see the header). */
export function* bitsToIntsByAdder(B: ShareBackend, bits: Bits, n: number, signed: boolean): Proto<Ints> {
  const s = B.randomInts(n);
  const { addends } = yield* B.addends(negInts(s));
  const top = bits[bits.length - 1];
  const zero = publicPlane(B, top.words, 0, top.lanes);
  const x = Array.from({ length: 64 }, (_, i) => (i < bits.length ? bits[i] : signed ? top : zero));
  const [a, b] = yield* carrySave(B, [x, ...addends]);
  const y = yield* prefixAdd(B, a, b);
  const all = Array.from({ length: B.parties }, (_, j) => j);
  const opened = (yield* B.openBits(y, all)) as BigUint64Array;
  return addPublic(B, s, unslice64(opened, n, 64));
}

/** Sign bit and absolute value of k-bit values: s = [x < 0] (bits), sA = s as ring 0/1, a = |x|. */
export function* absolute(B: ShareBackend, x: Ints, k: number): Proto<{ sA: Ints; a: Ints }> {
  const s = yield* signBit(B, x, k);
  const sA = yield* bitsToInts(B, [s], x.n, false);
  // a = x − 2·s·x
  const sx = yield* B.mul(sA, x);
  return { sA, a: subInts(x, scaleInts(sx, 2n)) };
}
