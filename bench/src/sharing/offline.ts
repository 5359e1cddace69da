import type { BenchContext } from '../harness.js';

/** Triples per second (2 parties) and the kernels' WebAssembly-vs-JS ratios. */
export async function runOfflineBench(_ctx: BenchContext): Promise<void> {}
