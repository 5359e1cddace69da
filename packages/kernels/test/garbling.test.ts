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
    for (const n of [1, 4, 5, 9, 33]) {
      for (const bad of [0, 1, 3, 4, n - 1]) {
        if (bad >= n) continue;
        for (const which of ['a', 'b', 'out'] as const) {
          for (const over of [0, 1000]) {
            arena.reset();
            const labels = blocks(LABELS);
            const ix = { a: indices(n, LABELS), b: indices(n, LABELS), out: indices(n, LABELS) };
            ix[which][bad] = LABELS + over;
            const A = inArena(arena, ix.a);
            const B = inArena(arena, ix.b);
            const O = inArena(arena, ix.out);
            const delta = blocks(1);
            const D = inArena(arena, delta);

            const L = inArena(arena, labels);
            expect(xorGates(L, A, B, O, n)).toBe(bad);
            const LJs = labels.slice();
            expect(xorGatesJs(LJs, ix.a, ix.b, ix.out, n)).toBe(bad);
            expect(same(L, LJs)).toBe(-1);

            // Garbler post-pass, every array in the arena (WebAssembly) against the JS twin on copies.
            const q = blocks(4 * n);
            const p = blocks(4 * n);
            const table = blocks(2 * n);
            const LG = inArena(arena, labels);
            const TG = inArena(arena, table);
            expect(garbleFinish(TG, LG, inArena(arena, q), inArena(arena, p), D, A, B, O, n)).toBe(bad);
            const LGJs = labels.slice();
            const TGJs = table.slice();
            expect(garbleFinishJs(TGJs, LGJs, q, p, delta, ix.a, ix.b, ix.out, n)).toBe(bad);
            expect(same(LG, LGJs)).toBe(-1);
            expect(same(TG, TGJs)).toBe(-1);

            // Evaluator post-pass, the same way.
            const qe = blocks(2 * n);
            const pe = blocks(2 * n);
            const LE = inArena(arena, labels);
            expect(evaluateFinish(LE, inArena(arena, qe), inArena(arena, pe), TG, A, B, O, n)).toBe(bad);
            const LEJs = labels.slice();
            expect(evaluateFinishJs(LEJs, qe, pe, TGJs, ix.a, ix.b, ix.out, n)).toBe(bad);
            expect(same(LE, LEJs)).toBe(-1);

            if (which !== 'out') {
              const h = inArena(arena, new Uint32Array(16 * n));
              const hJs = new Uint32Array(16 * n);
              expect(garbleGather(h, L, D, A, B, n)).toBe(bad);
              expect(garbleGatherJs(hJs, LJs, delta, ix.a, ix.b, n)).toBe(bad);
              expect(same(h, hJs)).toBe(-1);
              const e = inArena(arena, new Uint32Array(8 * n));
              const eJs = new Uint32Array(8 * n);
              expect(evaluateGather(e, L, A, B, n)).toBe(bad);
              expect(evaluateGatherJs(eJs, LJs, ix.a, ix.b, n)).toBe(bad);
              expect(same(e, eJs)).toBe(-1);
            }
          }
        }
      }
    }
  });

  it('garbleFinish refuses a table that overlaps the indices or Δ (WebAssembly and JS disagreed)', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return hasCode(e, 'INVALID_ARGUMENT') ? (e as { details: { field: string } }).details.field : 'other';
      }
      return 'none';
    };
    for (const inside of [true, false]) {
      for (const n of [1, 4, 5]) {
        arena.reset();
        const put = (x: Uint32Array) => (inside ? inArena(arena, x) : x.slice());
        const L = put(blocks(LABELS));
        const q = put(blocks(4 * n));
        const p = put(blocks(4 * n));
        const D = put(blocks(1));
        const ix = { a: put(indices(n, LABELS)), b: put(indices(n, LABELS)), out: put(indices(n, LABELS)) };
        const T = put(new Uint32Array(8 * n + 4));
        const table = T.subarray(0, 8 * n);
        const run = (f: typeof garbleFinish, o: Partial<Record<'a' | 'b' | 'out' | 'delta', Uint32Array>>) =>
          code(() => f(table, L, q, p, o.delta ?? D, o.a ?? ix.a, o.b ?? ix.b, o.out ?? ix.out, n));
        for (const f of [garbleFinish, garbleFinishJs]) {
          for (const which of ['a', 'b', 'out'] as const) {
            for (const at of [0, 8 * n - n, 3]) {
              const v = T.subarray(at, at + n);
              v.set(ix[which]);
              expect(run(f, { [which]: v })).toBe(which);
            }
          }
          expect(run(f, { delta: T.subarray(0, 4) })).toBe('delta');
          expect(run(f, { delta: T.subarray(8 * n - 2, 8 * n + 2) })).toBe('delta');
          // Next to the table (not in it) is fine.
          expect(run(f, { delta: T.subarray(8 * n, 8 * n + 4) })).toBe('none');
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

  it('tccrTweak near 2^53: exact tweaks up to Number.MAX_SAFE_INTEGER, refused past it', () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const cases: [number, number, number][] = [
      [MAX - 3, 4, 0],
      [MAX - 1, 3, 1],
      [MAX, 1, 0],
      [MAX, 2, 1],
      [MAX, 0, 0],
      [2 ** 52 + 1, 9, 1],
      [MAX - 8, 9, 0],
    ];
    for (const [base, count, shift] of cases) {
      arena.reset();
      const src = blocks(count);
      const dst = inArena(arena, new Uint32Array(4 * count));
      tccrTweak(dst, inArena(arena, src), count, base, shift);
      const js = new Uint32Array(4 * count);
      tccrTweakJs(js, src, count, base, shift);
      expect(same(dst, js)).toBe(-1);
      for (let k = 0; k < count; k++) {
        const t = BigInt(base) + BigInt(k >> shift);
        expect(js[4 * k]).toBe((src[4 * k] ^ Number(t & 0xffffffffn)) >>> 0);
        expect(js[4 * k + 1]).toBe((src[4 * k + 1] ^ Number(t >> 32n)) >>> 0);
      }
    }
    const field = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return hasCode(e, 'INVALID_ARGUMENT') ? (e as { details: { field: string } }).details.field : 'other';
      }
      return 'none';
    };
    // The last tweak, tweakBase + ((count − 1) >> shift), would pass 2^53 − 1 (doubles round: a repeated tweak).
    for (const [base, count, shift] of [
      [MAX - 2, 4, 0],
      [MAX, 2, 0],
      [MAX, 3, 1],
      [MAX - 1, 5, 1],
    ] as const) {
      arena.reset();
      const w = inArena(arena, new Uint32Array(4 * count));
      expect(field(() => tccrTweak(w, w, count, base, shift))).toBe('tweakBase');
      expect(field(() => tccrTweakJs(w.slice(), w.slice(), count, base, shift))).toBe('tweakBase');
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
    const H = new Uint32Array(16);
    expect(code(() => garbleGather(H, L, H.subarray(12), ix, ix, 1))).toBe('delta');
    expect(code(() => garbleGatherJs(H, L, H.subarray(0, 4), ix, ix, 1))).toBe('delta');
  });
});
