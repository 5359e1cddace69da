/**
 * Suite `kernels`: each kernel of @parley/kernels in WebAssembly SIMD (views
 * of a KernelArena, the zero-copy path) and as its plain-JS twin (ordinary
 * Uint8Arrays), in MB/s of output, and their ratio `kernels.wasm_vs_js.NAME`.
 * `..._copy_mb_per_s` is the dispatching function on ordinary arrays, i.e.
 * WebAssembly through the scratch arena, copies in and out included: the
 * figure that decided to copy rather than run the JS twin for such arrays
 * (README of packages/kernels).
 */
import {
  KernelArena,
  packBits,
  packBitsJs,
  transposeBitMatrix,
  transposeBitMatrixJs,
  xorBlocks,
  xorBlocksConst,
  xorBlocksConstJs,
  xorBlocksCounter,
  xorBlocksCounterJs,
  xorBlocksJs,
} from '@parley/kernels';
import { type BenchContext, type BenchSuite, medianMs } from '../harness.js';

function fill(x: Uint8Array, seed: number): Uint8Array {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s >>> 24;
  }
  return x;
}

interface Pair {
  name: string;
  bytes: number;
  wasm: () => void;
  js: () => void;
  wasmWithCopies?: () => void;
}

async function measure(ctx: BenchContext, pair: Pair, iterations: number): Promise<void> {
  const mbPerS = (ms: number) => pair.bytes / 1e6 / (ms / 1000);
  const wasm = mbPerS(await medianMs(pair.wasm, iterations, 3));
  const js = mbPerS(await medianMs(pair.js, iterations, 3));
  ctx.record(`kernels.${pair.name}.wasm_mb_per_s`, 'MB/s', wasm, iterations);
  ctx.record(`kernels.${pair.name}.js_mb_per_s`, 'MB/s', js, iterations);
  ctx.record(`kernels.wasm_vs_js.${pair.name}`, 'x', wasm / js, iterations);
  if (pair.wasmWithCopies) {
    ctx.record(
      `kernels.${pair.name}.wasm_copy_mb_per_s`,
      'MB/s',
      mbPerS(await medianMs(pair.wasmWithCopies, iterations, 3)),
      iterations,
    );
  }
}

const suite: BenchSuite = {
  name: 'kernels',
  async run(ctx) {
    const iterations = ctx.quick ? 15 : 60;
    const arena = new KernelArena(64 << 20);
    if (arena.backend !== 'wasm') throw new Error('WebAssembly SIMD is not available: nothing to compare');

    // The IKNP shape: 128 x 2^17 bits (2 MiB) into 2^17 rows of 16 bytes.
    const m = 1 << 17;
    const matrix = 16 * m;
    const tIn = fill(arena.alloc(matrix), 1);
    const tOut = arena.alloc(matrix);
    const pIn = tIn.slice();
    const pOut = new Uint8Array(matrix);
    await measure(
      ctx,
      {
        name: 'transpose',
        bytes: matrix,
        wasm: () => transposeBitMatrix(tOut, tIn, 128, m),
        js: () => transposeBitMatrixJs(pOut, pIn, 128, m),
        wasmWithCopies: () => transposeBitMatrix(pOut, pIn, 128, m),
      },
      iterations,
    );

    // The same with each input row one cache line longer, as IKNP lays out its matrices.
    const stride = m / 8 + 64;
    const padded = fill(arena.alloc(128 * stride), 5);
    const paddedMs = await medianMs(() => transposeBitMatrix(tOut, padded, 128, m, stride), iterations, 3);
    ctx.record(
      'kernels.transpose.wasm_stride_pad64_mb_per_s',
      'MB/s',
      matrix / 1e6 / (paddedMs / 1000),
      iterations,
    );

    // Label XOR loops over 2^16 blocks (1 MiB).
    const n = 1 << 16;
    const a = fill(arena.alloc(16 * n), 2);
    const b = fill(arena.alloc(16 * n), 3);
    const d = arena.alloc(16 * n);
    const k = fill(arena.alloc(16), 4);
    const pa = a.slice();
    const pb = b.slice();
    const pd = new Uint8Array(16 * n);
    const pk = k.slice();
    await measure(
      ctx,
      {
        name: 'xor_blocks',
        bytes: 16 * n,
        wasm: () => xorBlocks(d, a, b, n),
        js: () => xorBlocksJs(pd, pa, pb, n),
        wasmWithCopies: () => xorBlocks(pd, pa, pb, n),
      },
      iterations,
    );
    await measure(
      ctx,
      {
        name: 'xor_const',
        bytes: 16 * n,
        wasm: () => xorBlocksConst(d, a, k, n),
        js: () => xorBlocksConstJs(pd, pa, pk, n),
        wasmWithCopies: () => xorBlocksConst(pd, pa, pk, n),
      },
      iterations,
    );
    await measure(
      ctx,
      {
        name: 'xor_counter',
        bytes: 16 * n,
        wasm: () => xorBlocksCounter(d, a, 1n << 64n, n),
        js: () => xorBlocksCounterJs(pd, pa, 1n << 64n, n),
        wasmWithCopies: () => xorBlocksCounter(pd, pa, 1n << 64n, n),
      },
      iterations,
    );

    // Choice bits: 2^20 bytes (0/1) into 2^17 bytes.
    const bits = arena.alloc(1 << 20);
    for (let i = 0; i < bits.length; i++) bits[i] = (i * 2654435761) >>> 31;
    const packed = arena.alloc(1 << 17);
    const pBits = bits.slice();
    const pPacked = new Uint8Array(1 << 17);
    await measure(
      ctx,
      {
        name: 'pack_bits',
        bytes: 1 << 20,
        wasm: () => packBits(packed, bits, 1 << 20),
        js: () => packBitsJs(pPacked, pBits, 1 << 20),
        wasmWithCopies: () => packBits(pPacked, pBits, 1 << 20),
      },
      iterations,
    );
  },
};
export default suite;
