/**
 * Bit-matrix transpose: the 128 x m transpose of IKNP OT extension (Ishai,
 * Kilian, Nissim, Petrank, CRYPTO 2003) and its general rows x cols form.
 *
 * Layout: a rows x cols bit matrix is rows rows of cols/8 bytes; bit k of a
 * row is bit (k & 7) of byte (k >> 3), least significant first. The output is
 * cols rows of rows/8 bytes.
 *
 * Two implementations compute the same function: the WebAssembly SIMD kernel
 * of wasm/transpose.wat (pmovmskb technique, see there) and the JS twin below
 * (8 x 8 tiles, the three delta swaps of Hacker's Delight transpose8).
 * `transposeBitMatrix` picks WebAssembly when the shape allows it
 * (rows % 16 == 0, cols % 128 == 0): in place when both views are in one
 * KernelArena, else through the scratch arena (the copies cost less than the
 * difference, see README), and the JS twin otherwise.
 */
import { InvalidArgument } from '@parley/interface';
import { assertRoom, overlaps } from './_checks.js';
import { viaScratch } from './_scratch.js';
import { wasmKernelsFor } from './arena.js';

function checkShape(out: Uint8Array, input: Uint8Array, rows: number, cols: number, stride: number): number {
  for (const [v, what] of [
    [rows, 'rows'],
    [cols, 'cols'],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v % 8 !== 0) {
      throw new InvalidArgument(`${what} must be a non-negative multiple of 8, got ${v}`, { field: what });
    }
  }
  if (!Number.isSafeInteger(stride) || stride < cols / 8) {
    throw new InvalidArgument(
      `inputStride must be an integer of at least cols/8 = ${cols / 8}, got ${stride}`,
      {
        field: 'inputStride',
      },
    );
  }
  const bytes = (rows * cols) / 8;
  const inputBytes = rows === 0 ? 0 : (rows - 1) * stride + cols / 8;
  assertRoom(input, inputBytes, 'input');
  assertRoom(out, bytes, 'out');
  if (overlaps(out, bytes, input, inputBytes)) {
    throw new InvalidArgument('out and input overlap', { field: 'out' });
  }
  return inputBytes;
}

/**
 * Transposes the rows x cols bit matrix `input` into `out` (cols rows of
 * rows/8 bytes). rows and cols are multiples of 8; input row r starts at byte
 * r·inputStride (default cols/8: rows back to back; see README for why IKNP
 * pads it); out and input do not overlap.
 */
export function transposeBitMatrix(
  out: Uint8Array,
  input: Uint8Array,
  rows: number,
  cols: number,
  inputStride = cols / 8,
): void {
  const inputBytes = checkShape(out, input, rows, cols, inputStride);
  const bytes = (rows * cols) / 8;
  if (bytes === 0) return;
  if (rows % 16 === 0 && cols % 128 === 0 && inputStride % 16 === 0) {
    const kernels = wasmKernelsFor(out, input);
    if (kernels) {
      kernels.transpose_bits(out.byteOffset, input.byteOffset, rows, cols, inputStride);
      return;
    }
    const done = viaScratch(out.subarray(0, bytes), bytes, [input.subarray(0, inputBytes)], (k, [x], o) =>
      k.transpose_bits(o.byteOffset, x.byteOffset, rows, cols, inputStride),
    );
    if (done) return;
  }
  transposeBitMatrixJs(out, input, rows, cols, inputStride);
}

/**
 * The 128 x m transpose of IKNP: 128 rows of m/8 bytes (each `inputStride`
 * bytes apart, default m/8) into m rows of 16 bytes; m a multiple of 8.
 */
export function transpose128(out: Uint8Array, input: Uint8Array, m: number, inputStride = m / 8): void {
  transposeBitMatrix(out, input, 128, m, inputStride);
}

/** The plain-JS twin of the WebAssembly kernel (same contract, any multiples of 8 and any stride). */
export function transposeBitMatrixJs(
  out: Uint8Array,
  input: Uint8Array,
  rows: number,
  cols: number,
  inputStride = cols / 8,
): void {
  checkShape(out, input, rows, cols, inputStride);
  const inRow = cols >>> 3;
  const stride = inputStride;
  const outRow = rows >>> 3;
  for (let r = 0; r < rows; r += 8) {
    const rowByte = r >>> 3;
    for (let cb = 0; cb < inRow; cb++) {
      // Rows r..r+3 of byte column cb in lo, rows r+4..r+7 in hi: row k is byte k of the 64-bit tile.
      let p = r * stride + cb;
      let lo = input[p];
      p += stride;
      lo |= input[p] << 8;
      p += stride;
      lo |= input[p] << 16;
      p += stride;
      lo |= input[p] << 24;
      p += stride;
      let hi = input[p];
      p += stride;
      hi |= input[p] << 8;
      p += stride;
      hi |= input[p] << 16;
      p += stride;
      hi |= input[p] << 24;
      // Transpose the 8 x 8 tile (bit 8k + b <-> bit 8b + k) with three delta swaps.
      let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
      lo ^= t ^ (t << 7);
      t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
      hi ^= t ^ (t << 7);
      t = (lo ^ (lo >>> 14)) & 0x0000cccc;
      lo ^= t ^ (t << 14);
      t = (hi ^ (hi >>> 14)) & 0x0000cccc;
      hi ^= t ^ (t << 14);
      t = (lo ^ ((lo >>> 28) | (hi << 4))) & 0xf0f0f0f0;
      lo ^= t;
      hi ^= t >>> 4;
      // Byte b of the tile is bits r..r+7 of output row 8*cb + b.
      let q = cb * 8 * outRow + rowByte;
      out[q] = lo;
      q += outRow;
      out[q] = lo >>> 8;
      q += outRow;
      out[q] = lo >>> 16;
      q += outRow;
      out[q] = lo >>> 24;
      q += outRow;
      out[q] = hi;
      q += outRow;
      out[q] = hi >>> 8;
      q += outRow;
      out[q] = hi >>> 16;
      q += outRow;
      out[q] = hi >>> 24;
    }
  }
}
