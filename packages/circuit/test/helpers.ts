import { fileURLToPath } from 'node:url';

/** ../shared/data beside the project (or PARLEY_SHARED_DATA). */
export const DATA =
  process.env.PARLEY_SHARED_DATA ?? fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const BRISTOL = `${DATA.replace(/\/$/, '')}/bristol`;

/** A seeded xorshift32 source; tests print their seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function randomBits(rnd: () => number, bits: number): bigint {
  let v = 0n;
  for (let j = 0; j < bits; j += 30) v = (v << 30n) | BigInt(Math.floor(rnd() * 2 ** 30));
  return BigInt.asUintN(bits, v);
}

export function testSeed(): number {
  const seed = Number(process.env.PARLEY_TEST_SEED ?? Date.now() % 2 ** 31);
  console.log(`seed ${seed} (set PARLEY_TEST_SEED to replay)`);
  return seed;
}
