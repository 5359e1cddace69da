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

  it('Gilboa on edge values (0, all ones, carries across bit 32, sparse and alternating b): JS and WebAssembly = BigInt reference', () => {
    arena.reset();
    const edges = [
      0n,
      MASK,
      0xffffffffn,
      1n << 32n,
      0x80000000n,
      1n << 63n,
      0x5555555555555555n,
      0xaaaaaaaaaaaaaaaan,
      0x00000001ffffffffn,
      1n,
    ];
    const t = edges.length * edges.length;
    const a = new BigUint64Array(t);
    const b = new BigUint64Array(t);
    for (let i = 0; i < t; i++) {
      a[i] = edges[i % edges.length];
      b[i] = edges[Math.floor(i / edges.length)];
    }
    // Hash blocks: the low 64 bits of x ⊕ y per block cycle through the edge values (y = 0), so h0 − h1 borrows and sums carry.
    const x = new Uint8Array(2048 * t);
    const xv = new DataView(x.buffer);
    for (let j = 0; j < 128 * t; j++) xv.setBigUint64(16 * j, edges[(j * 7 + (j >> 7)) % edges.length], true);
    const y = new Uint8Array(2048 * t);
    const lo = (bytes: Uint8Array, j: number) => block(bytes, j)[0];
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
    for (let i = 0; i < t; i++) {
      let acc = 0n;
      for (let k = 0; k < 64; k++) acc += lo(x, 2 * (64 * i + k)) << BigInt(k);
      expect(shareJs[i]).toBe(-acc & MASK);
      const d = (k: number) => (lo(x, 2 * (64 * i + k)) - lo(x, 2 * (64 * i + k) + 1) + a[i]) & MASK;
      expect(msgJs[32 * i]).toBe(d(0));
      expect(BigInt(msg32Js[i])).toBe(d(32) & 0xffffffffn);
      for (let w = 1; w < 32; w++) {
        const low = d(w) & ((1n << BigInt(64 - w)) - 1n);
        expect(msgJs[32 * i + w]).toBe((low | (d(64 - w) << BigInt(64 - w))) & MASK);
      }
    }
    // Receiver: hash, then the corrections masked by the bits of b
    const xr = chosen(x, b, 64 * t);
    const yr = chosen(y, b, 64 * t);
    const mine = allocWords(arena, t);
    gilboaReceiveHash(mine, copyTo(arena, xr), copyTo(arena, yr));
    const mineJs = new BigUint64Array(t);
    gilboaReceiveHashJs(mineJs, xr, yr);
    expect(mineJs).toEqual(mine);
    for (let i = 0; i < t; i++) {
      let acc = 0n;
      for (let k = 0; k < 64; k++) acc += lo(xr, 64 * i + k) << BigInt(k);
      expect(mineJs[i]).toBe(acc & MASK);
    }
    const before = mineJs.slice();
    gilboaReceiveCorrect(mine, wordsIn(arena, b), msg, msg32);
    gilboaReceiveCorrectJs(mineJs, b, msgJs, msg32Js);
    expect(mineJs).toEqual(mine);
    for (let i = 0; i < t; i++) {
      // share += Σ_k b_k·d_k·2^k, d_k read back from the packed corrections
      let acc = before[i];
      const bit = (k: number) => (b[i] >> BigInt(k)) & 1n;
      acc += bit(0) * msgJs[32 * i];
      acc += bit(32) * (BigInt(msg32Js[i]) << 32n);
      for (let w = 1; w < 32; w++) {
        const word = msgJs[32 * i + w];
        acc += bit(w) * (word << BigInt(w));
        acc += bit(64 - w) * ((word >> BigInt(64 - w)) << BigInt(64 - w));
      }
      expect(mineJs[i]).toBe(acc & MASK);
      expect((shareJs[i] + mineJs[i]) & MASK).toBe((a[i] * b[i]) & MASK);
    }
  });

  it('Gilboa receiver corrections on all-ones corrections: each bit of b adds exactly its term (masks, not branches)', () => {
    const t = 1;
    const msg = new BigUint64Array(32 * t).fill(MASK);
    const msg32 = new Uint32Array(t).fill(0xffffffff);
    for (const start of [0n, MASK, 0xffffffffn, 1n << 32n]) {
      for (let k = 0; k < 64; k++) {
        const b = BigUint64Array.of(1n << BigInt(k));
        const share = BigUint64Array.of(start);
        gilboaReceiveCorrectJs(share, b, msg, msg32);
        // d_k = 2^(64−k) − 1 (truncated to 64 − k bits), so the term is 2^64 − 2^k ≡ −2^k
        expect(share[0]).toBe((start - (1n << BigInt(k))) & MASK);
      }
      const none = BigUint64Array.of(start);
      gilboaReceiveCorrectJs(none, BigUint64Array.of(0n), msg, msg32);
      expect(none[0]).toBe(start);
      const all = BigUint64Array.of(start);
      gilboaReceiveCorrectJs(all, BigUint64Array.of(MASK), msg, msg32);
      expect(all[0]).toBe((start - MASK) & MASK);
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
