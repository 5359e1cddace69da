import type { BenchContext } from '../harness.js';

/** Online multiplications, comparisons and sigmoids in each mode. */
export async function runOnlineBench(_ctx: BenchContext): Promise<void> {}
