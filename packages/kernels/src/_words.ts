/**
 * Plumbing shared by the kernels on 64-bit words (ring64.ts, bitsliced.ts,
 * ole.ts): argument checks, arena-resident BigUint64Array views, the choice
 * between WebAssembly in place and the JS twin, and the 32-bit product
 * helpers of the JS twins (no BigInt per element).
 *
 * Words are stored little-endian, so a Uint32Array view of a BigUint64Array
 * holds word i as (low, high) = (w[2i], w[2i + 1]).
 */
import { InvalidArgument } from '@parley/interface';
import { assertCount } from './_checks.js';
import { viaScratch } from './_scratch.js';
import type { WasmKernelExports } from './_wasm.js';
import { type KernelArena, wasmKernelsOfBuffer } from './arena.js';

/** A BigUint64Array of n words (zero) in `arena`: kernels on such views run in WebAssembly without copies. */
export function allocWords(arena: KernelArena, n: number): BigUint64Array {
  assertCount(n, 'n');
  const bytes = arena.alloc(8 * n);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}

/** The bytes of `x` (a view, no copy). */
export function bytesOf(x: BigUint64Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** The 32-bit halves of `x` (a view, no copy): word i is (v[2i], v[2i + 1]). */
export function halvesOf(x: BigUint64Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);
}

function assertWords(x: unknown, what: string): asserts x is BigUint64Array {
  if (!(x instanceof BigUint64Array)) {
    throw new InvalidArgument(`${what}: expected a BigUint64Array`, { field: what });
  }
}

/**
 * Checks `out` and the operands: BigUint64Arrays of out's length, each either
 * exactly `out` (in place) or not overlapping it. Returns the length.
 */
export function checkWords(out: BigUint64Array, operands: readonly (readonly [unknown, string])[]): number {
  assertWords(out, 'out');
  const n = out.length;
  for (const [x, what] of operands) {
    assertWords(x, what);
    if (x.length !== n) {
      throw new InvalidArgument(`${what} has ${x.length} elements, out has ${n}`, { field: what });
    }
    if (x.buffer === out.buffer && x.byteOffset !== out.byteOffset && n > 0) {
      const a = out.byteOffset;
      const b = x.byteOffset;
      if (a < b + 8 * n && b < a + 8 * n) {
        throw new InvalidArgument(`${what} overlaps out without being the same range`, { field: what });
      }
    }
  }
  return n;
}

/** The WebAssembly kernels bound to out's memory when `out` and every operand lie in one WebAssembly arena. */
export function kernelsInPlace<T>(out: BigUint64Array, operands: readonly BigUint64Array[]): T | undefined {
  const kernels = wasmKernelsOfBuffer(out.buffer);
  if (!kernels) return undefined;
  for (const x of operands) if (x.buffer !== out.buffer) return undefined;
  return kernels as unknown as T;
}

/**
 * Runs a kernel on copies of the operands in the scratch arena and copies the
 * result into `out` (inputsIncludeOut: the first operand is `out`'s old value,
 * which the kernel reads). False, doing nothing, when the JS twin should run.
 */
export function wordsViaScratch<T>(
  out: BigUint64Array,
  operands: readonly BigUint64Array[],
  run: (kernels: T, out: number, operands: number[]) => void,
): boolean {
  const bytes = 8 * out.length;
  return viaScratch(
    bytesOf(out),
    bytes,
    operands.map(bytesOf),
    (kernels: WasmKernelExports, copies, result) =>
      run(
        kernels as unknown as T,
        result.byteOffset,
        copies.map((c) => c.byteOffset),
      ),
  );
}

/** The carry of the 32-bit sum x + y = s (mod 2^32), without a branch (Hacker's Delight 2-13). */
export function carryOut(x: number, y: number, s: number): number {
  return ((x & y) | ((x | y) & ~s)) >>> 31;
}

/** 1 when the 32-bit word x is non-zero, else 0, without a branch. */
export function nonZero32(x: number): number {
  return (x | -x) >>> 31;
}

/** The borrow of the 32-bit difference x − y = d (mod 2^32), without a branch. */
export function borrowOut(x: number, y: number, d: number): number {
  return ((~x & y) | (~(x ^ y) & d)) >>> 31;
}

/**
 * The JS twins' 64-bit product: (xl + 2^32·xh)·(yl + 2^32·yh) mod 2^64 from
 * 16-bit limbs, every partial product below 2^32 and every sum exact in a
 * double; stores into Uint32Array slots wrap mod 2^32. `mulInto` writes the
 * product to h[i], h[i + 1]; `mulAddInto` adds it there.
 */
export function mulInto(h: Uint32Array, i: number, xl: number, xh: number, yl: number, yh: number): void {
  const x0 = xl & 0xffff;
  const x1 = xl >>> 16;
  const y0 = yl & 0xffff;
  const y1 = yl >>> 16;
  const p00 = x0 * y0;
  const p01 = x0 * y1;
  const p10 = x1 * y0;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  h[i] = (middle << 16) | (p00 & 0xffff);
  h[i + 1] = x1 * y1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16) + Math.imul(xh, yl) + Math.imul(xl, yh);
}

export function mulAddInto(h: Uint32Array, i: number, xl: number, xh: number, yl: number, yh: number): void {
  const x0 = xl & 0xffff;
  const x1 = xl >>> 16;
  const y0 = yl & 0xffff;
  const y1 = yl >>> 16;
  const p00 = x0 * y0;
  const p01 = x0 * y1;
  const p10 = x1 * y0;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const prior = h[i];
  const product = ((middle << 16) | (p00 & 0xffff)) >>> 0;
  const low = (prior + product) >>> 0;
  h[i] = low;
  h[i + 1] +=
    x1 * y1 +
    (p01 >>> 16) +
    (p10 >>> 16) +
    (middle >>> 16) +
    Math.imul(xh, yl) +
    Math.imul(xl, yh) +
    carryOut(prior, product, low);
}
