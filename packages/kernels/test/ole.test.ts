import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  allocWords,
  ccrSigma,
  ccrSigmaJs,
  ccrSigmaPairs,
  ccrSigmaPairsJs,
  gilboaReceiveCorrect,
  gilboaReceiveCorrectJs,
  gilboaReceiveHash,
  gilboaReceiveHashJs,
  gilboaSend,
  gilboaSendJs,
  KernelArena,
  rotBitsCorrect,
  rotBitsCorrectJs,
  rotBitsReceive,
  rotBitsReceiveJs,
  rotBitsSend,
  rotBitsSendJs,
} from '../src/index.js';
import { firstDifference, seededRandom } from './_helpers.js';

const random = seededRandom('ole.test');
const MASK = (1n << 64n) - 1n;

function words(n: number): BigUint64Array {
  const out = new BigUint64Array(random(8 * n).buffer);
  const edges = [0n, MASK, 1n << 63n, 1n];
  for (let i = 0; i < Math.min(n, edges.length); i++) out[i] = edges[i];
  return out;
}

function block(bytes: Uint8Array, j: number): [bigint, bigint] {
  const v = new DataView(bytes.buffer, bytes.byteOffset + 16 * j, 16);
  return [v.getBigUint64(0, true), v.getBigUint64(8, true)];
}

/** The receiver's hash blocks: for OT j, the sender's pair member r_j (what OT delivers). */
function chosen(pairs: Uint8Array, choices: BigUint64Array, ots: number): Uint8Array {
  const out = new Uint8Array(16 * ots);
  for (let j = 0; j < ots; j++) {
    const r = Number((choices[j >> 6] >> BigInt(j & 63)) & 1n);
    out.set(pairs.subarray(32 * j + 16 * r, 32 * j + 16 * r + 16), 16 * j);
  }
  return out;
}

function copyTo(arena: KernelArena, bytes: Uint8Array): Uint8Array {
  const v = arena.alloc(bytes.length);
  v.set(bytes);
  return v;
}

function wordsIn(arena: KernelArena, x: BigUint64Array): BigUint64Array {
  const v = allocWords(arena, x.length);
  v.set(x);
  return v;
}

describe('OLE kernels of the offline phase', () => {
  const arena = new KernelArena(16 << 20);

  it('runs WebAssembly in this environment', () => {
    expect(arena.backend).toBe('wasm');
  });

  it('σ(lo, hi) = (hi, lo ⊕ hi) and the sender pairs σ(q), σ(q) ⊕ σ(Δ), in both implementations and in place', () => {
    arena.reset();
    const n = 131;
    const src = copyTo(arena, random(16 * n));
    const sd = copyTo(arena, random(16));
    const dst = arena.alloc(16 * n);
    const pairs = arena.alloc(32 * n);
    ccrSigma(dst, src, n);
    ccrSigmaPairs(pairs, src, sd, n);
    const [kl, kh] = block(sd, 0);
    for (let j = 0; j < n; j++) {
      const [lo, hi] = block(src, j);
      expect(block(dst, j)).toEqual([hi, lo ^ hi]);
      expect(block(pairs, 2 * j)).toEqual([hi, lo ^ hi]);
      expect(block(pairs, 2 * j + 1)).toEqual([hi ^ kl, lo ^ hi ^ kh]);
    }
    const js = new Uint8Array(16 * n);
    ccrSigmaJs(js, src.slice(), n);
    expect(firstDifference(js, dst)).toBe(-1);
    const jsPairs = new Uint8Array(32 * n);
    ccrSigmaPairsJs(jsPairs, src.slice(), sd.slice(), n);
    expect(firstDifference(jsPairs, pairs)).toBe(-1);
    ccrSigma(src, src, n);
    expect(firstDifference(src, dst)).toBe(-1);
  });

  for (const t of [0, 1, 2, 3, 17, 64]) {
    it(`Gilboa on ${t} products: sender + receiver shares = a·b mod 2^64; WebAssembly = JS`, () => {
      arena.reset();
      const a = words(t);
      const b = words(t).reverse();
      const x = random(2048 * t);
      const y = random(2048 * t);
      // Sender
      const share = allocWords(arena, t);
      const msg = allocWords(arena, 32 * t);
      const msg32b = arena.alloc(4 * t);
      const msg32 = new Uint32Array(msg32b.buffer, msg32b.byteOffset, t);
      gilboaSend(share, msg, msg32, copyTo(arena, x), copyTo(arena, y), wordsIn(arena, a));
      const shareJs = new BigUint64Array(t);
      const msgJs = new BigUint64Array(32 * t);
      const msg32Js = new Uint32Array(t);
      gilboaSendJs(shareJs, msgJs, msg32Js, x, y, a);
      expect(shareJs).toEqual(share);
      expect(msgJs).toEqual(msg);
      expect(msg32Js).toEqual(msg32);
      // Receiver: the blocks OT would deliver for choices = bits of b
      const xr = chosen(x, b, 64 * t);
      const yr = chosen(y, b, 64 * t);
      const mine = allocWords(arena, t);
      gilboaReceiveHash(mine, copyTo(arena, xr), copyTo(arena, yr));
      const mineJs = new BigUint64Array(t);
      gilboaReceiveHashJs(mineJs, xr, yr);
      expect(mineJs).toEqual(mine);
      gilboaReceiveCorrect(mine, wordsIn(arena, b), msg, msg32);
      gilboaReceiveCorrectJs(mineJs, b, msgJs, msg32Js);
      expect(mineJs).toEqual(mine);
      for (let i = 0; i < t; i++) expect((share[i] + mine[i]) & MASK).toBe((a[i] * b[i]) & MASK);
    });
  }

  it('Gilboa corrections: bit k carries 64 − k bits (the pairing of words), checked against d_k = h0 − h1 + a', () => {
    arena.reset();
    const t = 3;
    const a = words(t);
    const x = random(2048 * t);
    const y = random(2048 * t);
    const share = new BigUint64Array(t);
    const msg = new BigUint64Array(32 * t);
    const msg32 = new Uint32Array(t);
    gilboaSendJs(share, msg, msg32, x, y, a);
    for (let i = 0; i < t; i++) {
      const h = (j: number) => {
        const [xl] = block(x, j);
        const [yl] = block(y, j);
        return xl ^ yl;
      };
      const d = (k: number) => (h(2 * (64 * i + k)) - h(2 * (64 * i + k) + 1) + a[i]) & MASK;
      const bits = (k: number) => (1n << BigInt(64 - k)) - 1n;
      expect(msg[32 * i]).toBe(d(0));
      expect(BigInt(msg32[i])).toBe(d(32) & bits(32));
      for (let w = 1; w < 32; w++) {
        const expected = ((d(w) & bits(w)) | (d(64 - w) << BigInt(64 - w))) & MASK;
        expect(msg[32 * i + w]).toBe(expected);
      }
    }
  });

  for (const n of [0, 1, 2, 5, 33]) {
    it(`bit products on ${n} words: sender ⊕ receiver shares = a & b per bit; WebAssembly = JS`, () => {
      arena.reset();
      const a = words(n);
      const b = words(n);
      const x = random(2048 * n);
      const y = random(2048 * n);
      const share = allocWords(arena, n);
      const msg = allocWords(arena, n);
      rotBitsSend(share, msg, copyTo(arena, x), copyTo(arena, y), wordsIn(arena, a));
      const shareJs = new BigUint64Array(n);
      const msgJs = new BigUint64Array(n);
      rotBitsSendJs(shareJs, msgJs, x, y, a);
      expect(shareJs).toEqual(share);
      expect(msgJs).toEqual(msg);
      const xr = chosen(x, b, 64 * n);
      const yr = chosen(y, b, 64 * n);
      const mine = allocWords(arena, n);
      rotBitsReceive(mine, copyTo(arena, xr), copyTo(arena, yr));
      const mineJs = new BigUint64Array(n);
      rotBitsReceiveJs(mineJs, xr, yr);
      expect(mineJs).toEqual(mine);
      rotBitsCorrect(mine, wordsIn(arena, b), msg);
      rotBitsCorrectJs(mineJs, b, msgJs);
      expect(mineJs).toEqual(mine);
      for (let i = 0; i < n; i++) expect(share[i] ^ mine[i]).toBe(a[i] & b[i]);
    });
  }

  it('refuses sigmaDelta inside dst and an output that is an input or another output (the same object too)', () => {
    arena.reset();
    const field = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        return hasCode(e, 'INVALID_ARGUMENT') ? (e as { details: { field: string } }).details.field : 'other';
      }
      return 'none';
    };
    // σ(Δ) read inside the pairs being written: WebAssembly loads it once, JS read it per pair.
    const n = 2;
    const src = copyTo(arena, random(16 * n));
    const dst = arena.alloc(32 * n);
    const plain = new Uint8Array(32 * n);
    for (const [d, s] of [
      [dst, src],
      [plain, src.slice()],
    ]) {
      for (const sd of [d.subarray(0, 16), d.subarray(32 * n - 16), d.subarray(40, 56)]) {
        expect(field(() => ccrSigmaPairs(d, s, sd, n))).toBe('sigmaDelta');
        expect(field(() => ccrSigmaPairsJs(d, s, sd, n))).toBe('sigmaDelta');
      }
    }
    expect(firstDifference(dst, new Uint8Array(32 * n))).toBe(-1);
    // Outputs identical to an input or to each other, in an arena (WebAssembly) and outside (JS).
    const t = 2;
    for (const inside of [true, false]) {
      const w = (k: number) => (inside ? allocWords(arena, k) : new BigUint64Array(k));
      const x = inside ? arena.alloc(2048 * t) : new Uint8Array(2048 * t);
      const y = inside ? arena.alloc(2048 * t) : new Uint8Array(2048 * t);
      const share = w(t);
      const msg = w(t);
      const a = w(t);
      a.fill(MASK);
      const gMsg = w(32 * t);
      const m32b = inside ? arena.alloc(4 * t) : new Uint8Array(4 * t);
      const msg32 = new Uint32Array(m32b.buffer, m32b.byteOffset, t);
      const cases: [() => void, string][] = [
        [() => rotBitsSend(share, msg, x, y, share), 'share'],
        [() => rotBitsSendJs(share, msg, x, y, share), 'share'],
        [() => rotBitsSend(share, msg, x, y, msg), 'msg'],
        [() => rotBitsSend(share, share, x, y, a), 'share'],
        [() => rotBitsSendJs(share, share, x, y, a), 'share'],
        [() => gilboaSend(share, gMsg, msg32, x, y, share), 'share'],
        [() => gilboaSendJs(share, gMsg, msg32, x, y, share), 'share'],
        [() => rotBitsCorrect(share, share, msg), 'share'],
        [() => rotBitsCorrectJs(share, a, share), 'share'],
        [() => gilboaReceiveCorrect(share, share, gMsg, msg32), 'share'],
        [() => gilboaReceiveCorrectJs(share, share, gMsg, msg32), 'share'],
      ];
      for (const [call, expected] of cases) expect(field(call)).toBe(expected);
      // Nothing was written, and the same arrays used apart still work.
      expect(msg.every((v) => v === 0n)).toBe(true);
      rotBitsSend(share, msg, x, y, a);
      expect(msg.every((v) => v === MASK)).toBe(true);
    }
  });

  it('rejects wrong sizes and overlapping outputs with InvalidArgument naming the argument', () => {
    const t = 2;
    const x = new Uint8Array(2048 * t);
    const cases: [() => void, string][] = [
      [
        () =>
          gilboaSend(
            new BigUint64Array(t),
            new BigUint64Array(31 * t),
            new Uint32Array(t),
            x,
            x,
            new BigUint64Array(t),
          ),
        'msg',
      ],
      [
        () =>
          gilboaSend(
            new BigUint64Array(t),
            new BigUint64Array(32 * t),
            new Uint32Array(t),
            x.subarray(1),
            x,
            new BigUint64Array(t),
          ),
        'x',
      ],
      [() => gilboaReceiveHash(new BigUint64Array(t), x, new Uint8Array(10)), 'y'],
      [
        () =>
          gilboaReceiveCorrect(
            new BigUint64Array(t),
            new BigUint64Array(t + 1),
            new BigUint64Array(32 * t),
            new Uint32Array(t),
          ),
        'b',
      ],
      [
        () =>
          rotBitsCorrect(
            new BigUint64Array(x.buffer, 0, 2),
            new BigUint64Array(x.buffer, 8, 2),
            new BigUint64Array(2),
          ),
        'share',
      ],
      [() => ccrSigma(x.subarray(16), x, 4), 'src'],
    ];
    for (const [call, field] of cases) {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT'), field).toBe(true);
      expect((caught as { details: { field: string } }).details.field).toBe(field);
    }
  });
});
