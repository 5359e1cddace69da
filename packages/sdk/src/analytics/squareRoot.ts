/**
 * Square root in STATISTIC_TYPE, exactly: for v ≥ 0 the result is ⌊√v⌋ to
 * the last place (ε = 2^-16), i.e. the largest multiple r of ε with r² ≤ v;
 * a negative v gives 0. Standard deviations, the correlation and the t
 * statistic use it. Error: −ε < result − √v ≤ 0, in every engine, because it
 * uses only integer additions, comparisons, selections and shifts by public
 * amounts (no truncated product, no Newton iteration).
 *
 * Method: the digit-by-digit (two bits at a time) integer square root of
 * N = u·2^16, u being v's raw integer (v = u·2^-16), so that
 * ⌊√N⌋ = ⌊√v·2^16⌋ is the raw result. v < 2^47 makes N < 2^79: 40 steps,
 * each a comparison of values below 2^43 (root < 2^40, rem ≤ 2·root), in
 * uint(64). The IR cannot reinterpret a fixed-point value's bits as an
 * integer, so u's pairs of bits are read from v's integer part ⌊v⌋ and its
 * fraction's raw integer, each obtained by a cast.
 *
 * What it reveals: nothing by itself; an output square root reveals itself.
 */
import { uint, type Value } from '@parley/circuit';
import { TypeMismatch } from '@parley/interface';
import { STATISTIC_FRAC, STATISTIC_TYPE } from './_columns.js';

const WORD = uint(64);
/** Pairs of bits of ⌊v⌋ (below 2^47, 24 pairs), of the fraction (8 pairs), then of the 2^16 factor (8 zero pairs). */
const INTEGER_PAIRS = 24;
const FRACTION_PAIRS = STATISTIC_FRAC / 2;

/** ⌊√v⌋ to 2^-16, element by element, for v of STATISTIC_TYPE (0 where v < 0). */
export function squareRoot(v: Value): Value {
  if (v.type.kind !== 'fixed' || v.type.bits !== 64 || v.type.frac !== STATISTIC_FRAC) {
    throw new TypeMismatch('squareRoot: the value must be fixed(64,16) (cast it to STATISTIC_TYPE)', {
      field: 'v',
    });
  }
  const b = v.builder;
  const x = v.max(0);
  const whole = x.cast(WORD);
  const fraction = x.sub(whole.cast(STATISTIC_TYPE)).shl(STATISTIC_FRAC).cast(WORD);
  // Pairs of N = u·2^16 from the most significant: ⌊v⌋'s, the fraction's, then zeros.
  const digits: Array<Value | undefined> = [];
  for (let j = INTEGER_PAIRS - 1; j >= 0; j--) digits.push(whole.shr(2 * j).and(3));
  for (let j = FRACTION_PAIRS - 1; j >= 0; j--) digits.push(fraction.shr(2 * j).and(3));
  for (let j = 0; j < FRACTION_PAIRS; j++) digits.push(undefined);
  let rem: Value = b.constant(0, WORD);
  let root: Value = b.constant(0, WORD);
  for (const d of digits) {
    const shifted = rem.shl(2);
    rem = d ? shifted.add(d) : shifted;
    const trial = root.shl(2).add(1);
    const fits = rem.ge(trial);
    rem = fits.select(rem.sub(trial), rem);
    // 2·root + fits, not fits.select(2·root + 1, 2·root): while root is still a constant both branches are
    // public, and @parley/sharing fails on a secret select between two public values (TypeError in addPublic).
    root = root.shl(1).add(fits.cast(WORD));
  }
  // root is the raw result (< 2^40): as a value it is root·2^-16.
  return root.cast(STATISTIC_TYPE).shr(STATISTIC_FRAC);
}
