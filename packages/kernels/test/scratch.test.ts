/**
 * The scratch arena (src/_scratch.ts) copies ordinary arrays of 4 KiB and
 * more into WebAssembly memory: shares, triples, OT matrices, Δ. After each
 * call it must hold no copy of them (nor of the result), and a scratch arena
 * replaced by a larger one is wiped first.
 */
import { describe, expect, it } from 'vitest';
import { scratchArenaForTests } from '../src/_scratch.js';
import {
  beaverMul64,
  beaverMul64Js,
  mul64,
  mul64Js,
  transpose128,
  transposeBitMatrixJs,
  wasmStatus,
  xorBlocksConst,
  xorBlocksConstJs,
} from '../src/index.js';
import { firstDifference, seededRandom } from './_helpers.js';

const random = seededRandom('scratch.test');

/** `n` words repeating one recognisable random 8-byte pattern. */
function marked(n: number): BigUint64Array {
  const out = new BigUint64Array(n);
  out.fill(new BigUint64Array(random(8).buffer)[0] | 1n);
  return out;
}

/** The whole scratch memory (the arena is reset by every scratch call, so taking it all is harmless). */
function scratchMemory(): Uint8Array {
  const arena = scratchArenaForTests();
  if (!arena) throw new Error('no scratch arena: the call did not go through scratch');
  arena.reset();
  const memory = arena.alloc(arena.size, false);
  arena.reset(); // used = 0 until the next call through scratch
  return memory;
}

/** The scratch arena was used by the last call and now holds only zeros. */
function expectWiped(): void {
  const arena = scratchArenaForTests();
  expect(arena?.used ?? 0).toBeGreaterThan(0);
  const memory = scratchMemory();
  expect(firstDifference(memory, new Uint8Array(memory.length))).toBe(-1);
}

describe('scratch arena keeps no copies of the operands', () => {
  it('runs WebAssembly in this environment', () => {
    expect(wasmStatus.backend).toBe('wasm');
  });

  it('mul64 and beaverMul64 on ordinary arrays: right results, scratch wiped', () => {
    const n = 1000;
    const x = marked(n);
    const y = marked(n);
    const out = new BigUint64Array(n);
    mul64(out, x, y);
    const js = new BigUint64Array(n);
    mul64Js(js, x, y);
    expect(out).toEqual(js);
    expectWiped();

    const [a, b, c, d, e] = [marked(n), marked(n), marked(n), marked(n), marked(n)];
    beaverMul64(out, a, b, c, d, e, true);
    beaverMul64Js(js, a, b, c, d, e, true);
    expect(out).toEqual(js);
    expectWiped();
  });

  it('xorBlocksConst (Δ) and transpose128 (an OT matrix) on ordinary arrays: scratch wiped', () => {
    const n = 1000;
    const delta = random(16);
    const labels = random(16 * n);
    const dst = new Uint8Array(16 * n);
    xorBlocksConst(dst, labels, delta, n);
    const js = new Uint8Array(16 * n);
    xorBlocksConstJs(js, labels, delta, n);
    expect(firstDifference(dst, js)).toBe(-1);
    expectWiped();

    const m = 512;
    const columns = random(16 * m);
    const rows = new Uint8Array(16 * m);
    transpose128(rows, columns, m);
    const rowsJs = new Uint8Array(16 * m);
    transposeBitMatrixJs(rowsJs, columns, 128, m);
    expect(firstDifference(rows, rowsJs)).toBe(-1);
    expectWiped();
  });

  it('wipes the old scratch arena when a larger call replaces it', () => {
    const small = marked(1000);
    mul64(new BigUint64Array(1000), small, small);
    const before = scratchArenaForTests();
    expect(before).toBeDefined();
    const oldMemory = scratchMemory();
    // Stale bytes where the last call worked (as a call that did not wipe would leave them).
    oldMemory.subarray(0, 4096).fill(0xa5);
    // Over 1 MiB of operands: a new, larger scratch arena.
    const n = 1 << 16;
    const x = marked(n);
    const out = new BigUint64Array(n);
    mul64(out, x, x);
    expect(scratchArenaForTests()).not.toBe(before);
    expect(firstDifference(oldMemory, new Uint8Array(oldMemory.length))).toBe(-1);
    expectWiped();
  });
});
