/**
 * Word-level helpers beside the kernels: operations with a public scalar,
 * the local step of a replicated AND, and bit slicing (n 64-bit values <->
 * 64 bit planes of ceil(n/64) words, through the bit-matrix transpose of
 * @parley/kernels). Plane layout: bit j of plane b is bit b of element j, in
 * word j >> 6 at bit j & 63.
 */
import { carryOut, nonZero32, transposeBitMatrix } from '@parley/kernels';
import { xor64 } from './_kernels.js';

/** Below this many words, loops on the 64-bit elements beat making 32-bit views (planes of a short vector). */
const SMALL = 8;

export const u32 = (a: BigUint64Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
const bytes = (a: BigUint64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Words of a plane of n bits. */
export const wordsFor = (n: number): number => Math.ceil(n / 64);

/** out = x + c mod 2^64. */
export function addScalar64(out: BigUint64Array, x: BigUint64Array, c: bigint): void {
  const cl = Number(c & 0xffffffffn);
  const ch = Number((c >> 32n) & 0xffffffffn);
  const o = u32(out);
  const a = u32(x);
  for (let j = 0; j < o.length; j += 2) {
    const al = a[j];
    const lo = (al + cl) >>> 0;
    o[j + 1] = a[j + 1] + ch + carryOut(al, cl, lo);
    o[j] = lo;
  }
}

/** out = x · c mod 2^64. */
export function mulScalar64(out: BigUint64Array, x: BigUint64Array, c: bigint): void {
  const cl = Number(c & 0xffffffffn);
  const ch = Number((c >> 32n) & 0xffffffffn);
  const c0 = cl & 0xffff;
  const c1 = cl >>> 16;
  const o = u32(out);
  const a = u32(x);
  for (let j = 0; j < o.length; j += 2) {
    const al = a[j];
    const a0 = al & 0xffff;
    const a1 = al >>> 16;
    const lohi = a0 * c1;
    const hilo = a1 * c0;
    const cross = ((a0 * c0) >>> 16) + (hilo & 0xffff) + (lohi & 0xffff);
    const high = a1 * c1 + (hilo >>> 16) + (lohi >>> 16) + (cross >>> 16);
    o[j + 1] = high + Math.imul(al, ch) + Math.imul(a[j + 1], cl);
    o[j] = Math.imul(al, cl);
  }
}

/** out = −x mod 2^64. */
export function neg64(out: BigUint64Array, x: BigUint64Array): void {
  const o = u32(out);
  const a = u32(x);
  for (let j = 0; j < o.length; j += 2) {
    const lo = a[j];
    o[j + 1] = -a[j + 1] - nonZero32(lo);
    o[j] = -lo;
  }
}

/** out = x0&y0 ^ x0&y1 ^ x1&y0 (the local step of a replicated AND). */
export function crossAnd64(
  out: BigUint64Array,
  x0: BigUint64Array,
  x1: BigUint64Array,
  y0: BigUint64Array,
  y1: BigUint64Array,
): void {
  if (out.length <= SMALL) {
    for (let j = 0; j < out.length; j++) out[j] = (x0[j] & (y0[j] ^ y1[j])) ^ (x1[j] & y0[j]);
    return;
  }
  const o = u32(out);
  const a0 = u32(x0);
  const a1 = u32(x1);
  const b0 = u32(y0);
  const b1 = u32(y1);
  for (let j = 0; j < o.length; j++) o[j] = (a0[j] & (b0[j] ^ b1[j])) ^ (a1[j] & b0[j]);
}

/** out = x XOR y (the kernel, or a plain loop for a few words). */
export function xorWords(out: BigUint64Array, x: BigUint64Array, y: BigUint64Array): void {
  if (out.length <= SMALL) {
    for (let j = 0; j < out.length; j++) out[j] = x[j] ^ y[j];
  } else xor64(out, x, y);
}

/** out = NOT x, word by word. */
export function not64(out: BigUint64Array, x: BigUint64Array): void {
  if (out.length <= SMALL) {
    for (let j = 0; j < out.length; j++) out[j] = x[j] ^ 0xffffffffffffffffn;
    return;
  }
  const o = u32(out);
  const a = u32(x);
  for (let j = 0; j < o.length; j++) o[j] = ~a[j];
}

/**
 * Bit planes of n values: planes 0 … width−1 (least significant first), each
 * wordsFor(n) words, plane-major. Unused lanes of the last word are zero.
 */
export function slice64(values: BigUint64Array, n: number, width: number): BigUint64Array {
  const words = wordsFor(n);
  const padded = words * 64;
  let src = values;
  if (values.length !== padded) {
    src = new BigUint64Array(padded);
    src.set(values.subarray(0, n));
  }
  const all = new BigUint64Array(64 * words);
  if (words > 0) transposeBitMatrix(bytes(all), bytes(src), padded, 64);
  return width === 64 ? all : all.slice(0, width * words);
}

/** The inverse of slice64: n values from `width` planes of wordsFor(n) words (missing high planes are zero). */
export function unslice64(planes: BigUint64Array, n: number, width: number): BigUint64Array {
  const words = wordsFor(n);
  let src = planes;
  if (width !== 64 || planes.length !== 64 * words) {
    src = new BigUint64Array(64 * words);
    src.set(planes.subarray(0, Math.min(width, 64) * words));
  }
  const out = new BigUint64Array(words * 64);
  if (words > 0) transposeBitMatrix(bytes(out), bytes(src), 64, words * 64);
  return out.length === n ? out : out.slice(0, n);
}

/** A plane whose every lane repeats lane 0 of `plane` (broadcast of a length-1 bit). */
export function broadcastLane0(plane: BigUint64Array, words: number): BigUint64Array {
  const out = new BigUint64Array(words);
  // All ones or zero from the bit, written either way: no branch on the (secret) lane.
  u32(out).fill(-(u32(plane)[0] & 1));
  return out;
}

/** out = x >> d (logical), d ≥ 0 (0 from d = 64 on). */
export function shiftRight64(out: BigUint64Array, x: BigUint64Array, d: number): void {
  const o = u32(out);
  const a = u32(x);
  if (d >= 64) {
    o.fill(0);
  } else if (d === 0) {
    o.set(a.subarray(0, o.length));
  } else if (d < 32) {
    for (let j = 0; j < o.length; j += 2) {
      const hi = a[j + 1];
      o[j] = (a[j] >>> d) | (hi << (32 - d));
      o[j + 1] = hi >>> d;
    }
  } else {
    for (let j = 0; j < o.length; j += 2) {
      o[j] = a[j + 1] >>> (d - 32);
      o[j + 1] = 0;
    }
  }
}

/** Lanes of `count` consecutive planes (plane-major, `words` each) as 0/1 values, plane k at [k·n, (k+1)·n). */
export function planesToValues(
  planes: BigUint64Array,
  count: number,
  words: number,
  n: number,
): BigUint64Array {
  const out = new BigUint64Array(count * n);
  const o = u32(out);
  const p = u32(planes);
  for (let k = 0; k < count; k++) {
    const base = k * words * 2;
    const ob = k * n * 2;
    for (let j = 0; j < n; j++) o[ob + 2 * j] = (p[base + (j >>> 5)] >>> (j & 31)) & 1;
  }
  return out;
}
