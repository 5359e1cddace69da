/**
 * 16-byte block (label) XOR loops: the free-XOR and OT-extension inner loops.
 * All functions work on n blocks; the destination may be one of the sources
 * (in place) but must not partly overlap one. The 16-byte constant and the
 * select bytes, read while the destination is written, must not overlap it
 * at all (WebAssembly loads the constant once; the JS twins read it once too).
 *
 * Each has a WebAssembly SIMD kernel (wasm/xor.wat) and a plain-JS twin
 * (`...Js`, 32-bit words). The dispatching function runs WebAssembly in place
 * when every view lies in one KernelArena; for other arrays of at least 4 KiB
 * it copies them through a scratch arena, which measured faster than the JS
 * twin (README figures); small arrays use the JS twin.
 */

import { InvalidArgument } from '@parley/interface';
import { assertCount, assertInPlaceOrDisjoint, assertOutsideDestination, assertRoom } from './_checks.js';
import { viaScratch } from './_scratch.js';
import type { WasmKernelExports } from './_wasm.js';
import { wasmKernelsFor } from './arena.js';

const TWO64 = 1n << 64n;
const MASK64 = TWO64 - 1n;

function words(v: Uint8Array, n: number): Int32Array | undefined {
  return v.byteOffset % 4 === 0 ? new Int32Array(v.buffer, v.byteOffset, n * 4) : undefined;
}

function checkBlocks(n: number, dst: Uint8Array, ...sources: [Uint8Array, string][]): void {
  assertCount(n, 'n');
  assertRoom(dst, 16 * n, 'dst');
  for (const [s, what] of sources) {
    assertRoom(s, 16 * n, what);
    assertInPlaceOrDisjoint(dst, s, 16 * n, what);
  }
}

/**
 * The checks of the constant loops. The constant (and select) are read while
 * dst is written; WebAssembly loads the constant once, so neither may share
 * a byte with dst (in place or not).
 */
function checkConst(n: number, dst: Uint8Array, a: Uint8Array, constant: Uint8Array): void {
  checkBlocks(n, dst, [a, 'a']);
  assertRoom(constant, 16, 'constant');
  assertOutsideDestination(dst, 16 * n, constant, 16, 'constant');
}

function checkSelect(n: number, dst: Uint8Array, select: Uint8Array): void {
  assertRoom(select, n, 'select');
  assertOutsideDestination(dst, 16 * n, select, n, 'select');
}

/** The constant's four little-endian 32-bit words, read once (the JS twins' snapshot). */
function constantWords(constant: Uint8Array): [number, number, number, number] {
  const k = new DataView(constant.buffer, constant.byteOffset, 16);
  return [k.getInt32(0, true), k.getInt32(4, true), k.getInt32(8, true), k.getInt32(12, true)];
}

/** dst[k] = a[k] ^ b[k] for n 16-byte blocks. */
export function xorBlocks(dst: Uint8Array, a: Uint8Array, b: Uint8Array, n: number): void {
  checkBlocks(n, dst, [a, 'a'], [b, 'b']);
  const kernels = wasmKernelsFor(dst, a, b);
  if (kernels) kernels.xor_blocks(dst.byteOffset, a.byteOffset, b.byteOffset, n);
  else if (
    !viaScratch(
      dst.subarray(0, 16 * n),
      16 * n,
      [a.subarray(0, 16 * n), b.subarray(0, 16 * n)],
      (k, [x, y], o) => k.xor_blocks(o.byteOffset, x.byteOffset, y.byteOffset, n),
    )
  )
    xorBlocksJs(dst, a, b, n);
}

export function xorBlocksJs(dst: Uint8Array, a: Uint8Array, b: Uint8Array, n: number): void {
  checkBlocks(n, dst, [a, 'a'], [b, 'b']);
  const d = words(dst, n);
  const x = words(a, n);
  const y = words(b, n);
  if (d && x && y) {
    for (let i = 0; i < 4 * n; i++) d[i] = x[i] ^ y[i];
  } else {
    for (let i = 0; i < 16 * n; i++) dst[i] = a[i] ^ b[i];
  }
}

/** dst[k] = a[k] ^ b[k] ^ c[k] for n 16-byte blocks. */
export function xorBlocks3(dst: Uint8Array, a: Uint8Array, b: Uint8Array, c: Uint8Array, n: number): void {
  checkBlocks(n, dst, [a, 'a'], [b, 'b'], [c, 'c']);
  const kernels = wasmKernelsFor(dst, a, b, c);
  const bytes = 16 * n;
  if (kernels) kernels.xor3_blocks(dst.byteOffset, a.byteOffset, b.byteOffset, c.byteOffset, n);
  else if (
    !viaScratch(
      dst.subarray(0, bytes),
      bytes,
      [a.subarray(0, bytes), b.subarray(0, bytes), c.subarray(0, bytes)],
      (k, [x, y, z], o) => k.xor3_blocks(o.byteOffset, x.byteOffset, y.byteOffset, z.byteOffset, n),
    )
  )
    xorBlocks3Js(dst, a, b, c, n);
}

export function xorBlocks3Js(dst: Uint8Array, a: Uint8Array, b: Uint8Array, c: Uint8Array, n: number): void {
  checkBlocks(n, dst, [a, 'a'], [b, 'b'], [c, 'c']);
  const d = words(dst, n);
  const x = words(a, n);
  const y = words(b, n);
  const z = words(c, n);
  if (d && x && y && z) {
    for (let i = 0; i < 4 * n; i++) d[i] = x[i] ^ y[i] ^ z[i];
  } else {
    for (let i = 0; i < 16 * n; i++) dst[i] = a[i] ^ b[i] ^ c[i];
  }
}

/** dst[k] = a[k] ^ constant (16 bytes, outside dst), e.g. a label and its Δ-partner. */
export function xorBlocksConst(dst: Uint8Array, a: Uint8Array, constant: Uint8Array, n: number): void {
  checkConst(n, dst, a, constant);
  const kernels = wasmKernelsFor(dst, a, constant);
  const bytes = 16 * n;
  if (kernels) kernels.xor_const(dst.byteOffset, a.byteOffset, constant.byteOffset, n);
  else if (
    !viaScratch(
      dst.subarray(0, bytes),
      bytes,
      [a.subarray(0, bytes), constant.subarray(0, 16)],
      (k, [x, c], o) => k.xor_const(o.byteOffset, x.byteOffset, c.byteOffset, n),
    )
  )
    xorBlocksConstJs(dst, a, constant, n);
}

export function xorBlocksConstJs(dst: Uint8Array, a: Uint8Array, constant: Uint8Array, n: number): void {
  checkConst(n, dst, a, constant);
  const [k0, k1, k2, k3] = constantWords(constant);
  const d = words(dst, n);
  const x = words(a, n);
  if (d && x) {
    for (let i = 0; i < 4 * n; i += 4) {
      d[i] = x[i] ^ k0;
      d[i + 1] = x[i + 1] ^ k1;
      d[i + 2] = x[i + 2] ^ k2;
      d[i + 3] = x[i + 3] ^ k3;
    }
  } else {
    for (let o = 0; o < 16 * n; o += 16) xorBlockBytes(dst, a, o, k0, k1, k2, k3);
  }
}

/** dst[o…o+15] = a[o…o+15] ^ (k0, k1, k2, k3) byte by byte (unaligned views; stores keep the low 8 bits). */
function xorBlockBytes(
  dst: Uint8Array,
  a: Uint8Array,
  o: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): void {
  for (let i = 0; i < 4; i++) {
    const shift = 8 * i;
    dst[o + i] = a[o + i] ^ (k0 >>> shift);
    dst[o + 4 + i] = a[o + 4 + i] ^ (k1 >>> shift);
    dst[o + 8 + i] = a[o + 8 + i] ^ (k2 >>> shift);
    dst[o + 12 + i] = a[o + 12 + i] ^ (k3 >>> shift);
  }
}

/**
 * dst[k] = a[k] ^ (select[k] & 1 ? constant : 0), select one byte per block:
 * the x·Δ of free-XOR input encoding and of correlated OT. Neither constant
 * nor select may overlap dst.
 */
export function xorBlocksConstSelect(
  dst: Uint8Array,
  a: Uint8Array,
  constant: Uint8Array,
  select: Uint8Array,
  n: number,
): void {
  checkConst(n, dst, a, constant);
  checkSelect(n, dst, select);
  const kernels = wasmKernelsFor(dst, a, constant, select);
  if (kernels)
    kernels.xor_const_select(dst.byteOffset, a.byteOffset, constant.byteOffset, select.byteOffset, n);
  else xorBlocksConstSelectJs(dst, a, constant, select, n);
}

export function xorBlocksConstSelectJs(
  dst: Uint8Array,
  a: Uint8Array,
  constant: Uint8Array,
  select: Uint8Array,
  n: number,
): void {
  checkConst(n, dst, a, constant);
  checkSelect(n, dst, select);
  const [k0, k1, k2, k3] = constantWords(constant);
  const d = words(dst, n);
  const x = words(a, n);
  for (let j = 0; j < n; j++) {
    const mask = -(select[j] & 1);
    if (d && x) {
      const i = 4 * j;
      d[i] = x[i] ^ (k0 & mask);
      d[i + 1] = x[i + 1] ^ (k1 & mask);
      d[i + 2] = x[i + 2] ^ (k2 & mask);
      d[i + 3] = x[i + 3] ^ (k3 & mask);
    } else {
      xorBlockBytes(dst, a, 16 * j, k0 & mask, k1 & mask, k2 & mask, k3 & mask);
    }
  }
}

/**
 * dst[k] = a[k] ^ (bit & 1 ? b[k] : 0) for n 16-byte blocks, with no branch
 * on the bit: the same loads, stores and instructions either way (an
 * OT-extension sender's Δ_i·u^i, Δ being secret).
 */
export function xorBlocksMasked(dst: Uint8Array, a: Uint8Array, b: Uint8Array, bit: number, n: number): void {
  checkBlocks(n, dst, [a, 'a'], [b, 'b']);
  assertBit(bit);
  const kernels = wasmKernelsFor(dst, a, b);
  const bytes = 16 * n;
  if (kernels) kernels.xor_masked(dst.byteOffset, a.byteOffset, b.byteOffset, bit, n);
  else if (
    !viaScratch(dst.subarray(0, bytes), bytes, [a.subarray(0, bytes), b.subarray(0, bytes)], (k, [x, y], o) =>
      k.xor_masked(o.byteOffset, x.byteOffset, y.byteOffset, bit, n),
    )
  )
    xorBlocksMaskedJs(dst, a, b, bit, n);
}

export function xorBlocksMaskedJs(
  dst: Uint8Array,
  a: Uint8Array,
  b: Uint8Array,
  bit: number,
  n: number,
): void {
  checkBlocks(n, dst, [a, 'a'], [b, 'b']);
  assertBit(bit);
  const m = -(bit & 1);
  const d = words(dst, n);
  const x = words(a, n);
  const y = words(b, n);
  if (d && x && y) {
    for (let i = 0; i < 4 * n; i++) d[i] = x[i] ^ (y[i] & m);
  } else {
    for (let i = 0; i < 16 * n; i++) dst[i] = a[i] ^ (b[i] & m);
  }
}

/**
 * Two masked XOR sums of the same four sources, for n 16-byte blocks:
 * d0[k] = ⊕_j (bit j of masks ? s_j[k] : 0), d1[k] = ⊕_j (bit 4 + j of masks
 * ? s_j[k] : 0). Every source is read and both outputs written for every
 * block whatever the masks (the SoftSpoken sender's two columns per 2-bit
 * chunk of its secret Δ). Each output may be one of the sources (in place)
 * but must not partly overlap one, nor overlap the other output.
 */
export function xorBlocksMaskedPair(
  d0: Uint8Array,
  d1: Uint8Array,
  sources: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array],
  masks: number,
  n: number,
): void {
  checkMaskedPair(d0, d1, sources, masks, n);
  const [s0, s1, s2, s3] = sources;
  const kernels = wasmKernelsFor(d0, d1, s0, s1, s2, s3);
  if (kernels)
    kernels.xor_masked_pair(
      d0.byteOffset,
      d1.byteOffset,
      s0.byteOffset,
      s1.byteOffset,
      s2.byteOffset,
      s3.byteOffset,
      masks,
      n,
    );
  else xorBlocksMaskedPairJs(d0, d1, sources, masks, n);
}

export function xorBlocksMaskedPairJs(
  d0: Uint8Array,
  d1: Uint8Array,
  sources: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array],
  masks: number,
  n: number,
): void {
  checkMaskedPair(d0, d1, sources, masks, n);
  const m = Array.from({ length: 8 }, (_, i) => -((masks >>> i) & 1));
  const out0 = words(d0, n);
  const out1 = words(d1, n);
  const w = sources.map((s) => words(s, n));
  if (out0 && out1 && w.every((x) => x !== undefined)) {
    const [x0, x1, x2, x3] = w as Int32Array[];
    for (let i = 0; i < 4 * n; i++) {
      const v0 = x0[i];
      const v1 = x1[i];
      const v2 = x2[i];
      const v3 = x3[i];
      out0[i] = (v0 & m[0]) ^ (v1 & m[1]) ^ (v2 & m[2]) ^ (v3 & m[3]);
      out1[i] = (v0 & m[4]) ^ (v1 & m[5]) ^ (v2 & m[6]) ^ (v3 & m[7]);
    }
  } else {
    const [x0, x1, x2, x3] = sources;
    for (let i = 0; i < 16 * n; i++) {
      const v0 = x0[i];
      const v1 = x1[i];
      const v2 = x2[i];
      const v3 = x3[i];
      d0[i] = (v0 & m[0]) ^ (v1 & m[1]) ^ (v2 & m[2]) ^ (v3 & m[3]);
      d1[i] = (v0 & m[4]) ^ (v1 & m[5]) ^ (v2 & m[6]) ^ (v3 & m[7]);
    }
  }
}

function checkMaskedPair(
  d0: Uint8Array,
  d1: Uint8Array,
  sources: readonly Uint8Array[],
  masks: number,
  n: number,
): void {
  if (!Array.isArray(sources) || sources.length !== 4) {
    throw new InvalidArgument('sources must be four arrays', { field: 'sources' });
  }
  if (!Number.isInteger(masks) || masks < 0 || masks > 0xff) {
    throw new InvalidArgument('masks must be an integer in 0..255', { field: 'masks' });
  }
  const named = sources.map((s, j): [Uint8Array, string] => [s, `sources[${j}]`]);
  checkBlocks(n, d0, ...named);
  checkBlocks(n, d1, ...named);
  assertOutsideDestination(d0, 16 * n, d1, 16 * n, 'd1');
}

function assertBit(bit: number): void {
  if (bit !== 0 && bit !== 1) throw new InvalidArgument('bit must be 0 or 1', { field: 'bit' });
}

/**
 * dst[k] = src[k] ^ (counter + k), the 128-bit sum stored little-endian: the
 * tweak blocks of the TCCR hash. counter is taken modulo 2^128.
 */
export function xorBlocksCounter(dst: Uint8Array, src: Uint8Array, counter: bigint, n: number): void {
  checkBlocks(n, dst, [src, 'src']);
  const kernels = wasmKernelsFor(dst, src);
  if (!kernels) {
    const bytes = 16 * n;
    const done = viaScratch(dst.subarray(0, bytes), bytes, [src.subarray(0, bytes)], (k, [x], o) =>
      counterKernel(k, o, x, counter, n),
    );
    if (!done) xorBlocksCounterJs(dst, src, counter, n);
    return;
  }
  counterKernel(kernels, dst, src, counter, n);
}

function counterKernel(
  kernels: WasmKernelExports,
  dst: Uint8Array,
  src: Uint8Array,
  counter: bigint,
  n: number,
): void {
  const c = BigInt.asUintN(128, counter);
  const lo = c & MASK64;
  // The kernel increments the low 64 bits only: split the run where they wrap.
  const first = lo + BigInt(n) > TWO64 ? Number(TWO64 - lo) : n;
  kernels.xor_counter(dst.byteOffset, src.byteOffset, lo, c >> 64n, first);
  if (first < n) {
    const rest = BigInt.asUintN(128, c + BigInt(first));
    kernels.xor_counter(
      dst.byteOffset + 16 * first,
      src.byteOffset + 16 * first,
      rest & MASK64,
      rest >> 64n,
      n - first,
    );
  }
}

export function xorBlocksCounterJs(dst: Uint8Array, src: Uint8Array, counter: bigint, n: number): void {
  checkBlocks(n, dst, [src, 'src']);
  const c = BigInt.asUintN(128, counter);
  // The counter as four 32-bit words, incremented with carries.
  let w0 = Number(c & 0xffffffffn);
  let w1 = Number((c >> 32n) & 0xffffffffn);
  let w2 = Number((c >> 64n) & 0xffffffffn);
  let w3 = Number((c >> 96n) & 0xffffffffn);
  const d = words(dst, n);
  const s = words(src, n);
  for (let j = 0; j < n; j++) {
    if (d && s) {
      const i = 4 * j;
      d[i] = s[i] ^ w0;
      d[i + 1] = s[i + 1] ^ w1;
      d[i + 2] = s[i + 2] ^ w2;
      d[i + 3] = s[i + 3] ^ w3;
    } else {
      const o = 16 * j;
      for (let i = 0; i < 4; i++) {
        dst[o + i] = src[o + i] ^ (w0 >>> (8 * i));
        dst[o + 4 + i] = src[o + 4 + i] ^ (w1 >>> (8 * i));
        dst[o + 8 + i] = src[o + 8 + i] ^ (w2 >>> (8 * i));
        dst[o + 12 + i] = src[o + 12 + i] ^ (w3 >>> (8 * i));
      }
    }
    w0 = (w0 + 1) >>> 0;
    if (w0 === 0) {
      w1 = (w1 + 1) >>> 0;
      if (w1 === 0) {
        w2 = (w2 + 1) >>> 0;
        if (w2 === 0) w3 = (w3 + 1) >>> 0;
      }
    }
  }
}
