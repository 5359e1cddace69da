/** Test harness: n OtTripleSources joined pairwise by in-process OT channels, seeded, and the reconstruction checks. */
import { randomBytes } from 'node:crypto';
import { fromHex, SeededPrg, sha256, toHex } from '@parley/crypto';
import { type MemoryChannelOptions, type MemoryOtChannel, memoryChannelPair } from '@parley/ot';
import { expect } from 'vitest';
import { OtTripleSource, type OtTripleSourceOptions } from '../../src/offline/index.js';
import type { ArithmeticTriples, BooleanTriples } from '../../src/offline/tripleSource.js';

/** A master seed for this test file (printed; PARLEY_TEST_SEED replays it) and per-party seeded generators. */
export function testSeed(label: string): (role: string) => SeededPrg {
  const master = process.env.PARLEY_TEST_SEED ?? toHex(randomBytes(16));
  console.log(`${label}: seed ${master} (set PARLEY_TEST_SEED to replay)`);
  return (role) => new SeededPrg(sha256(fromHex(master), new TextEncoder().encode(role)).subarray(0, 16));
}

export interface Parties {
  sources: OtTripleSource[];
  /** channels[i][j]: party i's end of the channel to party j. */
  channels: MemoryOtChannel[][];
}

/** n parties, every pair joined by a memory channel pair (options.channel(i, j) may tamper with the pair's traffic). */
export function parties(
  n: number,
  prg: (role: string) => SeededPrg,
  options: {
    source?: OtTripleSourceOptions;
    channel?: (i: number, j: number) => MemoryChannelOptions;
    tag?: string;
  } = {},
): Parties {
  const channels: MemoryOtChannel[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const [a, b] = memoryChannelPair(options.channel?.(i, j));
      channels[i][j] = a;
      channels[j][i] = b;
    }
  }
  const sources = channels.map((row, i) => {
    const map = new Map(row.map((c, j) => [j, c] as const).filter(([, c]) => c !== undefined));
    return new OtTripleSource(i, n, map, { random: prg(`party${i}${options.tag ?? ''}`), ...options.source });
  });
  return { sources, channels };
}

const MASK = (1n << 64n) - 1n;

/** Σa·Σb = Σc mod 2^64 for every triple; returns the reconstructed a and b. */
export function expectArithmetic(
  shares: ArithmeticTriples[],
  n: number,
): { a: BigUint64Array; b: BigUint64Array } {
  const a = new BigUint64Array(n);
  const b = new BigUint64Array(n);
  const c = new BigUint64Array(n);
  for (const s of shares) {
    expect(s.a.length).toBe(n);
    expect(s.b.length).toBe(n);
    expect(s.c.length).toBe(n);
    for (let i = 0; i < n; i++) {
      a[i] += s.a[i];
      b[i] += s.b[i];
      c[i] += s.c[i];
    }
  }
  for (let i = 0; i < n; i++) {
    if (((a[i] * b[i]) & MASK) !== c[i]) expect.fail(`triple ${i}: a·b != c after reconstruction`);
  }
  return { a, b };
}

/** (⊕a)&(⊕b) = ⊕c for every bit; returns the reconstructed a and b. */
export function expectBoolean(
  shares: BooleanTriples[],
  words: number,
): { a: BigUint64Array; b: BigUint64Array } {
  const a = new BigUint64Array(words);
  const b = new BigUint64Array(words);
  const c = new BigUint64Array(words);
  for (const s of shares) {
    expect(s.a.length).toBe(words);
    for (let i = 0; i < words; i++) {
      a[i] ^= s.a[i];
      b[i] ^= s.b[i];
      c[i] ^= s.c[i];
    }
  }
  for (let i = 0; i < words; i++) {
    if ((a[i] & b[i]) !== c[i]) expect.fail(`word ${i}: a&b != c after reconstruction`);
  }
  return { a, b };
}
