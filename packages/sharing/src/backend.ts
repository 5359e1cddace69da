/**
 * The protocol roles a sharing scheme provides to the generic evaluator, in
 * the MP-SPDZ manner: input, multiply, open, and the few conversions whose
 * best form depends on the scheme (the addends of a bit decomposition,
 * probabilistic truncation, bit injection). Everything else (adders,
 * comparisons, fixed point, sorting, boolean circuits) is written once on top
 * of these in gadgets that run unchanged on every scheme.
 */
import type { Proto } from './protocol.js';
import type { Bits, Ints, ShareLayout } from './shares.js';

export type SharingProtocol = 'additive' | 'replicated';

/**
 * The longest truncation asked of a scheme at once: the n-party pair has 63
 * random bits below the top one to take d of, and a 64-bit shift is no shift
 * in JavaScript's 32-bit halves.
 */
export const MAX_TRUNCATION = 62;

/** What a scheme consumed, for statistics and the preprocessing plan. */
export interface SchemeCounters {
  /** Ring multiplications (one Beaver triple each in the additive scheme). */
  multiplications: number;
  /** Words of bit-sliced ANDs (one boolean triple word each in the additive scheme). */
  andWords: number;
  /** AND gates (lanes in use of those words). */
  andGates: number;
}

export interface ShareBackend extends ShareLayout {
  readonly protocol: SharingProtocol;
  /** Number of parties and this party's index. */
  readonly parties: number;
  readonly me: number;
  readonly counters: SchemeCounters;

  /** Shares n ring elements held by `owner` (which passes them; the others pass undefined). */
  inputInts(owner: number, n: number, values: BigUint64Array | undefined): Proto<Ints>;
  /** Shares `count` bit planes of `lanes` lanes held by `owner` (plane-major, wordsFor(lanes) words each). */
  inputBits(owner: number, count: number, lanes: number, planes: BigUint64Array | undefined): Proto<Bits>;
  /** Element-wise products (one round). */
  mul(x: Ints, y: Ints): Proto<Ints>;
  /** Plane-wise ANDs (one round); x and y have the same number of planes of the same size. */
  and(x: Bits, y: Bits): Proto<Bits>;
  /** ANDs of packed words, one block per part (one round); `gates` counts the lanes in use. */
  andPacked(x: BigUint64Array[], y: BigUint64Array[], gates: number): Proto<BigUint64Array[]>;
  /** Opens x to the parties `to`; they get the values, the others undefined. */
  openInts(x: Ints, to: readonly number[]): Proto<BigUint64Array | undefined>;
  /** Opens planes to `to` (plane-major words). */
  openBits(x: Bits, to: readonly number[]): Proto<BigUint64Array | undefined>;
  /**
   * Boolean sharings of 64-bit numbers whose sum mod 2^64 is x (the first
   * step of a bit decomposition). With `negateLast`, the scheme may return
   * the last addend negated (x = a_0 + … − a_last) when it can do so for
   * free; `negated` says whether it did.
   */
  addends(x: Ints, negateLast?: boolean): Proto<{ addends: Bits[]; negated: boolean }>;
  /**
   * Probabilistic truncation by 1 ≤ d ≤ MAX_TRUNCATION bits of values with |x| < 2^ℓ: the result
   * is ⌊x/2^d⌋ or ⌊x/2^d⌋ + 1 (see each scheme for the failure probability).
   */
  truncate(x: Ints, d: number): Proto<Ints>;
  /** Bit injection: planes (count of them, n lanes each) to ring elements 0/1, plane k at [k·n, (k+1)·n). */
  bitsToInts(planes: Bits, n: number): Proto<Ints>;
  /** A uniformly random shared vector, without communication. */
  randomInts(n: number): Ints;
  /** Uniformly random shared planes of `lanes` lanes, without communication. */
  randomPlanes(count: number, lanes: number): Bits;
}

/**
 * Truncation by d ≥ 0 bits: none for d = 0 (fixed(k, 0)), else in steps of
 * at most MAX_TRUNCATION (only fixed(64, 63) products need two). Each step
 * may add one unit of the value it gives; after the first the value is below
 * 2^(64 − 62).
 */
export function* truncateBy(B: ShareBackend, x: Ints, d: number): Proto<Ints> {
  let y = x;
  let left = d;
  for (; left > MAX_TRUNCATION; left -= MAX_TRUNCATION) y = yield* B.truncate(y, MAX_TRUNCATION);
  return left > 0 ? yield* B.truncate(y, left) : y;
}
