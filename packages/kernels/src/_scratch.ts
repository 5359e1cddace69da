/**
 * The scratch arena: WebAssembly kernels on arrays that are not in a
 * KernelArena, by copying the inputs in and the result out. The bench
 * (`kernels.*.wasm_copy_mb_per_s` against `kernels.*.js_mb_per_s`) shows the
 * copies plus the SIMD loop beat the JS twin from a few KiB up; below
 * MIN_SCRATCH_BYTES of data (inputs and output) the JS twin is used. One scratch arena per thread, grown
 * (replaced) on demand up to MAX_SCRATCH_BYTES. Every call zeroes the
 * regions it used before returning, so the arena keeps no copy of a secret.
 */

import type { WasmKernelExports } from './_wasm.js';
import { wasmStatus } from './_wasm.js';
import { inJsArena, KernelArena, wasmKernelsFor } from './arena.js';

export const MIN_SCRATCH_BYTES = 4096;
export const MAX_SCRATCH_BYTES = 64 << 20;

let scratch: KernelArena | undefined;
/** Bytes of `scratch` any call has used: what to wipe when it is replaced. */
let scratchUsed = 0;

/** The scratch arena, for tests that check it is wiped (not exported from the package index). */
export function scratchArenaForTests(): KernelArena | undefined {
  return scratch;
}

/** Zeroes the first `bytes` of `arena` (it is reset: no view of it may be in use). */
function wipe(arena: KernelArena, bytes: number): void {
  arena.reset();
  arena.alloc(bytes, false).fill(0);
  arena.reset();
}

/**
 * Runs `kernel` with copies of `inputs` in the scratch arena and copies the
 * `outBytes` it writes (at the returned view) into `out`. Returns false, doing
 * nothing, when the JS twin should be used instead. The copies are secrets
 * (shares, triples, OT matrices, Δ): the views used are zeroed before it
 * returns or throws, and a scratch arena is wiped before a larger one
 * replaces it.
 */
export function viaScratch(
  out: Uint8Array,
  outBytes: number,
  inputs: readonly Uint8Array[],
  kernel: (kernels: WasmKernelExports, inputs: Uint8Array[], out: Uint8Array) => void,
): boolean {
  if (wasmStatus.backend !== 'wasm' || inJsArena(out) || inputs.some(inJsArena)) return false;
  let total = outBytes + 64;
  for (const x of inputs) total += x.length + 64;
  if (total < MIN_SCRATCH_BYTES || total > MAX_SCRATCH_BYTES) return false;
  if (!scratch || scratch.size < total) {
    const grown = new KernelArena(Math.max(total, 1 << 20));
    if (scratch) wipe(scratch, scratchUsed);
    scratch = grown;
    scratchUsed = 0;
  }
  const arena = scratch;
  arena.reset();
  const copies: Uint8Array[] = [];
  let result: Uint8Array | undefined;
  try {
    for (const x of inputs) {
      const c = arena.alloc(x.length, false);
      c.set(x);
      copies.push(c);
    }
    result = arena.alloc(outBytes, false);
    const kernels = wasmKernelsFor(result);
    if (!kernels) return false;
    kernel(kernels, copies, result);
    out.set(result);
    return true;
  } finally {
    scratchUsed = Math.max(scratchUsed, arena.used);
    for (const c of copies) c.fill(0);
    result?.fill(0);
  }
}
