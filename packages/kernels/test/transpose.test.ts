import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  KernelArena,
  transpose128,
  transposeBitMatrix,
  transposeBitMatrixJs,
  wasmStatus,
} from '../src/index.js';
import { firstDifference, seededRandom } from './_helpers.js';

const random = seededRandom('transpose.test');

/** The definition, bit by bit. */
function reference(input: Uint8Array, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array((rows * cols) / 8);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const bit = (input[(r * cols) / 8 + (c >> 3)] >> (c & 7)) & 1;
      out[(c * rows) / 8 + (r >> 3)] |= bit << (r & 7);
    }
  }
  return out;
}

describe('transpose', () => {
  it('runs WebAssembly SIMD in this environment (else the comparisons below would be JS against JS)', () => {
    expect(wasmStatus.backend).toBe('wasm');
    expect(new KernelArena(1 << 16).backend).toBe('wasm');
  });

  it('a single set bit at (r, c) moves to (c, r), in both implementations', () => {
    const arena = new KernelArena(1 << 20);
    const input = arena.alloc(16 * 256);
    const out = arena.alloc(16 * 256);
    for (const [r, c] of [
      [0, 0],
      [0, 255],
      [127, 0],
      [5, 130],
      [127, 255],
    ]) {
      input.fill(0);
      input[r * 32 + (c >> 3)] = 1 << (c & 7);
      transpose128(out, input, 256);
      const js = new Uint8Array(out.length);
      transposeBitMatrixJs(js, input, 128, 256);
      const expected = new Uint8Array(out.length);
      expected[c * 16 + (r >> 3)] = 1 << (r & 7);
      expect(out).toEqual(expected);
      expect(js).toEqual(expected);
    }
  });

  it('the JS twin matches the definition on every shape that is a multiple of 8', () => {
    for (const [rows, cols] of [
      [8, 8],
      [24, 40],
      [128, 128],
      [16, 136],
      [72, 8],
    ]) {
      const input = random((rows * cols) / 8);
      const out = new Uint8Array(input.length);
      transposeBitMatrixJs(out, input, rows, cols);
      expect(out).toEqual(reference(input, rows, cols));
    }
  });

  it('WebAssembly (in an arena) matches the definition and the JS twin on random matrices', () => {
    const arena = new KernelArena(8 << 20);
    for (const [rows, cols] of [
      [16, 128],
      [128, 128],
      [128, 256],
      [32, 384],
      [144, 1024],
      [128, 128 * 37],
      [128, 65536],
      [256, 1280],
    ]) {
      arena.reset();
      const bytes = (rows * cols) / 8;
      const input = arena.alloc(bytes);
      input.set(random(bytes));
      const out = arena.alloc(bytes);
      transposeBitMatrix(out, input, rows, cols);
      const js = new Uint8Array(bytes);
      transposeBitMatrixJs(js, input, rows, cols);
      expect(firstDifference(out, js)).toBe(-1);
      if (bytes <= 1 << 14) expect(firstDifference(out, reference(input, rows, cols))).toBe(-1);
      // Transposing back gives the input again.
      const back = arena.alloc(bytes);
      transposeBitMatrix(back, out, cols, rows);
      expect(firstDifference(back, input)).toBe(-1);
    }
  });

  it('a padded input stride gives the same result in both implementations', () => {
    const arena = new KernelArena(4 << 20);
    for (const [rows, cols, pad] of [
      [128, 1024, 16],
      [128, 131072 / 8, 48],
      [32, 256, 160],
    ]) {
      arena.reset();
      const bytes = (rows * cols) / 8;
      const dense = random(bytes);
      const stride = cols / 8 + pad;
      const padded = arena.alloc(rows * stride);
      padded.set(random(padded.length));
      for (let r = 0; r < rows; r++)
        padded.set(dense.subarray((r * cols) / 8, ((r + 1) * cols) / 8), r * stride);
      const expected = new Uint8Array(bytes);
      transposeBitMatrixJs(expected, dense, rows, cols);
      const out = arena.alloc(bytes);
      transposeBitMatrix(out, padded, rows, cols, stride);
      expect(firstDifference(out, expected)).toBe(-1);
      const js = new Uint8Array(bytes);
      transposeBitMatrixJs(js, padded, rows, cols, stride);
      expect(firstDifference(js, expected)).toBe(-1);
    }
    expect(() => transpose128(new Uint8Array(4096), new Uint8Array(4096), 256, 16)).toThrow(/inputStride/);
  });

  it('arrays outside an arena give the same result (copied through the scratch arena)', () => {
    for (const m of [128, 1024, 128 * 129]) {
      const input = random(16 * m);
      const out = new Uint8Array(16 * m);
      transpose128(out, input, m);
      const js = new Uint8Array(16 * m);
      transposeBitMatrixJs(js, input, 128, m);
      expect(firstDifference(out, js)).toBe(-1);
    }
  });

  it('a JS arena runs the JS twin and gives the same result', () => {
    const arena = new KernelArena(1 << 20, { backend: 'js' });
    expect(arena.backend).toBe('js');
    const input = arena.alloc(16 * 512);
    input.set(random(input.length));
    const out = arena.alloc(16 * 512);
    transpose128(out, input, 512);
    expect(out).toEqual(reference(input, 128, 512));
  });

  it('rejects shapes that are not multiples of 8, short buffers and overlapping buffers', () => {
    const buf = new Uint8Array(4096);
    const cases: [() => void, string][] = [
      [() => transposeBitMatrix(buf, new Uint8Array(4096), 12, 128), 'rows'],
      [() => transposeBitMatrix(buf, new Uint8Array(4096), 128, 100), 'cols'],
      [() => transpose128(buf.subarray(0, 100), new Uint8Array(4096), 256), 'out'],
      [() => transpose128(new Uint8Array(4096), buf.subarray(0, 100), 256), 'input'],
      [() => transpose128(buf.subarray(0, 2048), buf.subarray(1024, 3072), 128), 'out'],
    ];
    for (const [f, field] of cases) {
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as { details: { field: string } }).details.field).toBe(field);
    }
  });
});
