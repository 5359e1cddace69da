/**
 * The half-gates kernels (src/garbling.ts): WebAssembly and the JS twins give
 * the same labels, hashes and tables on random inputs of many sizes, both
 * match the formulas written out here, gates run in order (a gate may read
 * what the one before it wrote, or overwrite its own operand), a bad index
 * stops both at the same gate with the same work done, and arguments are
 * checked.
 */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  evaluateFinish,
  evaluateFinishJs,
  evaluateGather,
  evaluateGatherJs,
  garbleFinish,
  garbleFinishJs,
  garbleGather,
  garbleGatherJs,
  KernelArena,
  tccrTweak,
  tccrTweakJs,
  xorGates,
  xorGatesJs,
} from '../src/index.js';
import { firstDifference, seededRandom } from './_helpers.js';

const random = seededRandom('garbling.test');
const SIZES = [0, 1, 3, 4, 5, 8, 17, 1000, 4099];
const LABELS = 301;

/** `n` random words. */
function words(n: number): Uint32Array {
  return new Uint32Array(random(4 * n).buffer);
}

/** `n` random blocks (4 words each). */
function blocks(n: number): Uint32Array {
  return words(4 * n);
}

/** n indices below `count`. */
function indices(n: number, count: number): Uint32Array {
  const r = words(n);
  return r.map((x) => x % count);
}

/** A copy of `x` in the arena. */
function inArena<T extends Uint32Array>(arena: KernelArena, x: T): Uint32Array {
  const v = arena.alloc(4 * x.length);
  const w = new Uint32Array(v.buffer, v.byteOffset, x.length);
  w.set(x);
  return w;
}

function same(a: Uint32Array, b: Uint32Array): number {
  return firstDifference(
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
  );
}

const lsbMask = (L: Uint32Array, i: number): number => -(L[4 * i] & 1);

describe('half-gates kernels: WebAssembly and JS agree', () => {
  const arena = new KernelArena(4 << 20);

  it('runs WebAssembly in this environment', () => {
    expect(arena.backend).toBe('wasm');
  });

  for (const n of SIZES) {
    it(`gathers, post-passes and free gates on ${n} gates`, () => {
      arena.reset();
      const labels = blocks(LABELS);
      const delta = blocks(1);
      const a = indices(n, LABELS);
      const b = indices(n, LABELS);
      const out = indices(n, LABELS);
      const q = blocks(4 * n);
      const p = blocks(4 * n);
      const table = blocks(2 * n);
      const W = {
        labels: inArena(arena, labels),
        delta: inArena(arena, delta),
        a: inArena(arena, a),
        b: inArena(arena, b),
        out: inArena(arena, out),
        q: inArena(arena, q),
        p: inArena(arena, p),
        table: inArena(arena, table),
        hashes: inArena(arena, new Uint32Array(16 * n)),
      };

      // Garbler pre-pass.
      const hashesJs = new Uint32Array(16 * n);
      expect(garbleGather(W.hashes, W.labels, W.delta, W.a, W.b, n)).toBe(-1);
      expect(garbleGatherJs(hashesJs, labels.slice(), delta, a, b, n)).toBe(-1);
      expect(same(W.hashes, hashesJs)).toBe(-1);
      const HR = new Uint32Array(16 * n);
      for (let g = 0; g < n; g++) {
        for (let k = 0; k < 4; k++) {
          HR[16 * g + k] = labels[4 * a[g] + k];
          HR[16 * g + 4 + k] = labels[4 * a[g] + k] ^ delta[k];
          HR[16 * g + 8 + k] = labels[4 * b[g] + k];
          HR[16 * g + 12 + k] = labels[4 * b[g] + k] ^ delta[k];
        }
      }
      expect(same(hashesJs, HR)).toBe(-1);

      // Evaluator pre-pass.
      const e = W.hashes.subarray(0, 8 * n);
      const eJs = new Uint32Array(8 * n);
      expect(evaluateGather(e, W.labels, W.a, W.b, n)).toBe(-1);
      expect(evaluateGatherJs(eJs, labels, a, b, n)).toBe(-1);
      expect(same(e, eJs)).toBe(-1);
      const ER = new Uint32Array(8 * n);
      for (let g = 0; g < n; g++) {
        for (let k = 0; k < 4; k++) {
          ER[8 * g + k] = labels[4 * a[g] + k];
          ER[8 * g + 4 + k] = labels[4 * b[g] + k];
        }
      }
      expect(same(eJs, ER)).toBe(-1);

      // Garbler post-pass: tables and output labels, against the formulas.
      const T = inArena(arena, new Uint32Array(8 * n));
      const TJs = new Uint32Array(8 * n);
      const LJs = labels.slice();
      expect(garbleFinish(T, W.labels, W.q, W.p, W.delta, W.a, W.b, W.out, n)).toBe(-1);
      expect(garbleFinishJs(TJs, LJs, q, p, delta, a, b, out, n)).toBe(-1);
      expect(same(T, TJs)).toBe(-1);
      expect(same(W.labels, LJs)).toBe(-1);
      // The formulas, gate after gate (a later gate may read an earlier one's output).
      const LR = labels.slice();
      const TR = new Uint32Array(8 * n);
      for (let g = 0; g < n; g++) {
        const H = (j: number, k: number) => q[16 * g + 4 * j + k] ^ p[16 * g + 4 * j + k];
        const pa = lsbMask(LR, a[g]);
        const pb = lsbMask(LR, b[g]);
        const c = [0, 1, 2, 3].map((k) => {
          const A = LR[4 * a[g] + k];
          const tg = H(0, k) ^ H(1, k) ^ (pb & delta[k]);
          const te = H(2, k) ^ H(3, k) ^ A;
          TR[8 * g + k] = tg;
          TR[8 * g + 4 + k] = te;
          return H(0, k) ^ (pa & tg) ^ H(2, k) ^ (pb & (te ^ A));
        });
        for (let k = 0; k < 4; k++) LR[4 * out[g] + k] = c[k];
      }
      expect(same(TJs, TR)).toBe(-1);
      expect(same(LJs, LR)).toBe(-1);

      // Evaluator post-pass.
      W.labels.set(labels);
      const LE = labels.slice();
      expect(evaluateFinish(W.labels, W.q, W.p, W.table, W.a, W.b, W.out, n)).toBe(-1);
      expect(evaluateFinishJs(LE, q, p, table, a, b, out, n)).toBe(-1);
      expect(same(W.labels, LE)).toBe(-1);
      const LER = labels.slice();
      for (let g = 0; g < n; g++) {
        const sa = lsbMask(LER, a[g]);
        const sb = lsbMask(LER, b[g]);
        const c = [0, 1, 2, 3].map((k) => {
          const ha = q[8 * g + k] ^ p[8 * g + k];
          const hb = q[8 * g + 4 + k] ^ p[8 * g + 4 + k];
          return ha ^ (sa & table[8 * g + k]) ^ hb ^ (sb & (table[8 * g + 4 + k] ^ LER[4 * a[g] + k]));
        });
        for (let k = 0; k < 4; k++) LER[4 * out[g] + k] = c[k];
      }
      expect(same(LE, LER)).toBe(-1);

      // Free gates, with outputs that overlap operands and later gates reading earlier outputs.
      const fo = indices(n, LABELS);
      W.labels.set(labels);
      W.out.set(fo);
      const LX = labels.slice();
      expect(xorGates(W.labels, W.a, W.b, W.out, n)).toBe(-1);
      expect(xorGatesJs(LX, a, b, fo, n)).toBe(-1);
      expect(same(W.labels, LX)).toBe(-1);
      const LF = labels.slice();
      for (let g = 0; g < n; g++) {
        const v = [0, 1, 2, 3].map((k) => LF[4 * a[g] + k] ^ LF[4 * b[g] + k]);
        for (let k = 0; k < 4; k++) LF[4 * fo[g] + k] = v[k];
      }
      expect(same(LX, LF)).toBe(-1);
    });
  }

  it('free gates in place: out = a, out = b, a = b, and chains', () => {
    arena.reset();
    const n = 64;
    const labels = blocks(16);
    const a = new Uint32Array(n).map((_, g) => g % 16);
    const b = new Uint32Array(n).map((_, g) => (g * 7) % 16);
    const out = new Uint32Array(n).map((_, g) => (g % 3 === 0 ? a[g] : g % 3 === 1 ? b[g] : (g + 1) % 16));
    b[5] = a[5];
    const L = inArena(arena, labels);
    expect(xorGates(L, inArena(arena, a), inArena(arena, b), inArena(arena, out), n)).toBe(-1);
    const LJs = labels.slice();
    expect(xorGatesJs(LJs, a, b, out, n)).toBe(-1);
    expect(same(L, LJs)).toBe(-1);
  });

  it('a bad index stops both at the same gate, the gates before it done', () => {
    for (const n of [1, 4, 9, 33]) {
      for (const bad of [0, 1, 3, 4, n - 1]) {
        if (bad >= n) continue;
        for (const which of ['a', 'b', 'out'] as const) {
          arena.reset();
          const labels = blocks(LABELS);
          const ix = { a: indices(n, LABELS), b: indices(n, LABELS), out: indices(n, LABELS) };
          ix[which][bad] = LABELS + (bad % 2 === 0 ? 0 : 1000);
          const L = inArena(arena, labels);
          const got = xorGates(L, inArena(arena, ix.a), inArena(arena, ix.b), inArena(arena, ix.out), n);
          const LJs = labels.slice();
          expect(got).toBe(bad);
          expect(xorGatesJs(LJs, ix.a, ix.b, ix.out, n)).toBe(bad);
          expect(same(L, LJs)).toBe(-1);
          const T = inArena(arena, new Uint32Array(8 * n));
          const hq = inArena(arena, blocks(4 * n));
          const D = inArena(arena, blocks(1));
          expect(
            garbleFinish(
              T,
              L,
              hq,
              hq.slice(),
              D,
              inArena(arena, ix.a),
              inArena(arena, ix.b),
              inArena(arena, ix.out),
              n,
            ),
          ).toBe(bad);
          expect(
            evaluateFinish(
              L,
              hq,
              hq.slice(),
              T,
              inArena(arena, ix.a),
              inArena(arena, ix.b),
              inArena(arena, ix.out),
              n,
            ),
          ).toBe(bad);
          if (which !== 'out') {
            const h = inArena(arena, new Uint32Array(16 * n));
            expect(garbleGather(h, L, D, inArena(arena, ix.a), inArena(arena, ix.b), n)).toBe(bad);
            expect(garbleGatherJs(new Uint32Array(16 * n), labels, D.slice(), ix.a, ix.b, n)).toBe(bad);
            expect(evaluateGather(h, L, inArena(arena, ix.a), inArena(arena, ix.b), n)).toBe(bad);
          }
        }
      }
    }
  });

  it('tccrTweak XORs tweakBase + (k >> shift) into the low 64 bits, carrying past 2^32', () => {
    for (const base of [0, 7, 2 ** 32 - 3, 2 ** 32, 2 ** 45 + 12345]) {
      for (const shift of [0, 1]) {
        for (const count of [0, 1, 5, 9]) {
          arena.reset();
          const src = blocks(count);
          const dst = inArena(arena, new Uint32Array(4 * count));
          tccrTweak(dst, inArena(arena, src), count, base, shift);
          const js = new Uint32Array(4 * count);
          tccrTweakJs(js, src, count, base, shift);
          expect(same(dst, js)).toBe(-1);
          for (let k = 0; k < count; k++) {
            const t = BigInt(base + (k >> shift));
            expect(js[4 * k]).toBe((src[4 * k] ^ Number(t & 0xffffffffn)) >>> 0);
            expect(js[4 * k + 1]).toBe((src[4 * k + 1] ^ Number(t >> 32n)) >>> 0);
            expect(js[4 * k + 2]).toBe(src[4 * k + 2]);
            expect(js[4 * k + 3]).toBe(src[4 * k + 3]);
          }
          // In place.
          const inPlace = inArena(arena, src);
          tccrTweak(inPlace, inPlace, count, base, shift);
          expect(same(inPlace, js)).toBe(-1);
        }
      }
    }
  });

  it('arrays outside the arena run the JS twins with the same results', () => {
    const n = 10;
    const labels = blocks(LABELS);
    const a = indices(n, LABELS);
    const b = indices(n, LABELS);
    const out = indices(n, LABELS);
    const L1 = labels.slice();
    const L2 = labels.slice();
    expect(xorGates(L1, a, b, out, n)).toBe(-1);
    expect(xorGatesJs(L2, a, b, out, n)).toBe(-1);
    expect(same(L1, L2)).toBe(-1);
  });
});

describe('half-gates kernels: argument checks', () => {
  const L = new Uint32Array(40);
  const ix = new Uint32Array(4);
  it('names the argument that is short, of the wrong type, or overlapping', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return hasCode(e, 'INVALID_ARGUMENT') ? (e as { details: { field: string } }).details.field : 'other';
      }
      return 'none';
    };
    expect(code(() => xorGates(L, ix, ix, ix, 5))).toBe('a');
    expect(code(() => xorGates(L, ix, ix, ix, -1))).toBe('n');
    expect(code(() => xorGates(L, ix, ix, new Uint8Array(16) as unknown as Uint32Array, 4))).toBe('out');
    expect(code(() => garbleGather(new Uint32Array(15), L, ix, ix, ix, 1))).toBe('hashes');
    expect(code(() => garbleGather(L.subarray(0, 16), L, ix, ix, ix, 1))).toBe('labels');
    expect(code(() => xorGates(L, L.subarray(0, 4), ix, ix, 4))).toBe('a');
    expect(code(() => tccrTweak(L, L.subarray(2), 4, 0, 0))).toBe('src');
    expect(code(() => tccrTweak(L, L, 4, -1, 0))).toBe('tweakBase');
    expect(code(() => tccrTweak(L, L, 4, 0, 2))).toBe('shift');
    expect(code(() => evaluateFinish(L, L, L, L, ix, ix, ix, 1))).toBe('q');
  });
});
