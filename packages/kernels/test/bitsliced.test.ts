import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { allocWords, and64, and64Js, KernelArena, xor64, xor64Js } from '../src/index.js';
import { seededRandom } from './_helpers.js';

const random = seededRandom('bitsliced.test');

function words(n: number): BigUint64Array {
  const out = new BigUint64Array(random(8 * n).buffer);
  if (n > 2) {
    out[0] = 0n;
    out[1] = (1n << 64n) - 1n;
    out[2] = 1n << 63n;
  }
  return out;
}

describe('bit-sliced AND / XOR: WebAssembly, JS twin and the definition agree', () => {
  const arena = new KernelArena(1 << 20);

  it('runs WebAssembly in this environment', () => {
    expect(arena.backend).toBe('wasm');
  });

  for (const n of [0, 1, 3, 4, 5, 1000, 4099]) {
    it(`and64 and xor64 on ${n} words (64 gates each), in an arena, on ordinary arrays and in place`, () => {
      arena.reset();
      const a = words(n);
      const b = words(n);
      for (const [wasm, js, op] of [
        [and64, and64Js, (x: bigint, y: bigint) => x & y],
        [xor64, xor64Js, (x: bigint, y: bigint) => x ^ y],
      ] as const) {
        const expected = a.map((x, i) => op(x, b[i]));
        const out = allocWords(arena, n);
        const aa = allocWords(arena, n);
        const ba = allocWords(arena, n);
        aa.set(a);
        ba.set(b);
        wasm(out, aa, ba);
        expect(out).toEqual(expected);
        const plain = new BigUint64Array(n);
        wasm(plain, a, b);
        expect(plain).toEqual(expected);
        const j = a.slice();
        js(j, j, b);
        expect(j).toEqual(expected);
        wasm(aa, aa, ba);
        expect(aa).toEqual(expected);
      }
    });
  }

  it('rejects a length mismatch with InvalidArgument', () => {
    let caught: unknown;
    try {
      and64(new BigUint64Array(2), new BigUint64Array(2), new BigUint64Array(3));
    } catch (e) {
      caught = e;
    }
    expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
  });
});
