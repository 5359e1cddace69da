/**
 * The inner loops of the secret-sharing engine's offline phase: oblivious
 * linear evaluation (OLE) from IKNP correlated OT, hashed with the circular
 * correlation-robust hash H(x) = π(σ(x)) ⊕ σ(x) of Guo, Katz, Wang, Yu
 * (eprint 2019/074; π = AES under a session key, run by the caller in
 * node:crypto between these passes):
 *
 * - `ccrSigma`, `ccrSigmaPairs`: the hash inputs σ(t_j) (receiver) and the
 *   pairs σ(q_j), σ(q_j ⊕ Δ) = σ(q_j) ⊕ σ(Δ) (sender), σ(lo, hi) = (hi, lo ⊕ hi);
 * - `gilboaSend`, `gilboaReceiveHash`, `gilboaReceiveCorrect`: Gilboa's
 *   product a·b over Z_2^64 from 64 OTs on the bits of b (Gilboa, "Two Party
 *   RSA Key Generation", CRYPTO 1999), the correction of bit k truncated to
 *   64 − k bits;
 * - `rotBitsSend`, `rotBitsReceive`, `rotBitsCorrect`: the product a·b of bits
 *   from one random OT (Demmler, Schneider, Zohner, ABY, NDSS 2015).
 *
 * Layouts (wasm/ole.wat has the same text): OT j is bit k = j & 63 of
 * triple (or word) t = j >> 6. The hash outputs y sit beside their inputs x
 * (16-byte blocks; the sender's in pairs, 32 bytes per OT) and only the low
 * 64 bits (bit 0 for bits) of y ⊕ x are used. The Gilboa corrections of
 * triple t are 32 words msg[32t..32t+31] (word 0 = d_0, word w = d_w |
 * d_{64−w} << (64 − w)) and the u32 msg32[t] = d_32: 260 bytes per product
 * instead of 512.
 *
 * Each function has a WebAssembly kernel (used when every array lies in one
 * KernelArena, as the offline phase allocates them) and a JS twin (`…Js`)
 * on 32-bit halves. Outputs overlap no input and no other output (the same
 * array included); only ccrSigma may run in place (dst = src).
 */
import { InvalidArgument } from '@parley/interface';
import { assertOutsideDestination, assertRoom, overlaps, viewsOverlap } from './_checks.js';
import { borrowOut, carryOut, halvesOf, nonZero32 } from './_words.js';
import { wasmKernelsOfBuffer } from './arena.js';

interface OleExports {
  ccr_sigma(dst: number, src: number, n: number): void;
  ccr_sigma_pairs(dst: number, src: number, sd: number, n: number): void;
  gilboa_send(share: number, msg: number, msg32: number, x: number, y: number, a: number, t: number): void;
  gilboa_recv_hash(share: number, x: number, y: number, t: number): void;
  gilboa_recv_correct(share: number, b: number, msg: number, msg32: number, t: number): void;
  rot_bits_send(share: number, msg: number, x: number, y: number, a: number, n: number): void;
  rot_bits_recv(share: number, x: number, y: number, n: number): void;
  rot_bits_correct(share: number, b: number, d: number, n: number): void;
}

type View = Uint8Array | Uint32Array | BigUint64Array;

/** The kernels when every view lies in one WebAssembly arena. */
function kernelsFor(first: View, ...others: View[]): OleExports | undefined {
  const kernels = wasmKernelsOfBuffer(first.buffer);
  if (!kernels) return undefined;
  for (const v of others) if (v.buffer !== first.buffer) return undefined;
  return kernels as unknown as OleExports;
}

function assertType<T>(v: unknown, type: new (...args: never[]) => T, what: string): asserts v is T {
  if (!(v instanceof type)) throw new InvalidArgument(`${what}: expected a ${type.name}`, { field: what });
}

function assertLength(v: { length: number }, length: number, what: string): void {
  if (v.length !== length) {
    throw new InvalidArgument(`${what} must have ${length} elements, has ${v.length}`, { field: what });
  }
}

/**
 * Outputs must not overlap any input or each other, not even as the same
 * array: no OLE kernel is documented to work in place and the offline phase
 * never aliases them (rotBitsSend with a = share would compute the message
 * from the share just written). Checked per call of a hot loop, O(1).
 */
function assertDisjoint(outputs: [View, string][], inputs: View[]): void {
  for (let i = 0; i < outputs.length; i++) {
    const [o, what] = outputs[i];
    if (inputs.some((v) => viewsOverlap(o, v)) || outputs.some(([v], j) => j !== i && viewsOverlap(o, v))) {
      throw new InvalidArgument(`${what} overlaps another argument`, { field: what });
    }
  }
}

/** A Uint32Array over `v`'s first `bytes` bytes (a copy when `v` is not 4-byte aligned). */
function wordsOf(v: Uint8Array, byteCount: number): Uint32Array {
  const source = v.byteOffset % 4 === 0 ? v : v.slice(0, byteCount);
  return new Uint32Array(source.buffer, source.byteOffset, byteCount / 4);
}

function checkSigma(dst: Uint8Array, src: Uint8Array, n: number, blocksOut: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgument(`n must be a non-negative integer, got ${n}`, { field: 'n' });
  }
  assertRoom(src, 16 * n, 'src');
  assertRoom(dst, 16 * blocksOut, 'dst');
  if (
    !(dst.buffer === src.buffer && dst.byteOffset === src.byteOffset && blocksOut === n) &&
    overlaps(dst, 16 * blocksOut, src, 16 * n)
  ) {
    throw new InvalidArgument('src overlaps dst without being the same range', { field: 'src' });
  }
}

/** dst[j] = σ(src[j]) for n 16-byte blocks, σ(lo, hi) = (hi, lo ⊕ hi); dst may be src. */
export function ccrSigma(dst: Uint8Array, src: Uint8Array, n: number): void {
  checkSigma(dst, src, n, n);
  const kernels = kernelsFor(dst, src);
  if (kernels) kernels.ccr_sigma(dst.byteOffset, src.byteOffset, n);
  else ccrSigmaJs(dst, src, n);
}

export function ccrSigmaJs(dst: Uint8Array, src: Uint8Array, n: number): void {
  checkSigma(dst, src, n, n);
  const s = wordsOf(src, 16 * n);
  const d = wordsOf(dst, 16 * n);
  for (let i = 0; i < 4 * n; i += 4) {
    const l0 = s[i];
    const l1 = s[i + 1];
    const h0 = s[i + 2];
    const h1 = s[i + 3];
    d[i] = h0;
    d[i + 1] = h1;
    d[i + 2] = l0 ^ h0;
    d[i + 3] = l1 ^ h1;
  }
  if (d.buffer !== dst.buffer) dst.set(new Uint8Array(d.buffer, d.byteOffset, 16 * n));
}

/** The checks of ccrSigmaPairs: sigmaDelta is read while dst is written (WebAssembly loads it once), so it must lie outside dst. */
function checkSigmaPairs(dst: Uint8Array, src: Uint8Array, sigmaDelta: Uint8Array, n: number): void {
  checkSigma(dst, src, n, 2 * n);
  assertRoom(sigmaDelta, 16, 'sigmaDelta');
  assertOutsideDestination(dst, 32 * n, sigmaDelta, 16, 'sigmaDelta');
}

/**
 * dst[2j] = σ(src[j]), dst[2j + 1] = σ(src[j]) ⊕ sigmaDelta, for n blocks of
 * src (2n of dst). sigmaDelta must not overlap dst.
 */
export function ccrSigmaPairs(dst: Uint8Array, src: Uint8Array, sigmaDelta: Uint8Array, n: number): void {
  checkSigmaPairs(dst, src, sigmaDelta, n);
  const kernels = kernelsFor(dst, src, sigmaDelta);
  if (kernels) kernels.ccr_sigma_pairs(dst.byteOffset, src.byteOffset, sigmaDelta.byteOffset, n);
  else ccrSigmaPairsJs(dst, src, sigmaDelta, n);
}

export function ccrSigmaPairsJs(dst: Uint8Array, src: Uint8Array, sigmaDelta: Uint8Array, n: number): void {
  checkSigmaPairs(dst, src, sigmaDelta, n);
  const s = wordsOf(src, 16 * n);
  // σ(Δ) read once, before the loop, as WebAssembly does.
  const k = wordsOf(sigmaDelta, 16);
  const k0 = k[0];
  const k1 = k[1];
  const k2 = k[2];
  const k3 = k[3];
  const d = wordsOf(dst, 32 * n);
  for (let j = 0; j < n; j++) {
    const i = 4 * j;
    const o = 8 * j;
    const l0 = s[i];
    const l1 = s[i + 1];
    const h0 = s[i + 2];
    const h1 = s[i + 3];
    d[o] = h0;
    d[o + 1] = h1;
    d[o + 2] = l0 ^ h0;
    d[o + 3] = l1 ^ h1;
    d[o + 4] = h0 ^ k0;
    d[o + 5] = h1 ^ k1;
    d[o + 6] = l0 ^ h0 ^ k2;
    d[o + 7] = l1 ^ h1 ^ k3;
  }
  if (d.buffer !== dst.buffer) dst.set(new Uint8Array(d.buffer, d.byteOffset, 32 * n));
}

function checkGilboaSend(
  share: BigUint64Array,
  msg: BigUint64Array,
  msg32: Uint32Array,
  x: Uint8Array,
  y: Uint8Array,
  a: BigUint64Array,
): number {
  assertType(share, BigUint64Array, 'share');
  assertType(msg, BigUint64Array, 'msg');
  assertType(msg32, Uint32Array, 'msg32');
  assertType(a, BigUint64Array, 'a');
  const t = share.length;
  assertLength(msg, 32 * t, 'msg');
  assertLength(msg32, t, 'msg32');
  assertLength(a, t, 'a');
  assertRoom(x, 2048 * t, 'x');
  assertRoom(y, 2048 * t, 'y');
  assertDisjoint(
    [
      [share, 'share'],
      [msg, 'msg'],
      [msg32, 'msg32'],
    ],
    [x.subarray(0, 2048 * t), y.subarray(0, 2048 * t), a],
  );
  return t;
}

/**
 * Gilboa, sender with multiplicands a (t triples, 64 OTs each, hash pairs x →
 * y): corrections d_k = h0 − h1 + a into msg/msg32 and share = −Σ_k h0_k·2^k.
 */
export function gilboaSend(
  share: BigUint64Array,
  msg: BigUint64Array,
  msg32: Uint32Array,
  x: Uint8Array,
  y: Uint8Array,
  a: BigUint64Array,
): void {
  const t = checkGilboaSend(share, msg, msg32, x, y, a);
  const kernels = kernelsFor(share, msg, msg32, x, y, a);
  if (kernels)
    kernels.gilboa_send(
      share.byteOffset,
      msg.byteOffset,
      msg32.byteOffset,
      x.byteOffset,
      y.byteOffset,
      a.byteOffset,
      t,
    );
  else gilboaSendJs(share, msg, msg32, x, y, a);
}

/** Low and high halves of a 64-bit value shifted left by k (0..63). */
function shiftLow(lo: number, k: number): number {
  return k >= 32 ? 0 : (lo << k) >>> 0;
}
function shiftHigh(lo: number, hi: number, k: number): number {
  if (k === 0) return hi;
  if (k < 32) return ((hi << k) | (lo >>> (32 - k))) >>> 0;
  return (lo << (k - 32)) >>> 0;
}

export function gilboaSendJs(
  share: BigUint64Array,
  msg: BigUint64Array,
  msg32: Uint32Array,
  x: Uint8Array,
  y: Uint8Array,
  a: BigUint64Array,
): void {
  const t = checkGilboaSend(share, msg, msg32, x, y, a);
  const X = wordsOf(x, 2048 * t);
  const Y = wordsOf(y, 2048 * t);
  const A = halvesOf(a);
  const S = halvesOf(share);
  const M = halvesOf(msg);
  const dLow = new Uint32Array(64);
  const dHigh = new Uint32Array(64);
  for (let triple = 0; triple < t; triple++) {
    const al = A[2 * triple];
    const ah = A[2 * triple + 1];
    let accLow = 0;
    let accHigh = 0;
    for (let k = 0; k < 64; k++) {
      const i = 512 * triple + 8 * k;
      const h0l = (X[i] ^ Y[i]) >>> 0;
      const h0h = (X[i + 1] ^ Y[i + 1]) >>> 0;
      const h1l = (X[i + 4] ^ Y[i + 4]) >>> 0;
      const h1h = (X[i + 5] ^ Y[i + 5]) >>> 0;
      const diff = (h0l - h1l) >>> 0;
      const low = (diff + al) >>> 0;
      dLow[k] = low;
      dHigh[k] = h0h - h1h + ah + carryOut(diff, al, low) - borrowOut(h0l, h1l, diff);
      const addend = shiftLow(h0l, k);
      const sum = (accLow + addend) >>> 0;
      accHigh = (accHigh + shiftHigh(h0l, h0h, k) + carryOut(accLow, addend, sum)) >>> 0;
      accLow = sum;
    }
    const m = 64 * triple;
    M[m] = dLow[0];
    M[m + 1] = dHigh[0];
    for (let w = 1; w < 32; w++) {
      M[m + 2 * w] = dLow[w];
      M[m + 2 * w + 1] = (dHigh[w] & (0xffffffff >>> w)) | (dLow[64 - w] << (32 - w));
    }
    msg32[triple] = dLow[32];
    // share = −acc mod 2^64 = ~acc + 1: the carry into the high half is 1 exactly when accLow = 0
    S[2 * triple] = -accLow;
    S[2 * triple + 1] = ~accHigh + (nonZero32(accLow) ^ 1);
  }
}

function checkReceiveHash(share: BigUint64Array, x: Uint8Array, y: Uint8Array, perTriple: number): number {
  assertType(share, BigUint64Array, 'share');
  const t = share.length;
  assertRoom(x, perTriple * t, 'x');
  assertRoom(y, perTriple * t, 'y');
  assertDisjoint([[share, 'share']], [x.subarray(0, perTriple * t), y.subarray(0, perTriple * t)]);
  return t;
}

/** Gilboa, receiver, before the corrections: share = Σ_k lo64(x ⊕ y)_k·2^k (t triples, 64 hashes each). */
export function gilboaReceiveHash(share: BigUint64Array, x: Uint8Array, y: Uint8Array): void {
  const t = checkReceiveHash(share, x, y, 1024);
  const kernels = kernelsFor(share, x, y);
  if (kernels) kernels.gilboa_recv_hash(share.byteOffset, x.byteOffset, y.byteOffset, t);
  else gilboaReceiveHashJs(share, x, y);
}

export function gilboaReceiveHashJs(share: BigUint64Array, x: Uint8Array, y: Uint8Array): void {
  const t = checkReceiveHash(share, x, y, 1024);
  const X = wordsOf(x, 1024 * t);
  const Y = wordsOf(y, 1024 * t);
  const S = halvesOf(share);
  for (let triple = 0; triple < t; triple++) {
    let accLow = 0;
    let accHigh = 0;
    for (let k = 0; k < 64; k++) {
      const i = 256 * triple + 4 * k;
      const hl = (X[i] ^ Y[i]) >>> 0;
      const hh = (X[i + 1] ^ Y[i + 1]) >>> 0;
      const addend = shiftLow(hl, k);
      const sum = (accLow + addend) >>> 0;
      accHigh = (accHigh + shiftHigh(hl, hh, k) + carryOut(accLow, addend, sum)) >>> 0;
      accLow = sum;
    }
    S[2 * triple] = accLow;
    S[2 * triple + 1] = accHigh;
  }
}

function checkReceiveCorrect(
  share: BigUint64Array,
  b: BigUint64Array,
  msg: BigUint64Array,
  msg32: Uint32Array,
): number {
  assertType(share, BigUint64Array, 'share');
  assertType(b, BigUint64Array, 'b');
  assertType(msg, BigUint64Array, 'msg');
  assertType(msg32, Uint32Array, 'msg32');
  const t = share.length;
  assertLength(b, t, 'b');
  assertLength(msg, 32 * t, 'msg');
  assertLength(msg32, t, 'msg32');
  assertDisjoint([[share, 'share']], [b, msg, msg32]);
  return t;
}

/** Gilboa, receiver, with the corrections: share += Σ_k b_k·d_k·2^k (b_k = bit k of b). */
export function gilboaReceiveCorrect(
  share: BigUint64Array,
  b: BigUint64Array,
  msg: BigUint64Array,
  msg32: Uint32Array,
): void {
  const t = checkReceiveCorrect(share, b, msg, msg32);
  const kernels = kernelsFor(share, b, msg, msg32);
  if (kernels)
    kernels.gilboa_recv_correct(share.byteOffset, b.byteOffset, msg.byteOffset, msg32.byteOffset, t);
  else gilboaReceiveCorrectJs(share, b, msg, msg32);
}

export function gilboaReceiveCorrectJs(
  share: BigUint64Array,
  b: BigUint64Array,
  msg: BigUint64Array,
  msg32: Uint32Array,
): void {
  const t = checkReceiveCorrect(share, b, msg, msg32);
  const S = halvesOf(share);
  const B = halvesOf(b);
  const M = halvesOf(msg);
  for (let triple = 0; triple < t; triple++) {
    const bl = B[2 * triple];
    const bh = B[2 * triple + 1];
    let accLow = S[2 * triple];
    let accHigh = S[2 * triple + 1];
    // Every correction is added, masked by its bit of b (all ones or zero): no branch on b.
    const add = (low: number, high: number, mask: number) => {
      const l = (low & mask) >>> 0;
      const sum = (accLow + l) >>> 0;
      accHigh = (accHigh + (high & mask) + carryOut(accLow, l, sum)) >>> 0;
      accLow = sum;
    };
    const m = 64 * triple;
    add(M[m], M[m + 1], -(bl & 1));
    add(0, msg32[triple], -(bh & 1));
    for (let w = 1; w < 32; w++) {
      const wl = M[m + 2 * w];
      const wh = M[m + 2 * w + 1];
      add(shiftLow(wl, w), shiftHigh(wl, wh, w), -((bl >>> w) & 1));
      add(0, wh & (0xffffffff << (32 - w)), -((bh >>> (32 - w)) & 1));
    }
    S[2 * triple] = accLow;
    S[2 * triple + 1] = accHigh;
  }
}

function checkBitsSend(
  share: BigUint64Array,
  msg: BigUint64Array,
  x: Uint8Array,
  y: Uint8Array,
  a: BigUint64Array,
): number {
  assertType(share, BigUint64Array, 'share');
  assertType(msg, BigUint64Array, 'msg');
  assertType(a, BigUint64Array, 'a');
  const n = share.length;
  assertLength(msg, n, 'msg');
  assertLength(a, n, 'a');
  assertRoom(x, 2048 * n, 'x');
  assertRoom(y, 2048 * n, 'y');
  assertDisjoint(
    [
      [share, 'share'],
      [msg, 'msg'],
    ],
    [x.subarray(0, 2048 * n), y.subarray(0, 2048 * n), a],
  );
  return n;
}

/**
 * Bit products, sender with bits a (n words of 64 OTs, hash pairs x → y):
 * share bit = h0, correction bit = h0 ⊕ h1 ⊕ a (h = bit 0 of x ⊕ y).
 */
export function rotBitsSend(
  share: BigUint64Array,
  msg: BigUint64Array,
  x: Uint8Array,
  y: Uint8Array,
  a: BigUint64Array,
): void {
  const n = checkBitsSend(share, msg, x, y, a);
  const kernels = kernelsFor(share, msg, x, y, a);
  if (kernels)
    kernels.rot_bits_send(share.byteOffset, msg.byteOffset, x.byteOffset, y.byteOffset, a.byteOffset, n);
  else rotBitsSendJs(share, msg, x, y, a);
}

export function rotBitsSendJs(
  share: BigUint64Array,
  msg: BigUint64Array,
  x: Uint8Array,
  y: Uint8Array,
  a: BigUint64Array,
): void {
  const n = checkBitsSend(share, msg, x, y, a);
  const X = wordsOf(x, 2048 * n);
  const Y = wordsOf(y, 2048 * n);
  const S = halvesOf(share);
  const M = halvesOf(msg);
  const A = halvesOf(a);
  for (let half = 0; half < 2 * n; half++) {
    let s = 0;
    let d = 0;
    for (let i = 0; i < 32; i++) {
      const j = 8 * (32 * half + i);
      const h0 = (X[j] ^ Y[j]) & 1;
      const h1 = (X[j + 4] ^ Y[j + 4]) & 1;
      s |= h0 << i;
      d |= (h0 ^ h1) << i;
    }
    S[half] = s;
    M[half] = d ^ A[half];
  }
}

/** Bit products, receiver, before the corrections: share bit = bit 0 of x ⊕ y (n words of 64 OTs). */
export function rotBitsReceive(share: BigUint64Array, x: Uint8Array, y: Uint8Array): void {
  const n = checkReceiveHash(share, x, y, 1024);
  const kernels = kernelsFor(share, x, y);
  if (kernels) kernels.rot_bits_recv(share.byteOffset, x.byteOffset, y.byteOffset, n);
  else rotBitsReceiveJs(share, x, y);
}

export function rotBitsReceiveJs(share: BigUint64Array, x: Uint8Array, y: Uint8Array): void {
  const n = checkReceiveHash(share, x, y, 1024);
  const X = wordsOf(x, 1024 * n);
  const Y = wordsOf(y, 1024 * n);
  const S = halvesOf(share);
  for (let half = 0; half < 2 * n; half++) {
    let s = 0;
    for (let i = 0; i < 32; i++) {
      const j = 4 * (32 * half + i);
      s |= ((X[j] ^ Y[j]) & 1) << i;
    }
    S[half] = s;
  }
}

function checkBitsCorrect(share: BigUint64Array, b: BigUint64Array, d: BigUint64Array): number {
  assertType(share, BigUint64Array, 'share');
  assertType(b, BigUint64Array, 'b');
  assertType(d, BigUint64Array, 'd');
  assertLength(b, share.length, 'b');
  assertLength(d, share.length, 'd');
  assertDisjoint([[share, 'share']], [b, d]);
  return share.length;
}

/** Bit products, receiver, with the corrections: share ^= b & d. */
export function rotBitsCorrect(share: BigUint64Array, b: BigUint64Array, d: BigUint64Array): void {
  const n = checkBitsCorrect(share, b, d);
  const kernels = kernelsFor(share, b, d);
  if (kernels) kernels.rot_bits_correct(share.byteOffset, b.byteOffset, d.byteOffset, n);
  else rotBitsCorrectJs(share, b, d);
}

export function rotBitsCorrectJs(share: BigUint64Array, b: BigUint64Array, d: BigUint64Array): void {
  const n = checkBitsCorrect(share, b, d);
  const S = halvesOf(share);
  const B = halvesOf(b);
  const D = halvesOf(d);
  for (let i = 0; i < 2 * n; i++) S[i] ^= B[i] & D[i];
}
