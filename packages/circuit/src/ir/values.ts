/**
 * Plain values of IR types: masking to a width, signed reading, fixed-point
 * conversion, and parsing of user-supplied numbers. A column of a vector is a
 * `Column`: a BigUint64Array for widths up to 64, a bigint array above.
 */
import { InvalidInput } from '@parley/interface';
import { fracOf, isSigned, type ValueType, widthOf } from './types.js';

/** A vector of values, each the unsigned bit pattern of its type. */
export interface Column {
  readonly length: number;
  [index: number]: bigint;
}

export function newColumn(width: number, length: number): Column {
  return width <= 64 ? new BigUint64Array(length) : new Array<bigint>(length).fill(0n);
}

export function maskOf(width: number): bigint {
  return (1n << BigInt(width)) - 1n;
}

/** The bit pattern of `v` (any integer) reduced mod 2^width. */
export function wrap(v: bigint, width: number): bigint {
  return BigInt.asUintN(width, v);
}

/** Reads a bit pattern of type `t` as an integer (signed for int and fixed). */
export function toSignedIfNeeded(v: bigint, t: ValueType): bigint {
  const w = widthOf(t);
  return isSigned(t) ? BigInt.asIntN(w, v) : v;
}

/**
 * Encodes a user value as the bit pattern of type `t`: a number, a bigint, a
 * boolean (1 or 0), or a numeric string (decimal, `0x` hex, or on a fixed type
 * a decimal fraction). On fixed(k, f) every value is a real number: it is
 * scaled by 2^f (a boolean too: true is 1.0) and rounded to the nearest
 * integer, halves away from zero, the same for a number and for its decimal
 * string, so a CSV cell and a JSON number give the same bits. Integer types
 * refuse fractions. Throws InvalidInput naming `what` when the value is not a
 * number or does not fit.
 */
export function encodeValue(value: unknown, t: ValueType, what: string): bigint {
  const w = widthOf(t);
  const lo = isSigned(t) ? -(1n << BigInt(w - 1)) : 0n;
  const hi = isSigned(t) ? (1n << BigInt(w - 1)) - 1n : maskOf(w);
  const n = scaledInteger(value, t, what);
  if (n === undefined || n < lo || n > hi) {
    const kind = isSigned(t) ? 'signed ' : '';
    throw new InvalidInput(`${what}: value does not fit in ${w} bits (${kind}range ${lo}..${hi})`, {
      field: what,
      width: w,
    });
  }
  return wrap(n, w);
}

/** `value` × 2^f rounded (halves away from zero); undefined when it is too large for any type. */
function scaledInteger(value: unknown, t: ValueType, what: string): bigint | undefined {
  const f = fracOf(t);
  const one = 1n << BigInt(f);
  if (typeof value === 'boolean') return value ? one : 0n;
  if (typeof value === 'bigint') return value * one;
  if (typeof value === 'string') return parseNumber(value, t, what);
  if (typeof value !== 'number') {
    throw new InvalidInput(`${what}: expected a number, got ${value === null ? 'null' : typeof value}`, {
      field: what,
    });
  }
  if (!Number.isFinite(value)) throw new InvalidInput(`${what}: not a finite number`, { field: what });
  if (t.kind !== 'fixed' && !Number.isInteger(value))
    throw new InvalidInput(`${what}: not an integer`, { field: what });
  // Scaling by a power of two is exact unless it overflows to Infinity.
  const scaled = value * 2 ** f;
  if (!Number.isFinite(scaled)) return undefined;
  const rounded = Math.round(Math.abs(scaled));
  return BigInt(scaled < 0 ? -rounded : rounded);
}

function parseNumber(s: string, t: ValueType, what: string): bigint {
  const text = s.trim();
  const one = 1n << BigInt(fracOf(t));
  if (/^-?0x[0-9a-f]+$/i.test(text)) {
    const neg = text.startsWith('-');
    const v = BigInt(neg ? text.slice(1) : text);
    return (neg ? -v : v) * one;
  }
  if (/^-?\d+$/.test(text)) return BigInt(text) * one;
  if (t.kind === 'fixed' && /^-?\d*\.\d+$/.test(text)) {
    const neg = text.startsWith('-');
    const [ip, fp] = (neg ? text.slice(1) : text).split('.');
    const scale = 10n ** BigInt(fp.length);
    const num = BigInt(ip || '0') * scale + BigInt(fp);
    // round half away from zero: floor(|x|·2^f + 1/2), then the sign
    const scaled = (num * one * 2n + scale) / (2n * scale);
    return neg ? -scaled : scaled;
  }
  throw new InvalidInput(
    // The text is not quoted: it is an input value, maybe a secret one, and errors reach logs and peers.
    `${what}: not a number (decimal, 0x hex${t.kind === 'fixed' ? ' or decimal fraction' : ''})`,
    { field: what },
  );
}

/** Decodes a bit pattern of type `t` for a person or a program: bigint, or number for fixed types. */
export function decodeValue(v: bigint, t: ValueType): bigint | number {
  if (t.kind === 'fixed') return Number(BigInt.asIntN(t.bits, v)) / 2 ** t.frac;
  return toSignedIfNeeded(v, t);
}

/** Formats a bit pattern for display: decimal up to 64 bits (signed where the type is), 0x hex above. */
export function formatValue(v: bigint, t: ValueType): string {
  const w = widthOf(t);
  if (t.kind === 'fixed') return String(decodeValue(v, t));
  if (w > 64) return `0x${v.toString(16).padStart(Math.ceil(w / 4), '0')}`;
  return toSignedIfNeeded(v, t).toString();
}
