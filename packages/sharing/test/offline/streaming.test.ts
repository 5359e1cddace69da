import { describe, expect, it } from 'vitest';
import { expectArithmetic, expectBoolean, parties, testSeed } from './_parties.js';

const prg = testSeed('streaming.test');
const testSeedFixed = testSeed('streaming.test (replay)');
const TIMEOUT = { timeout: 30_000 };

/** Number of set bits in a word. */
function popcount(x: bigint): number {
  let n = 0;
  for (; x; x &= x - 1n) n++;
  return n;
}

describe('OtTripleSource: fresh, random, streaming', () => {
  it(
    'consecutive calls give fresh triples (no a, b or c repeats) and a, b look uniform',
    TIMEOUT,
    async () => {
      const { sources } = parties(2, prg, { source: { chunkRows: 2048 }, tag: 'fresh' });
      await Promise.all(sources.map((s) => s.setup()));
      const seen = new Set<bigint>();
      const ownC = sources.map(() => new Set<bigint>());
      let ones = 0;
      let bits = 0;
      for (let call = 0; call < 3; call++) {
        const shares = await Promise.all(sources.map((s) => s.arithmetic(500)));
        const { a, b } = expectArithmetic(shares, 500);
        for (const x of [...a, ...b]) {
          expect(seen.has(x)).toBe(false);
          seen.add(x);
          ones += popcount(x);
          bits += 64;
        }
        // Each party's own shares of c differ within a call and between calls too.
        shares.forEach((s, party) => {
          for (const x of s.c) {
            expect(ownC[party].has(x)).toBe(false);
            ownC[party].add(x);
          }
        });
      }
      for (const own of ownC) expect(own.size).toBe(1500);
      // 192,000 bits: the share of ones is 1/2 within a few standard deviations (0.11%).
      expect(Math.abs(ones / bits - 0.5)).toBeLessThan(0.01);
      const bitShares = await Promise.all(sources.map((s) => s.boolean(300)));
      const { a } = expectBoolean(bitShares, 300);
      const density = a.reduce((n, x) => n + popcount(x), 0) / (64 * 300);
      expect(Math.abs(density - 0.5)).toBeLessThan(0.02);
    },
  );

  it(
    'a large batch streams through many chunks (30,001 triples in chunks of 64) and reconstructs',
    TIMEOUT,
    async () => {
      const { sources, channels } = parties(2, prg, { source: { chunkRows: 4096 }, tag: 'large' });
      const shares = await Promise.all(sources.map((s) => s.arithmetic(30_001)));
      expectArithmetic(shares, 30_001);
      const stats = sources[0].stats();
      expect(stats.arithmeticTriples).toBe(30_001);
      expect(stats.bytesSent).toBe(channels[0][1].bytesSent);
      // Setup: base OT points A and B, the SoftSpoken seeds, the hash key; then per chunk one
      // SoftSpoken correction matrix (as receiver) and one Gilboa correction message (as sender).
      expect(stats.messagesSent).toBe(4 + 2 * Math.ceil(30_001 / 64));
    },
  );

  it('calls made without awaiting the previous one are served in call order', TIMEOUT, async () => {
    const { sources } = parties(3, prg, { source: { chunkRows: 1024 }, tag: 'queue' });
    const calls = sources.map(
      (s) => [s.arithmetic(70), s.boolean(5), s.arithmetic(0), s.arithmetic(33)] as const,
    );
    const results = await Promise.all(calls.map((c) => Promise.all(c)));
    expectArithmetic(
      results.map((r) => r[0]),
      70,
    );
    expectBoolean(
      results.map((r) => r[1]),
      5,
    );
    expectArithmetic(
      results.map((r) => r[3]),
      33,
    );
  });

  it('seeded parties reproduce their shares exactly', TIMEOUT, async () => {
    const run = async () => {
      const { sources } = parties(2, testSeedFixed, { source: { chunkRows: 1024 } });
      return Promise.all(sources.map((s) => s.arithmetic(40)));
    };
    const [x, y] = [await run(), await run()];
    expect(x[0].c).toEqual(y[0].c);
    expect(x[1].a).toEqual(y[1].a);
  });
});
