import { hasCode, LimitExceeded } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { KernelArena, packBits, packBitsJs, unpackBits, unpackBitsJs } from '../src/index.js';
import { firstDifference, seededRandom } from './_helpers.js';

const random = seededRandom('bits.test');

describe('packBits / unpackBits', () => {
  const arena = new KernelArena(1 << 20);

  for (const n of [0, 1, 7, 8, 15, 16, 17, 100, 1000, 4097]) {
    it(`WebAssembly and JS agree and round-trip on ${n} bits`, () => {
      arena.reset();
      const bits = arena.alloc(n);
      bits.set(random(n).map((x) => x & 1));
      const packed = arena.alloc(Math.ceil(n / 8));
      packBits(packed, bits, n);
      const packedJs = new Uint8Array(Math.ceil(n / 8));
      packBitsJs(packedJs, bits.slice(), n);
      expect(firstDifference(packed, packedJs)).toBe(-1);
      for (let k = 0; k < n; k++) expect((packed[k >> 3] >> (k & 7)) & 1).toBe(bits[k]);
      if (n % 8 !== 0) expect(packed[packed.length - 1] >> (n % 8)).toBe(0);

      const back = arena.alloc(n);
      unpackBits(back, packed, n);
      expect(firstDifference(back, bits)).toBe(-1);
      const backJs = new Uint8Array(n);
      unpackBitsJs(backJs, packedJs, n);
      expect(firstDifference(backJs, bits)).toBe(-1);
    });
  }

  it('arrays outside an arena (copied through the scratch arena) agree with the JS twins', () => {
    const n = 100_003;
    const bits = random(n).map((x) => x & 1);
    const packed = new Uint8Array(Math.ceil(n / 8));
    const packedJs = new Uint8Array(packed.length);
    packBits(packed, bits, n);
    packBitsJs(packedJs, bits, n);
    expect(firstDifference(packed, packedJs)).toBe(-1);
    const back = new Uint8Array(n);
    unpackBits(back, packed, n);
    expect(firstDifference(back, bits)).toBe(-1);
    bits[77_777] = 5;
    expect(() => packBits(packed, bits, n)).toThrow(/bits\[77777\]/);
  });

  it('rejects a byte that is neither 0 nor 1, naming its index, in both implementations', () => {
    for (const at of [0, 15, 16, 40, 99]) {
      arena.reset();
      const bits = arena.alloc(100);
      bits[at] = 2;
      for (const pack of [packBits, packBitsJs]) {
        let caught: unknown;
        try {
          pack(arena.alloc(13), bits, 100);
        } catch (e) {
          caught = e;
        }
        expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
        expect((caught as { details: { index: number } }).details.index).toBe(at);
      }
    }
  });
});

describe('KernelArena', () => {
  it('hands out 64-byte aligned, zeroed views and refuses to overflow', () => {
    const arena = new KernelArena(1 << 16);
    expect(arena.size).toBe(1 << 16);
    const a = arena.alloc(10);
    a.fill(7);
    const b = arena.alloc(100);
    expect(b.byteOffset % 64).toBe(0);
    expect(b.byteOffset).toBe(64);
    expect(arena.owns(b)).toBe(true);
    expect(arena.owns(new Uint8Array(4))).toBe(false);
    expect(() => arena.alloc(1 << 16)).toThrow(LimitExceeded);
    arena.reset();
    expect(arena.alloc(10)).toEqual(new Uint8Array(10));
    expect(() => new KernelArena(0)).toThrow(/arena size/);
  });
});
