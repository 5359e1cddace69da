/**
 * Loads the WebAssembly SIMD kernels synchronously, once per process.
 *
 * The kernels are WebAssembly text in packages/kernels/wasm/*.wat, assembled
 * at build time into dist/wasm/*.wasm by scripts/build-wasm.mjs (wabt). This
 * module reads those files with `readFileSync` and compiles them with
 * `new WebAssembly.Module`, so callers need no asynchronous initialisation.
 * Running from source (the tests), a missing or stale .wasm (older than its
 * .wat) is assembled on the spot by running the build script in a child
 * process. Every module imports one `env.memory`, so one memory can be shared
 * by all kernels (see KernelArena).
 *
 * The JS twins are used instead when WebAssembly SIMD is unavailable (the
 * modules do not compile), when a .wasm cannot be found or built, or when the
 * environment variable PARLEY_KERNELS=js asks for them (benchmarks, tests).
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from '@parley/interface';

/** The exports of the kernel modules, addresses being byte offsets in the shared memory. */
export interface WasmKernelExports {
  transpose_bits(out: number, input: number, rows: number, cols: number, stride: number): void;
  xor_blocks(dst: number, a: number, b: number, n: number): void;
  xor3_blocks(dst: number, a: number, b: number, c: number, n: number): void;
  xor_const(dst: number, a: number, k: number, n: number): void;
  xor_const_select(dst: number, a: number, k: number, select: number, n: number): void;
  xor_counter(dst: number, src: number, lo: bigint, hi: bigint, n: number): void;
  xor_masked(dst: number, a: number, b: number, bit: number, n: number): void;
  xor_masked_pair(
    d0: number,
    d1: number,
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    masks: number,
    n: number,
  ): void;
  pack_bits(dst: number, src: number, groups: number): number;
  unpack_bits(dst: number, src: number, groups: number): void;
  hg_garble_gather(
    h: number,
    labels: number,
    delta: number,
    a: number,
    b: number,
    n: number,
    count: number,
  ): number;
  hg_evaluate_gather(h: number, labels: number, a: number, b: number, n: number, count: number): number;
  tccr_tweak(dst: number, src: number, count: number, lo: number, hi: number, shift: number): void;
  hg_garble_finish(
    table: number,
    labels: number,
    q: number,
    p: number,
    delta: number,
    a: number,
    b: number,
    out: number,
    n: number,
    count: number,
  ): number;
  hg_evaluate_finish(
    labels: number,
    q: number,
    p: number,
    table: number,
    a: number,
    b: number,
    out: number,
    n: number,
    count: number,
  ): number;
  hg_xor_gates(labels: number, a: number, b: number, out: number, n: number, count: number): number;
}

const KERNEL_FILES = ['transpose', 'xor', 'bits', 'garbling', 'ring64', 'bitsliced', 'ole'] as const;

/** The part of the WebAssembly JS API used here (the project's TS libs carry no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export type KernelBackend = 'wasm' | 'js';

interface Loaded {
  modules: object[];
  error?: undefined;
}
interface Failed {
  modules?: undefined;
  error: string;
}

function wasmUrl(name: string): URL {
  // The same relative path from src/ (tests) and from dist/ (built code).
  return new URL(`../dist/wasm/${name}.wasm`, import.meta.url);
}

function isStale(name: string): boolean {
  const wasm = fileURLToPath(wasmUrl(name));
  if (!existsSync(wasm)) return true;
  const wat = fileURLToPath(new URL(`../wasm/${name}.wat`, import.meta.url));
  // A published package has no .wat: its .wasm is what it ships.
  return existsSync(wat) && statSync(wat).mtimeMs > statSync(wasm).mtimeMs;
}

function assemble(): void {
  const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
  if (!existsSync(script))
    throw new InternalError('the .wasm kernels are missing and build-wasm.mjs is not present');
  execFileSync(process.execPath, [script, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function load(): Loaded | Failed {
  if (process.env.PARLEY_KERNELS === 'js') return { error: 'PARLEY_KERNELS=js' };
  if (!wasmApi) return { error: 'WebAssembly is not available' };
  try {
    if (KERNEL_FILES.some(isStale)) assemble();
    const modules = KERNEL_FILES.map((name) => new wasmApi.Module(readFileSync(wasmUrl(name))));
    return { modules };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

const loaded = load();

/** The backend the kernels use by default in this process, and why the JS twins are used if they are. */
export const wasmStatus: { readonly backend: KernelBackend; readonly reason?: string } = loaded.modules
  ? { backend: 'wasm' }
  : { backend: 'js', reason: loaded.error };

/**
 * A fixed-size memory of `pages` 64 KiB pages with the kernels instantiated
 * against it; undefined when WebAssembly SIMD is not in use.
 */
export function instantiateKernels(
  pages: number,
): { buffer: ArrayBuffer; kernels: WasmKernelExports } | undefined {
  if (!loaded.modules || !wasmApi) return undefined;
  const memory = new wasmApi.Memory({ initial: pages, maximum: pages });
  const merged: Record<string, unknown> = {};
  for (const module of loaded.modules) {
    const instance = new wasmApi.Instance(module, { env: { memory } });
    Object.assign(merged, instance.exports);
  }
  return { buffer: memory.buffer, kernels: merged as unknown as WasmKernelExports };
}
