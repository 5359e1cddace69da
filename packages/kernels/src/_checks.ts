/** Argument checks shared by the kernels: each names the argument at fault. */
import { InvalidArgument } from '@parley/interface';

export function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgument(`${what} must be a non-negative integer, got ${n}`, { field: what });
  }
}

/** Asserts `view` is a Uint8Array of at least `bytes` bytes. */
export function assertRoom(view: unknown, bytes: number, what: string): asserts view is Uint8Array {
  if (!(view instanceof Uint8Array))
    throw new InvalidArgument(`${what}: expected a Uint8Array`, { field: what });
  if (view.length < bytes) {
    throw new InvalidArgument(`${what}: needs ${bytes} bytes, has ${view.length}`, { field: what });
  }
}

/** True when the first `aBytes` of `a` and the first `bBytes` of `b` share memory. */
export function overlaps(a: ArrayBufferView, aBytes: number, b: ArrayBufferView, bBytes: number): boolean {
  if (a.buffer !== b.buffer || aBytes === 0 || bBytes === 0) return false;
  return a.byteOffset < b.byteOffset + bBytes && b.byteOffset < a.byteOffset + aBytes;
}

/** True when the views `a` and `b` share at least one byte (no view is made). */
export function viewsOverlap(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return overlaps(a, a.byteLength, b, b.byteLength);
}

/** Asserts `dst` is either exactly `src` (in place) or disjoint from it. */
export function assertInPlaceOrDisjoint(dst: Uint8Array, src: Uint8Array, bytes: number, what: string): void {
  if (dst.buffer === src.buffer && dst.byteOffset === src.byteOffset) return;
  if (overlaps(dst, bytes, src, bytes)) {
    throw new InvalidArgument(`${what} overlaps the destination without being the same range`, {
      field: what,
    });
  }
}

/**
 * Asserts the first `srcBytes` of `src` (an operand read while `dst` is
 * written, such as a constant loaded once) share no byte with the first
 * `dstBytes` of `dst`: no in-place exception.
 */
export function assertOutsideDestination(
  dst: ArrayBufferView,
  dstBytes: number,
  src: ArrayBufferView,
  srcBytes: number,
  what: string,
): void {
  if (overlaps(dst, dstBytes, src, srcBytes)) {
    throw new InvalidArgument(`${what} overlaps the destination`, { field: what });
  }
}

/** Asserts the views `src` and `dst` share no byte (whole views; see assertOutsideDestination). */
export function assertDisjoint(dst: ArrayBufferView, src: ArrayBufferView, what: string): void {
  assertOutsideDestination(dst, dst.byteLength, src, src.byteLength, what);
}
