/**
 * The scratch arena: WebAssembly kernels on arrays that are not in a
 * KernelArena, by copying the inputs in and the result out. The bench
 * (`kernels.*.wasm_copy_mb_per_s` against `kernels.*.js_mb_per_s`) shows the
 * copies plus the SIMD loop beat the JS twin from a few KiB up; below
 * MIN_SCRATCH_BYTES of data (inputs and output) the JS twin is used. One scratch arena per thread, grown
 * (replaced) on demand up to MAX_SCRATCH_BYTES.
 */

import type { WasmKernelExports } from './_wasm.js';
import { wasmStatus } from './_wasm.js';
import { inJsArena, KernelArena, wasmKernelsFor } from './arena.js';

export const MIN_SCRATCH_BYTES = 4096;
export const MAX_SCRATCH_BYTES = 64 << 20;

let scratch: KernelArena | undefined;

/**
 * Runs `kernel` with copies of `inputs` in the scratch arena and copies the
 * `outBytes` it writes (at the returned view) into `out`. Returns false, doing
 * nothing, when the JS twin should be used instead.
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
  if (!scratch || scratch.size < total) scratch = new KernelArena(Math.max(total, 1 << 20));
  scratch.reset();
  const copies = inputs.map((x) => {
    const c = scratch!.alloc(x.length, false);
    c.set(x);
    return c;
  });
  const result = scratch.alloc(outBytes, false);
  const kernels = wasmKernelsFor(result);
  if (!kernels) return false;
  kernel(kernels, copies, result);
  out.set(result);
  return true;
}
