/**
 * Bit packing: one byte per bit (each 0 or 1, e.g. OT choice bits) <-> a
 * packed bit string, bit k = bit (k & 7) of byte (k >> 3), least significant
 * first (the layout of the transpose and of Δ). WebAssembly SIMD kernel in
 * wasm/bits.wat (16 bits per i8x16.bitmask), plain-JS twin below; dispatch as
 * for the XOR loops (in place in an arena, else through the scratch arena
 * from 4 KiB, else JS).
 */
import { InvalidArgument, type ParleyError } from '@parley/interface';
import { assertCount, assertRoom, overlaps } from './_checks.js';
import { viaScratch } from './_scratch.js';
import { wasmKernelsFor } from './arena.js';

function checkPack(packed: Uint8Array, bits: Uint8Array, n: number, bitsName: string): void {
  assertCount(n, 'n');
  assertRoom(packed, Math.ceil(n / 8), 'packed');
  assertRoom(bits, n, bitsName);
  if (overlaps(packed, Math.ceil(n / 8), bits, n)) {
    throw new InvalidArgument('packed and bits overlap', { field: 'packed' });
  }
}

/**
 * Packs n bytes of `bits` (each 0 or 1) into ceil(n/8) bytes of `packed`
 * (unused high bits of the last byte are zero). Throws InvalidArgument, naming
 * the first offending index, when a byte is neither 0 nor 1.
 */
export function packBits(packed: Uint8Array, bits: Uint8Array, n: number): void {
  checkPack(packed, bits, n, 'bits');
  const whole = n - (n % 16);
  if (whole > 0) {
    const kernels = wasmKernelsFor(packed, bits);
    let ok = 1;
    let done = false;
    if (kernels) {
      ok = kernels.pack_bits(packed.byteOffset, bits.byteOffset, whole / 16);
      done = true;
    } else {
      done = viaScratch(packed.subarray(0, whole / 8), whole / 8, [bits.subarray(0, whole)], (k, [b], o) => {
        ok = k.pack_bits(o.byteOffset, b.byteOffset, whole / 16);
      });
    }
    if (done) {
      if (!ok) throw invalidBit(bits, whole);
      packTail(packed, bits, whole, n);
      return;
    }
  }
  packBitsJs(packed, bits, n);
}

export function packBitsJs(packed: Uint8Array, bits: Uint8Array, n: number): void {
  checkPack(packed, bits, n, 'bits');
  packTail(packed, bits, 0, n);
}

function packTail(packed: Uint8Array, bits: Uint8Array, from: number, n: number): void {
  let byte = 0;
  let bad = 0;
  for (let k = from; k < n; k++) {
    const b = bits[k];
    bad |= b;
    byte |= (b & 1) << (k & 7);
    if ((k & 7) === 7) {
      packed[k >>> 3] = byte;
      byte = 0;
    }
  }
  if (n % 8 !== 0 && n > from) packed[n >>> 3] = byte;
  if (bad > 1) throw invalidBit(bits, n);
}

function invalidBit(bits: Uint8Array, n: number): ParleyError {
  let index = 0;
  while (index < n && bits[index] <= 1) index++;
  return new InvalidArgument(`bits[${index}] = ${bits[index]}, expected 0 or 1`, { field: 'bits', index });
}

/** Unpacks n bits of `packed` into n bytes of `bits`, each 0 or 1. */
export function unpackBits(bits: Uint8Array, packed: Uint8Array, n: number): void {
  checkPack(packed, bits, n, 'bits');
  const whole = n - (n % 16);
  if (whole > 0) {
    const kernels = wasmKernelsFor(packed, bits);
    if (kernels) kernels.unpack_bits(bits.byteOffset, packed.byteOffset, whole / 16);
    const done =
      kernels !== undefined ||
      viaScratch(bits.subarray(0, whole), whole, [packed.subarray(0, whole / 8)], (k, [p], o) =>
        k.unpack_bits(o.byteOffset, p.byteOffset, whole / 16),
      );
    if (done) {
      unpackTail(bits, packed, whole, n);
      return;
    }
  }
  unpackBitsJs(bits, packed, n);
}

export function unpackBitsJs(bits: Uint8Array, packed: Uint8Array, n: number): void {
  checkPack(packed, bits, n, 'bits');
  unpackTail(bits, packed, 0, n);
}

function unpackTail(bits: Uint8Array, packed: Uint8Array, from: number, n: number): void {
  for (let k = from; k < n; k++) bits[k] = (packed[k >>> 3] >>> (k & 7)) & 1;
}
