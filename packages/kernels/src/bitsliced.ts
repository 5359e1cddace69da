/**
 * Bit-sliced boolean gates: 64 boolean values per 64-bit word (value i is bit
 * i & 63 of word i >> 6), so one word operation is 64 gates. XOR of shares is
 * free (local), AND is the gate that consumes a boolean Beaver triple; both
 * are also the reconstruction and the masking steps of boolean sharing.
 *
 * WebAssembly SIMD kernels in wasm/bitsliced.wat (v128.and / v128.xor) and
 * JS twins on 32-bit halves; dispatch as in ring64.ts (WebAssembly in place
 * when every array lies in one KernelArena, else the JS twin: for one
 * operation per word the copies through a scratch arena cost more than they
 * save).
 */
import { checkWords, halvesOf, kernelsInPlace } from './_words.js';

interface BitslicedExports {
  and64(out: number, a: number, b: number, n: number): void;
  xor64(out: number, a: number, b: number, n: number): void;
}

function inPlace(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): BitslicedExports | undefined {
  return kernelsInPlace<BitslicedExports>(out, [a, b]);
}

/** out[i] = a[i] & b[i]: 64 AND gates per word. */
export function and64(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  const kernels = inPlace(out, a, b);
  if (kernels) kernels.and64(out.byteOffset, a.byteOffset, b.byteOffset, n);
  else and64Js(out, a, b);
}

export function and64Js(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  const o = halvesOf(out);
  const x = halvesOf(a);
  const y = halvesOf(b);
  for (let i = 0; i < 2 * n; i++) o[i] = x[i] & y[i];
}

/** out[i] = a[i] ^ b[i]: 64 XOR gates per word. */
export function xor64(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  const kernels = inPlace(out, a, b);
  if (kernels) kernels.xor64(out.byteOffset, a.byteOffset, b.byteOffset, n);
  else xor64Js(out, a, b);
}

export function xor64Js(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  const o = halvesOf(out);
  const x = halvesOf(a);
  const y = halvesOf(b);
  for (let i = 0; i < 2 * n; i++) o[i] = x[i] ^ y[i];
}
