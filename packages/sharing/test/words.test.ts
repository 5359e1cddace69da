/** The word helpers, bit slicing, lane copies and round framing against BigInt references. */
import { describe, expect, it } from 'vitest';
import { columnToPlanes, copyLanes, planesToColumn } from '../src/_lanes.js';
import {
  addScalar64,
  broadcastLane0,
  crossAnd64,
  mulScalar64,
  neg64,
  planesToValues,
  shiftRight64,
  slice64,
  u32,
  unslice64,
} from '../src/_words.js';
import { Ints, Plane, packPlanes, prefixSumInts, sumInts, unpackPlanes } from '../src/shares.js';
import { RoundReader, roundFrames } from '../src/wire.js';
import { seed, TestRandom } from './_harness.js';

const M = (1n << 64n) - 1n;

/** Edge words: 0, all ones, carries and borrows across bit 32, single bits, alternating patterns. */
const EDGES = [
  0n,
  1n,
  M,
  M - 1n,
  0xffffffffn,
  1n << 32n,
  (1n << 32n) - 2n,
  0x80000000n,
  0xffffffff00000000n,
  0x00000001ffffffffn,
  1n << 63n,
  (1n << 63n) - 1n,
  0x5555555555555555n,
  0xaaaaaaaaaaaaaaaan,
];

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

  it('addScalar64 and neg64 on edge values (carries and borrows across bit 32), also in place', () => {
    const x = BigUint64Array.from(EDGES);
    const out = new BigUint64Array(x.length);
    for (const c of EDGES) {
      addScalar64(out, x, c);
      expect([...out]).toEqual(EDGES.map((v) => (v + c) & M));
      const inPlace = x.slice();
      addScalar64(inPlace, inPlace, c);
      expect([...inPlace]).toEqual(EDGES.map((v) => (v + c) & M));
    }
    neg64(out, x);
    expect([...out]).toEqual(EDGES.map((v) => -v & M));
    const inPlace = x.slice();
    neg64(inPlace, inPlace);
    expect([...inPlace]).toEqual(EDGES.map((v) => -v & M));
  });

  it('broadcastLane0 repeats lane 0 (and only lane 0) into every lane', () => {
    for (const lane0 of [0n, 1n]) {
      for (const rest of [0n, M - 1n, 0xaaaaaaaaaaaaaaaan]) {
        const plane = BigUint64Array.of(rest | lane0, M);
        for (const words of [0, 1, 2, 5]) {
          expect([...broadcastLane0(plane, words)]).toEqual(new Array(words).fill(lane0 === 1n ? M : 0n));
        }
      }
    }
  });

  it('sumInts and prefixSumInts on edge values match BigInt (carries across bit 32 and past 2^64)', () => {
    const r = new TestRandom(seed());
    const columns = [
      BigUint64Array.from(EDGES),
      new BigUint64Array(37).fill(M),
      new BigUint64Array(37).fill(0xffffffffn),
      BigUint64Array.from({ length: 300 }, () => r.word()),
      new BigUint64Array(0),
      BigUint64Array.of(M),
    ];
    for (const col of columns) {
      const x = new Ints(col.length, [col, col.slice().reverse()]);
      const sums = sumInts(x);
      const prefix = prefixSumInts(x);
      x.parts.forEach((p, k) => {
        let acc = 0n;
        const running = [...p].map((v) => {
          acc = (acc + v) & M;
          return acc;
        });
        expect([...prefix.parts[k]]).toEqual(running);
        expect([...sums.parts[k]]).toEqual([acc]);
      });
    }
  });

  it('sumInts stays exact past 2^53 in doubles (3·2^20 elements of all ones: several reduction blocks)', () => {
    const n = 3 * (1 << 20) + 5;
    const col = new BigUint64Array(n).fill(M);
    col[3] = 0xffffffffn;
    const want = (BigInt(n - 1) * M + 0xffffffffn) & M;
    expect([...sumInts(new Ints(n, [col])).parts[0]]).toEqual([want]);
  });

  it('columnToPlanes of wide values sets every bit of every value, and bits from width on are dropped', () => {
    const width = 130;
    const wideMask = (1n << BigInt(width)) - 1n;
    const values = [
      0n,
      wideMask,
      1n,
      1n << 129n,
      1n << 64n,
      M,
      M << 64n,
      (0x5555555555555555n << 64n) | 0xaaaaaaaaaaaaaaaan,
      1n << 130n, // beyond the width: all planes zero
      (1n << 131n) | 3n,
    ];
    const n = values.length;
    const planes = columnToPlanes(values, n, width);
    const words = Math.ceil(n / 64);
    for (let j = 0; j < n; j++) {
      for (let b = 0; b < width; b++) {
        const bit = (planes[b * words + (j >> 6)] >> BigInt(j & 63)) & 1n;
        expect(bit, `value ${j}, bit ${b}`).toBe((values[j] >> BigInt(b)) & 1n);
      }
    }
    expect(planesToColumn(planes, n, width)).toEqual(values.map((v) => v & wideMask));
    // Lanes 31/32 and 63/64 of the 32-bit halves.
    const many = Array.from({ length: 70 }, (_, j) => (j % 3 === 0 ? wideMask : BigInt(j) << 100n));
    expect(planesToColumn(columnToPlanes(many, 70, width), 70, width)).toEqual(many);
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
