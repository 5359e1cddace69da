/**
 * KernelArena: a fixed-size block of memory that the WebAssembly kernels can
 * work on in place. Buffers allocated from an arena are Uint8Array views of
 * one WebAssembly.Memory; a kernel called with views of the same arena runs in
 * WebAssembly SIMD on their byte offsets, with no copy. Views of ordinary
 * memory run the JS twin (or, for the transpose, are copied through a scratch
 * arena, which measured faster; see README).
 *
 * The memory never grows (growing would detach every view), so an arena is
 * sized once for its owner's largest batch: an OT session allocates its
 * matrices and scratch at construction and reuses them for every chunk.
 * Allocation is a bump pointer; `reset()` frees everything at once.
 */
import { InvalidArgument, LimitExceeded } from '@parley/interface';
import { instantiateKernels, type KernelBackend, type WasmKernelExports, wasmStatus } from './_wasm.js';

/** Largest arena: 1 GiB (WebAssembly 32-bit addressing allows 4 GiB; Parley's batches need far less). */
export const MAX_ARENA_BYTES = 1 << 30;
const PAGE = 65536;
const ALIGN = 64;

const registry = new WeakMap<ArrayBufferLike, WasmKernelExports>();
const jsArenas = new WeakSet<ArrayBufferLike>();

export interface KernelArenaOptions {
  /** 'js' forces the JS twins for this arena (tests, benchmarks); default: WebAssembly when available. */
  backend?: KernelBackend;
}

export class KernelArena {
  readonly size: number;
  readonly backend: KernelBackend;
  private readonly heap: Uint8Array;
  private top = 0;

  constructor(bytes: number, options: KernelArenaOptions = {}) {
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > MAX_ARENA_BYTES) {
      throw new InvalidArgument(`arena size must be 1..${MAX_ARENA_BYTES} bytes, got ${bytes}`, {
        field: 'bytes',
      });
    }
    const pages = Math.ceil(bytes / PAGE);
    this.size = pages * PAGE;
    const wanted = options.backend ?? wasmStatus.backend;
    let kernels: WasmKernelExports | undefined;
    let heap: Uint8Array | undefined;
    if (wanted === 'wasm') {
      const instance = instantiateKernels(pages);
      if (instance) {
        kernels = instance.kernels;
        heap = new Uint8Array(instance.buffer);
        registry.set(instance.buffer, kernels);
      }
    }
    if (!heap) {
      heap = new Uint8Array(this.size);
      jsArenas.add(heap.buffer);
    }
    this.heap = heap;
    this.backend = kernels ? 'wasm' : 'js';
  }

  /**
   * A view of `bytes` bytes, 64-byte aligned, zero-filled unless `zero` is
   * false (for scratch the caller overwrites). Throws LimitExceeded when the
   * arena is full.
   */
  alloc(bytes: number, zero = true): Uint8Array {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new InvalidArgument(`allocation size must be a non-negative integer, got ${bytes}`, {
        field: 'bytes',
      });
    }
    const start = this.top;
    const end = start + bytes;
    if (end > this.size) {
      throw new LimitExceeded(`kernel arena of ${this.size} bytes cannot hold ${bytes} more bytes`, {
        field: 'bytes',
      });
    }
    this.top = Math.ceil(end / ALIGN) * ALIGN;
    const view = this.heap.subarray(start, end);
    if (zero) view.fill(0);
    return view;
  }

  /** Bytes allocated so far (including alignment). */
  get used(): number {
    return this.top;
  }

  /** Frees every allocation; views handed out before must no longer be used. */
  reset(): void {
    this.top = 0;
  }

  /** True when `view` lies in this arena's memory. */
  owns(view: Uint8Array): boolean {
    return view.buffer === this.heap.buffer;
  }
}

/** The WebAssembly kernels bound to the memory of `first` when every view lies in that one arena. */
export function wasmKernelsFor(first: Uint8Array, ...others: Uint8Array[]): WasmKernelExports | undefined {
  const buffer = first.buffer;
  const kernels = registry.get(buffer);
  if (!kernels) return undefined;
  for (const v of others) if (v.buffer !== buffer) return undefined;
  return kernels;
}

/** The WebAssembly kernels bound to `buffer` when it is the memory of a WebAssembly arena (no allocation). */
export function wasmKernelsOfBuffer(buffer: ArrayBufferLike): WasmKernelExports | undefined {
  return registry.get(buffer);
}

/** True when `view` lies in an arena that runs the JS twins (created with backend 'js' or without SIMD). */
export function inJsArena(view: Uint8Array): boolean {
  return jsArenas.has(view.buffer);
}
