/**
 * The tweakable correlation-robust hash of the half-gates garbler, over the
 * fixed-key AES permutation π of @parley/ot (Guo, Katz, Wang, Yu: "Efficient and
 * Secure Multiparty Computation from Fixed-Key Block Ciphers", IEEE S&P 2020,
 * eprint 2019/074, §7): H(x, i) = π(π(x) ⊕ i) ⊕ π(x). Unlike @parley/ot's
 * TccrHash (one tweak per block), consecutive blocks may share a tweak, as
 * H(A, j) and H(A ⊕ Δ, j) of one gate must. Blocks are hashed in large batches
 * through node:crypto (AES-NI): one cipher call per batch, never per gate.
 *
 * `tccrHash` does it all on ordinary arrays; `tccrHashHalves` leaves the
 * final XOR to the caller's kernel and runs the tweak XOR with
 * @parley/kernels' `tccrTweak` (WebAssembly SIMD when the buffers lie in a
 * KernelArena), for the half-gates loops.
 */
import { tccrTweak } from '@parley/kernels';
import { FixedKeyAes } from '@parley/ot';

export { FixedKeyAes };

/** π applied to `count` blocks of `words` (4 words each); a new word array, the input untouched. */
export function permuteWords(aes: FixedKeyAes, words: Uint32Array, count = words.length >>> 2): Uint32Array {
  const out = aes.permute(new Uint8Array(words.buffer, words.byteOffset, count * 16));
  if (out.byteOffset % 4 === 0) return new Uint32Array(out.buffer, out.byteOffset, count * 4);
  return new Uint32Array(new Uint8Array(out).buffer);
}

/**
 * In place: blocks[k] ← H(blocks[k], tweak(k)) for k < count, where the
 * tweak of block k is `tweakBase + (k >> shift)` (shift 0: one tweak per block;
 * shift 1: blocks 2m and 2m+1 share a tweak). The tweak is XORed into the
 * low 64 bits of the block (little-endian words 0 and 1).
 */
export function tccrHash(
  aes: FixedKeyAes,
  blocks: Uint32Array,
  count: number,
  tweakBase: number,
  shift: number,
): void {
  const p = permuteWords(aes, blocks, count);
  // blocks ← π(x) ⊕ i (the tweak's high word is constant unless the batch crosses 2^32)
  const last = tweakBase + ((count - 1) >>> shift);
  if (last < 4294967296) {
    for (let k = 0, w = 0; k < count; k++, w += 4) {
      blocks[w] = p[w] ^ (tweakBase + (k >>> shift));
      blocks[w + 1] = p[w + 1];
      blocks[w + 2] = p[w + 2];
      blocks[w + 3] = p[w + 3];
    }
  } else {
    for (let k = 0, w = 0; k < count; k++, w += 4) {
      const t = tweakBase + (k >>> shift);
      blocks[w] = p[w] ^ (t >>> 0);
      blocks[w + 1] = p[w + 1] ^ Math.floor(t / 4294967296);
      blocks[w + 2] = p[w + 2];
      blocks[w + 3] = p[w + 3];
    }
  }
  const q = permuteWords(aes, blocks, count);
  for (let w = 0; w < count * 4; w++) blocks[w] = q[w] ^ p[w];
}

/**
 * The two AES passes of `tccrHash` without its final XOR, for `count` blocks:
 * on return `blocks` holds π(π(x) ⊕ i) and `pi` holds π(x), so H(x, i) =
 * blocks ⊕ pi, an XOR the half-gates post-pass kernels fuse into their loop.
 * Tweaks as in `tccrHash`. With `blocks` and `pi` in one WebAssembly
 * KernelArena the tweak XOR runs in WebAssembly SIMD and node:crypto reads
 * the arena directly; node's Cipheriv has no update-into-a-buffer call, so
 * each pass's output (a new Buffer) is copied back into the arena: two cipher
 * calls and two copies per batch.
 */
export function tccrHashHalves(
  aes: FixedKeyAes,
  blocks: Uint32Array,
  pi: Uint32Array,
  count: number,
  tweakBase: number,
  shift: number,
): void {
  const x = new Uint8Array(blocks.buffer, blocks.byteOffset, 16 * count);
  new Uint8Array(pi.buffer, pi.byteOffset, 16 * count).set(aes.permute(x));
  tccrTweak(blocks, pi, count, tweakBase, shift);
  x.set(aes.permute(x));
}
