import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  KernelArena,
  xorBlocks,
  xorBlocks3,
  xorBlocks3Js,
  xorBlocksConst,
  xorBlocksConstJs,
  xorBlocksConstSelect,
  xorBlocksConstSelectJs,
  xorBlocksCounter,
  xorBlocksCounterJs,
  xorBlocksJs,
  xorBlocksMasked,
  xorBlocksMaskedJs,
  xorBlocksMaskedPair,
  xorBlocksMaskedPairJs,
} from '../src/index.js';
import { firstDifference, seededRandom } from './_helpers.js';

const random = seededRandom('xor.test');
const SIZES = [0, 1, 3, 4, 5, 17, 1000, 4099];

/** Copies `bytes` into a fresh arena view. */
function inArena(arena: KernelArena, bytes: Uint8Array): Uint8Array {
  const v = arena.alloc(bytes.length);
  v.set(bytes);
  return v;
}

/** The 128-bit little-endian encoding of x mod 2^128. */
function block(x: bigint): Uint8Array {
  const out = new Uint8Array(16);
  let v = BigInt.asUintN(128, x);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

describe('xor kernels: WebAssembly and JS agree', () => {
  const arena = new KernelArena(1 << 20);

  it('runs WebAssembly in this environment', () => {
    expect(arena.backend).toBe('wasm');
  });

  for (const n of SIZES) {
    it(`xorBlocks, xorBlocks3, xorBlocksConst, xorBlocksConstSelect on ${n} blocks`, () => {
      arena.reset();
      const a = inArena(arena, random(16 * n));
      const b = inArena(arena, random(16 * n));
      const c = inArena(arena, random(16 * n));
      const k = inArena(arena, random(16));
      const select = inArena(arena, random(n));
      const dst = arena.alloc(16 * n);
      const js = new Uint8Array(16 * n);

      xorBlocks(dst, a, b, n);
      xorBlocksJs(js, a.slice(), b.slice(), n);
      expect(firstDifference(dst, js)).toBe(-1);
      expect(
        firstDifference(
          dst,
          a.map((x, i) => x ^ b[i]),
        ),
      ).toBe(-1);

      xorBlocks3(dst, a, b, c, n);
      xorBlocks3Js(js, a.slice(), b.slice(), c.slice(), n);
      expect(firstDifference(dst, js)).toBe(-1);

      xorBlocksConst(dst, a, k, n);
      xorBlocksConstJs(js, a.slice(), k.slice(), n);
      expect(firstDifference(dst, js)).toBe(-1);
      expect(
        firstDifference(
          dst,
          a.map((x, i) => x ^ k[i & 15]),
        ),
      ).toBe(-1);

      xorBlocksConstSelect(dst, a, k, select, n);
      xorBlocksConstSelectJs(js, a.slice(), k.slice(), select.slice(), n);
      expect(firstDifference(dst, js)).toBe(-1);
      expect(
        firstDifference(
          dst,
          a.map((x, i) => x ^ (select[i >> 4] & 1 ? k[i & 15] : 0)),
        ),
      ).toBe(-1);
    });
  }

  it('works in place (dst = a) in both implementations', () => {
    arena.reset();
    const n = 37;
    const a = inArena(arena, random(16 * n));
    const b = inArena(arena, random(16 * n));
    const expected = a.map((x, i) => x ^ b[i]);
    xorBlocks(a, a, b, n);
    expect(firstDifference(a, expected)).toBe(-1);
    const a2 = expected.slice();
    xorBlocksJs(a2, a2, b, n);
    xorBlocks(a, a, b, n);
    expect(firstDifference(a, a2)).toBe(-1);
  });

  it('xorBlocksCounter adds the block index to a 128-bit counter, carrying across 2^64 and wrapping at 2^128', () => {
    for (const start of [0n, 5n, (1n << 64n) - 2n, (1n << 128n) - 3n, 0x0123456789abcdef_fedcba9876543210n]) {
      arena.reset();
      const n = 6;
      const src = inArena(arena, random(16 * n));
      const dst = arena.alloc(16 * n);
      xorBlocksCounter(dst, src, start, n);
      const js = new Uint8Array(16 * n);
      xorBlocksCounterJs(js, src.slice(), start, n);
      expect(firstDifference(dst, js)).toBe(-1);
      const expected = src.map((x, i) => x ^ block(start + BigInt(i >> 4))[i & 15]);
      expect(firstDifference(dst, expected)).toBe(-1);
    }
  });

  it('unaligned views and views outside the arena give the same results (JS paths)', () => {
    const n = 9;
    const raw = random(16 * n + 1);
    const a = raw.subarray(1);
    const b = random(16 * n);
    const k = random(16);
    const dst = new Uint8Array(16 * n + 3).subarray(3);
    xorBlocks(dst, a, b, n);
    expect(
      firstDifference(
        dst,
        a.map((x, i) => x ^ b[i]),
      ),
    ).toBe(-1);
    xorBlocksConst(dst, a, k, n);
    expect(
      firstDifference(
        dst,
        a.map((x, i) => x ^ k[i & 15]),
      ),
    ).toBe(-1);
    xorBlocksCounter(dst, a, 1n << 64n, n);
    expect(
      firstDifference(
        dst,
        a.map((x, i) => x ^ block((1n << 64n) + BigInt(i >> 4))[i & 15]),
      ),
    ).toBe(-1);
  });

  it('arrays outside an arena of 4 KiB and more (copied through the scratch arena) agree with the JS twins', () => {
    const n = 1000;
    const a = random(16 * n);
    const b = random(16 * n);
    const c = random(16 * n);
    const k = random(16);
    const select = random(n);
    const dst = new Uint8Array(16 * n);
    const js = new Uint8Array(16 * n);
    xorBlocks(dst, a, b, n);
    xorBlocksJs(js, a, b, n);
    expect(firstDifference(dst, js)).toBe(-1);
    xorBlocks3(dst, a, b, c, n);
    xorBlocks3Js(js, a, b, c, n);
    expect(firstDifference(dst, js)).toBe(-1);
    xorBlocksConst(dst, a, k, n);
    xorBlocksConstJs(js, a, k, n);
    expect(firstDifference(dst, js)).toBe(-1);
    xorBlocksConstSelect(dst, a, k, select, n);
    xorBlocksConstSelectJs(js, a, k, select, n);
    expect(firstDifference(dst, js)).toBe(-1);
    xorBlocksCounter(dst, a, (1n << 64n) - 10n, n);
    xorBlocksCounterJs(js, a, (1n << 64n) - 10n, n);
    expect(firstDifference(dst, js)).toBe(-1);
    // in place, outside an arena
    const inPlace = a.slice();
    xorBlocks(inPlace, inPlace, b, n);
    expect(
      firstDifference(
        inPlace,
        a.map((x, i) => x ^ b[i]),
      ),
    ).toBe(-1);
  });

  it('refuses a constant or select that overlaps the destination, in both implementations and every path', () => {
    arena.reset();
    const n = 2;
    const init = Uint8Array.from({ length: 16 * n }, (_, i) => i + 1);
    const w = inArena(arena, init); // WebAssembly in the arena
    const sel = inArena(arena, Uint8Array.of(1, 1));
    const u = new Uint8Array(16 * n + 1).subarray(1); // unaligned: the JS byte loop
    u.set(init);
    const big = random(16 * 1000); // outside an arena, 4 KiB and more: the scratch path
    const bigSelect = random(1000);
    const field = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        return hasCode(e, 'INVALID_ARGUMENT') ? (e as { details: { field: string } }).details.field : 'other';
      }
      return 'none';
    };
    for (const [dst, a] of [
      [w, w],
      [u, u],
      [big, big],
      [w, arena.alloc(16 * n)],
    ] as const) {
      const m = dst === big ? 1000 : n;
      for (const k of [dst.subarray(0, 16), dst.subarray(16 * m - 16, 16 * m), dst.subarray(8, 24)]) {
        expect(field(() => xorBlocksConst(dst, a, k, m))).toBe('constant');
        expect(field(() => xorBlocksConstJs(dst, a, k, m))).toBe('constant');
        expect(field(() => xorBlocksConstSelect(dst, a, k, m === n ? sel : bigSelect, m))).toBe('constant');
        expect(field(() => xorBlocksConstSelectJs(dst, a, k, m === n ? sel : bigSelect, m))).toBe('constant');
      }
      const k = inArena(arena, random(16));
      for (const s of [dst.subarray(0, m), dst.subarray(16 * m - 1, 16 * m)]) {
        expect(field(() => xorBlocksConstSelect(dst, a, k, s, m))).toBe('select');
        expect(field(() => xorBlocksConstSelectJs(dst, a, k, s, m))).toBe('select');
      }
    }
    // Nothing was written, and a constant or select next to dst (not in it) is fine.
    expect(firstDifference(w, init)).toBe(-1);
    const dst = arena.alloc(16 * n);
    const k = arena.alloc(16);
    k.set(init.subarray(0, 16));
    xorBlocksConstSelect(dst, w, k, sel, n);
    const js = new Uint8Array(16 * n);
    xorBlocksConstSelectJs(js, init, init.slice(0, 16), Uint8Array.of(1, 1), n);
    expect(firstDifference(dst, js)).toBe(-1);
    expect(
      firstDifference(
        js,
        init.map((x, i) => x ^ init[i & 15]),
      ),
    ).toBe(-1);
  });

  it('rejects short buffers, negative counts and partial overlaps', () => {
    const buf = new Uint8Array(256);
    const cases: [() => void, string][] = [
      [() => xorBlocks(buf, buf, new Uint8Array(15), 1), 'b'],
      [() => xorBlocks(new Uint8Array(8), buf, buf, 1), 'dst'],
      [() => xorBlocks(buf, buf, buf, -1), 'n'],
      [() => xorBlocks(buf.subarray(0, 32), buf.subarray(16, 48), buf.subarray(64, 96), 2), 'a'],
      [() => xorBlocksConst(buf, buf, new Uint8Array(8), 1), 'constant'],
      [() => xorBlocksConstSelect(buf, buf, new Uint8Array(16), new Uint8Array(1), 4), 'select'],
      // A constant or select read inside the destination: WebAssembly loads the constant once, so refused.
      [() => xorBlocksConstSelect(buf, buf, buf, new Uint8Array(4), 4), 'constant'],
      [() => xorBlocksConst(buf, buf, buf.subarray(48, 64), 4), 'constant'],
      [() => xorBlocksConstSelect(buf, buf, new Uint8Array(16), buf.subarray(60, 64), 4), 'select'],
    ];
    for (const [f, field] of cases) {
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as { details: { field: string } }).details.field).toBe(field);
    }
  });
});

/** The masked sums by definition, byte by byte. */
function maskedPairReference(sources: Uint8Array[], masks: number, n: number): [Uint8Array, Uint8Array] {
  const d0 = new Uint8Array(16 * n);
  const d1 = new Uint8Array(16 * n);
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 16 * n; i++) {
      if ((masks >> j) & 1) d0[i] ^= sources[j][i];
      if ((masks >> (4 + j)) & 1) d1[i] ^= sources[j][i];
    }
  }
  return [d0, d1];
}

describe('masked xor kernels (no branch on the mask): WebAssembly and JS agree with the definition', () => {
  const arena = new KernelArena(1 << 20);

  for (const n of SIZES) {
    it(`xorBlocksMasked with bit 0 and 1 on ${n} blocks`, () => {
      for (const bit of [0, 1]) {
        arena.reset();
        const a = inArena(arena, random(16 * n));
        const b = inArena(arena, random(16 * n));
        const dst = arena.alloc(16 * n);
        const js = new Uint8Array(16 * n);
        xorBlocksMasked(dst, a, b, bit, n);
        xorBlocksMaskedJs(js, a.slice(), b.slice(), bit, n);
        const expected = a.map((x, i) => x ^ (bit ? b[i] : 0));
        expect(firstDifference(dst, expected)).toBe(-1);
        expect(firstDifference(js, expected)).toBe(-1);
        // in place, as the IKNP sender uses it
        xorBlocksMasked(a, a, b, bit, n);
        expect(firstDifference(a, expected)).toBe(-1);
      }
    });
  }

  it('xorBlocksMaskedPair for every one of the 256 masks, in an arena, outside one, unaligned and in place', () => {
    const n = 5;
    const plain = [0, 1, 2, 3].map(() => random(16 * n));
    for (let masks = 0; masks < 256; masks++) {
      arena.reset();
      const [e0, e1] = maskedPairReference(plain, masks, n);
      const sources = plain.map((x) => inArena(arena, x)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      const d0 = arena.alloc(16 * n);
      const d1 = arena.alloc(16 * n);
      xorBlocksMaskedPair(d0, d1, sources, masks, n);
      expect([firstDifference(d0, e0), firstDifference(d1, e1)]).toEqual([-1, -1]);
      const j0 = new Uint8Array(16 * n);
      const j1 = new Uint8Array(16 * n + 1).subarray(1); // unaligned: the byte loop
      xorBlocksMaskedPairJs(j0, j1, [plain[0], plain[1], plain[2], plain[3]], masks, n);
      expect([firstDifference(j0, e0), firstDifference(j1, e1)]).toEqual([-1, -1]);
      // outputs written over two of the sources (in place)
      xorBlocksMaskedPair(sources[0], sources[3], sources, masks, n);
      expect([firstDifference(sources[0], e0), firstDifference(sources[3], e1)]).toEqual([-1, -1]);
    }
  });

  it('xorBlocksMaskedPair on many sizes agrees with the JS twin', () => {
    for (const n of SIZES) {
      arena.reset();
      const masks = 0b1011_0110;
      const plain = [0, 1, 2, 3].map(() => random(16 * n));
      const sources = plain.map((x) => inArena(arena, x)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      const d0 = arena.alloc(16 * n);
      const d1 = arena.alloc(16 * n);
      xorBlocksMaskedPair(d0, d1, sources, masks, n);
      const [e0, e1] = maskedPairReference(plain, masks, n);
      expect([firstDifference(d0, e0), firstDifference(d1, e1)]).toEqual([-1, -1]);
    }
  });

  it('refuses a bit other than 0 or 1, masks outside 0..255, overlapping outputs and short sources', () => {
    const buf = new Uint8Array(256);
    const four = (): [Uint8Array, Uint8Array, Uint8Array, Uint8Array] => [
      new Uint8Array(64),
      new Uint8Array(64),
      new Uint8Array(64),
      new Uint8Array(64),
    ];
    const cases: [() => void, string][] = [
      [() => xorBlocksMasked(buf, buf, buf, 2, 4), 'bit'],
      [() => xorBlocksMaskedJs(buf, buf, buf, -1, 4), 'bit'],
      [() => xorBlocksMaskedPair(new Uint8Array(64), new Uint8Array(64), four(), 256, 4), 'masks'],
      [() => xorBlocksMaskedPair(new Uint8Array(64), new Uint8Array(64), four(), 1.5, 4), 'masks'],
      [() => xorBlocksMaskedPair(buf.subarray(0, 64), buf.subarray(32, 96), four(), 3, 4), 'd1'],
      [() => xorBlocksMaskedPair(buf.subarray(0, 64), buf.subarray(0, 64), four(), 3, 4), 'd1'],
      [
        () =>
          xorBlocksMaskedPair(
            new Uint8Array(64),
            new Uint8Array(64),
            [new Uint8Array(64), new Uint8Array(48), new Uint8Array(64), new Uint8Array(64)],
            3,
            4,
          ),
        'sources[1]',
      ],
    ];
    for (const [f, field] of cases) {
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as { details: { field: string } }).details.field).toBe(field);
    }
  });
});
