/** The word helpers, bit slicing, lane copies and round framing against BigInt references. */
import { describe, expect, it } from 'vitest';
import { columnToPlanes, copyLanes, planesToColumn } from '../src/_lanes.js';
import {
  addScalar64,
  crossAnd64,
  mulScalar64,
  neg64,
  planesToValues,
  shiftRight64,
  slice64,
  u32,
  unslice64,
} from '../src/_words.js';
import { Plane, packPlanes, unpackPlanes } from '../src/shares.js';
import { RoundReader, roundFrames } from '../src/wire.js';
import { seed, TestRandom } from './_harness.js';

const M = (1n << 64n) - 1n;

describe('word helpers', () => {
  it('scalar ring operations, negation, shifts and the replicated AND step match BigInt', () => {
    const r = new TestRandom(seed());
    for (const n of [1, 3, 8, 9, 100]) {
      const x = BigUint64Array.from({ length: n }, () => r.word());
      const y = BigUint64Array.from({ length: n }, () => r.word());
      const c = r.word();
      const out = new BigUint64Array(n);
      addScalar64(out, x, c);
      expect([...out]).toEqual([...x].map((v) => (v + c) & M));
      mulScalar64(out, x, c);
      expect([...out]).toEqual([...x].map((v) => (v * c) & M));
      neg64(out, x);
      expect([...out]).toEqual([...x].map((v) => -v & M));
      for (const d of [0, 1, 31, 32, 33, 63, 64, 70]) {
        shiftRight64(out, x, d);
        expect([...out]).toEqual([...x].map((v) => v >> BigInt(d)));
      }
      const x1 = BigUint64Array.from({ length: n }, () => r.word());
      const y1 = BigUint64Array.from({ length: n }, () => r.word());
      crossAnd64(out, x, x1, y, y1);
      expect([...out]).toEqual([...x].map((v, i) => (v & y[i]) ^ (v & y1[i]) ^ (x1[i] & y[i])));
    }
  });

  it('bit slicing round-trips and puts bit b of element j at bit j of plane b', () => {
    const r = new TestRandom(seed());
    for (const n of [1, 63, 64, 65, 200]) {
      const v = BigUint64Array.from({ length: n }, () => r.word());
      const planes = slice64(v, n, 64);
      const words = Math.ceil(n / 64);
      for (const j of [0, n - 1]) {
        for (const b of [0, 17, 63])
          expect((planes[b * words + (j >> 6)] >> BigInt(j & 63)) & 1n).toBe((v[j] >> BigInt(b)) & 1n);
      }
      expect([...unslice64(planes, n, 64)]).toEqual([...v]);
      expect([...planesToValues(planes, 2, words, n)]).toEqual([
        ...[...v].map((x) => x & 1n),
        ...[...v].map((x) => (x >> 1n) & 1n),
      ]);
      const wide = Array.from({ length: n }, () => (r.word() << 64n) | r.word());
      expect(planesToColumn(columnToPlanes(wide, n, 128), n, 128)).toEqual(wide);
    }
  });

  it('lane copies and plane packing keep every lane', () => {
    const r = new TestRandom(seed());
    const src = BigUint64Array.from({ length: 4 }, () => r.word());
    for (const [to, from, len] of [
      [0, 0, 256],
      [5, 3, 100],
      [63, 1, 130],
      [31, 33, 64],
    ]) {
      const dst = new BigUint64Array(5);
      copyLanes(u32(dst), to, u32(src), from, len);
      for (let i = 0; i < len; i++) {
        const want = (src[(from + i) >> 6] >> BigInt((from + i) & 63)) & 1n;
        expect((dst[(to + i) >> 6] >> BigInt((to + i) & 63)) & 1n).toBe(want);
      }
    }
    for (const lanes of [1, 7, 64, 100]) {
      const words = Math.ceil(lanes / 64);
      const planes = Array.from(
        { length: 9 },
        () => new Plane(words, [BigUint64Array.from({ length: words }, () => r.word())], lanes),
      );
      const back = unpackPlanes(packPlanes({ partCount: 1, constPart: 0 }, planes), 9, lanes);
      const mask = (p: BigUint64Array) =>
        [...p].map((w, i) => (i === words - 1 && lanes % 64 ? w & ((1n << BigInt(lanes % 64)) - 1n) : w));
      back.forEach((p, i) => {
        expect(mask(p.parts[0])).toEqual(mask(planes[i].parts[0]));
      });
    }
  });
});

describe('round frames', () => {
  it('split and reassemble, and reject what does not fit', () => {
    const a = BigUint64Array.from({ length: 100 }, (_, i) => BigInt(i));
    const b = BigUint64Array.from({ length: 50 }, (_, i) => BigInt(1000 + i));
    const frames = roundFrames(7, [a, b], 256);
    expect(frames.length).toBe(5);
    const reader = new RoundReader('bob', 7, 1200);
    let got: BigUint64Array | undefined;
    for (const f of frames) got = reader.add(f);
    expect([...(got as BigUint64Array)]).toEqual([...a, ...b]);
    expect(() => new RoundReader('bob', 8, 1200).add(frames[0])).toThrow(
      /round 8: bob sent a message of round 7/,
    );
    expect(() => new RoundReader('bob', 7, 16).add(frames[0])).toThrow(/has at least 256 bytes, expected 16/);
    expect(() => new RoundReader('bob', 7, 16).add(Uint8Array.of(255))).toThrow(/got ABORT/);
    expect(() => new RoundReader('bob', 7, 16).add(new Uint8Array(0))).toThrow(/got an empty message/);
  });
});
