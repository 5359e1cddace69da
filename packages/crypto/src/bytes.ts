/** Byte helpers: constant-time comparison, concatenation, assertions. */
import { timingSafeEqual } from 'node:crypto';
import { InvalidArgument } from '@parley/interface';

/** Compares two byte strings in time independent of their contents (lengths may leak). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Asserts `x` is a Uint8Array (of `length` bytes when given), naming `what` in the error. */
export function assertBytes(x: unknown, length: number | undefined, what: string): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array)) throw new InvalidArgument(`${what}: expected bytes`, { field: what });
  if (length !== undefined && x.length !== length) {
    throw new InvalidArgument(`${what}: expected ${length} bytes, got ${x.length}`, { field: what });
  }
}
