/**
 * Decoding output bits from 64-bit label tags, branch-free in the output
 * bits: only an invalid label (neither tag matches) takes a branch, to fail.
 */
import { InvalidOutputLabel } from '@parley/interface';
import { nonZero32 } from '@parley/kernels';

/**
 * Output bits from both labels' tags (4 words per wire: the 0 label's tag,
 * then the 1 label's) and the active label's tag (2 words per wire). A wire
 * whose active tag matches neither is an InvalidOutputLabel.
 */
export function decodeOutputTags(both: Uint32Array, active: Uint32Array, n: number): Uint8Array {
  const bits = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    // 1 when the active tag differs from the 0 (resp. 1) label's tag; both computed, no short-circuit.
    const ne0 = nonZero32((both[4 * j] ^ active[2 * j]) | (both[4 * j + 1] ^ active[2 * j + 1]));
    const ne1 = nonZero32((both[4 * j + 2] ^ active[2 * j]) | (both[4 * j + 3] ^ active[2 * j + 1]));
    if ((ne0 & ne1) !== 0)
      throw new InvalidOutputLabel(`output wire ${j}: the label is neither the 0 nor the 1 label`);
    bits[j] = ne0;
  }
  return bits;
}
