/**
 * Lanes of bit planes: copying runs of lanes between planes (slices and
 * concatenations of boolean vectors), and conversion between IR columns of
 * any width (up to 4096-bit Bristol groups) and plane-major bit planes.
 */
import type { Column } from '@parley/circuit';
import { slice64, u32, unslice64, wordsFor } from './_words.js';

/** Copies `len` lanes from bit `from` of `src` to bit `to` of `dst` (word arrays as 32-bit halves). */
export function copyLanes(dst: Uint32Array, to: number, src: Uint32Array, from: number, len: number): void {
  let i = 0;
  while (i < len) {
    const s = from + i;
    const d = to + i;
    const chunk = Math.min(32 - (d & 31), len - i);
    const sw = s >>> 5;
    const sb = s & 31;
    let v = src[sw] >>> sb;
    if (sb + chunk > 32) v |= src[sw + 1] << (32 - sb);
    const mask = chunk === 32 ? 0xffffffff : (1 << chunk) - 1;
    const dw = d >>> 5;
    const db = d & 31;
    dst[dw] = (dst[dw] & ~(mask << db)) | ((v & mask) << db);
    i += chunk;
  }
}

/** Lanes [start, start + len) of a plane, as a new plane. */
export function sliceLanes(plane: BigUint64Array, start: number, len: number): BigUint64Array {
  const out = new BigUint64Array(wordsFor(len));
  copyLanes(u32(out), 0, u32(plane), start, len);
  return out;
}

/** Planes (plane-major, `width` planes of wordsFor(n) words) of a column of n values of `width` bits. */
export function columnToPlanes(col: Column, n: number, width: number): BigUint64Array {
  if (width <= 64) {
    const values = col instanceof BigUint64Array ? col : BigUint64Array.from({ length: n }, (_, i) => col[i]);
    return slice64(values, n, width);
  }
  const words = wordsFor(n);
  const out = new BigUint64Array(width * words);
  const o = u32(out);
  for (let j = 0; j < n; j++) {
    // All `width` bits of every value, ORed in unconditionally: the work and the
    // control flow do not depend on the (secret) value or its bit length.
    let v = col[j];
    const lane = j & 31;
    for (let b = 0; b < width; b++, v >>= 1n) o[2 * b * words + (j >>> 5)] |= Number(v & 1n) << lane;
  }
  return out;
}

/** The column of n values of `width` bits held in plane-major planes. */
export function planesToColumn(planes: BigUint64Array, n: number, width: number): Column {
  if (width <= 64) return unslice64(planes, n, width);
  const words = wordsFor(n);
  const p = u32(planes);
  const out = new Array<bigint>(n).fill(0n);
  for (let j = 0; j < n; j++) {
    let v = 0n;
    for (let b = width - 1; b >= 0; b--)
      v = (v << 1n) | BigInt((p[2 * b * words + (j >>> 5)] >>> (j & 31)) & 1);
    out[j] = v;
  }
  return out;
}
