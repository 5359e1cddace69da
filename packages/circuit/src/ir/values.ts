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
 * Encodes a user value (number, bigint, boolean, or a numeric string: decimal,
 * `0x` hex, or a decimal fraction for fixed types) as the bit pattern of type
 * `t`. Throws InvalidInput naming `what` when the value does not fit.
 */
export function encodeValue(value: unknown, t: ValueType, what: string): bigint {
  const w = widthOf(t);
  const f = fracOf(t);
  let n: bigint;
  if (typeof value === 'boolean') {
    n = value ? 1n : 0n;
  } else if (typeof value === 'bigint') {
    n = value * (1n << BigInt(f));
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidInput(`${what}: ${value} is not a finite number`, { field: what });
    if (t.kind === 'fixed') n = BigInt(Math.round(value * 2 ** f));
    else if (Number.isInteger(value)) n = BigInt(value);
    else throw new InvalidInput(`${what}: ${value} is not an integer`, { field: what });
  } else if (typeof value === 'string') {
    n = parseNumber(value, f, what);
  } else {
    throw new InvalidInput(`${what}: expected a number, got ${value === null ? 'null' : typeof value}`, {
      field: what,
    });
  }
  const lo = isSigned(t) ? -(1n << BigInt(w - 1)) : 0n;
  const hi = isSigned(t) ? (1n << BigInt(w - 1)) - 1n : maskOf(w);
  if (n < lo || n > hi) {
    const kind = isSigned(t) ? 'signed ' : '';
    throw new InvalidInput(`${what}: value does not fit in ${w} bits (${kind}range ${lo}..${hi})`, {
      field: what,
      width: w,
    });
  }
  return wrap(n, w);
}

function parseNumber(s: string, frac: number, what: string): bigint {
  const t = s.trim();
  if (/^-?0x[0-9a-f]+$/i.test(t)) {
    const neg = t.startsWith('-');
    const v = BigInt(neg ? t.slice(1) : t);
    return (neg ? -v : v) * (1n << BigInt(frac));
  }
  if (/^-?\d+$/.test(t)) return BigInt(t) * (1n << BigInt(frac));
  if (frac > 0 && /^-?\d*\.\d+$/.test(t)) {
    const neg = t.startsWith('-');
    const [ip, fp] = (neg ? t.slice(1) : t).split('.');
    const scale = 10n ** BigInt(fp.length);
    const num = BigInt(ip || '0') * scale + BigInt(fp);
    // round half away from zero
    const scaled = (num * (1n << BigInt(frac)) * 2n + scale) / (2n * scale);
    return neg ? -scaled : scaled;
  }
  throw new InvalidInput(
    `${what}: '${s}' is not a number (decimal, 0x hex${frac > 0 ? ' or decimal fraction' : ''})`,
    {
      field: what,
    },
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
