/**
 * Randomness. `randomBytes` is the OS CSPRNG. `SeededPrg` is AES-128-CTR keyed
 * by a seed (NIST SP 800-38A counter mode): the PRG of the protocols, and in
 * tests the deterministic replacement of the CSPRNG (every random test prints
 * its seed).
 */
import { createCipheriv, randomFillSync } from 'node:crypto';
import { InvalidArgument } from '@parley/interface';
import { assertBytes } from './bytes.js';

/** Throws InvalidArgument unless `n` is a byte count (a whole number ≥ 0). */
function checkByteCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgument(`a byte count must be a whole number ≥ 0, got ${n}`, { field: 'n' });
}

export function randomBytes(n: number): Uint8Array {
  checkByteCount(n);
  const out = new Uint8Array(n);
  randomFillSync(out);
  return out;
}

/** A source of pseudo-random bytes. */
export interface RandomSource {
  bytes(n: number): Uint8Array;
  /** Fills `out` in place. */
  fill(out: Uint8Array): void;
}

export const systemRandom: RandomSource = {
  bytes: randomBytes,
  fill(out) {
    randomFillSync(out);
  },
};

const ZEROS = new Uint8Array(1 << 16);

/** AES-128-CTR keystream from a 16-byte seed. Never reuse a seed for two purposes. */
export class SeededPrg implements RandomSource {
  private readonly cipher;

  constructor(seed: Uint8Array, iv: Uint8Array = new Uint8Array(16)) {
    assertBytes(seed, 16, 'seed');
    assertBytes(iv, 16, 'iv');
    this.cipher = createCipheriv('aes-128-ctr', seed, iv);
  }

  fill(out: Uint8Array): void {
    for (let o = 0; o < out.length; o += ZEROS.length) {
      const n = Math.min(ZEROS.length, out.length - o);
      const ks = this.cipher.update(ZEROS.subarray(0, n));
      out.set(ks, o);
    }
  }

  bytes(n: number): Uint8Array {
    checkByteCount(n);
    const out = new Uint8Array(n);
    this.fill(out);
    return out;
  }
}
