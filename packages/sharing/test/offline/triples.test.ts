import { describe, it } from 'vitest';
import { expectArithmetic, expectBoolean, parties, testSeed } from './_parties.js';

const prg = testSeed('triples.test');
const TIMEOUT = { timeout: 30_000 };

describe('OtTripleSource: triples made pairwise by OT reconstruct', () => {
  for (const [n, otExtension] of [
    [2, 'softspoken'],
    [3, 'softspoken'],
    [5, 'softspoken'],
    [2, 'iknp'],
    [3, 'iknp'],
  ] as const) {
    it(
      `${n} parties on ${otExtension}: Z_2^64 triples (sizes 0, 1, 3, 1000, multi-chunk) and bit triples satisfy c = a·b`,
      TIMEOUT,
      async () => {
        const { sources } = parties(n, prg, {
          source: { chunkRows: 1024, otExtension },
          tag: `n${n}${otExtension}`,
        });
        for (const size of [0, 1, 3, 1000, 16 * 3 + 5]) {
          const shares = await Promise.all(sources.map((s) => s.arithmetic(size)));
          expectArithmetic(shares, size);
        }
        for (const words of [0, 1, 7, 40]) {
          const shares = await Promise.all(sources.map((s) => s.boolean(words)));
          expectBoolean(shares, words);
        }
        for (const s of sources) s.close();
      },
    );
  }

  it('one party (no peers): c = a·b locally', async () => {
    const { sources } = parties(1, prg, { tag: 'alone' });
    expectArithmetic([await sources[0].arithmetic(9)], 9);
    expectBoolean([await sources[0].boolean(2)], 2);
  });
});
