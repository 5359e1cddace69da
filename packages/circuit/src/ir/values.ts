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
 * integer, halves away from zero. A number is read as its decimal text
 * (`String(value)`, the shortest that gives the number back), so a number
 * and its decimal string give the same bits: a CSV cell and a JSON number
 * agree. On a fixed type a string may use exponent form (`1.5e-3`, exponent
 * of at most three digits). Integer types refuse fractions. Throws InvalidInput naming `what` when the value is not a
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
  // The number's decimal text is within half an ulp of it, so both round to
  // the same integer unless a half step lies within that distance: round the
  // number itself when it is at least two ulps from one, else its text.
  const abs = Math.abs(scaled);
  if (abs === 0 || (abs < 2 ** 52 && Math.abs((abs % 1) - 0.5) > 2 ** (Math.floor(Math.log2(abs)) - 51))) {
    const rounded = Math.round(abs);
    return BigInt(scaled < 0 ? -rounded : rounded);
  }
  return parseNumber(String(value), t, what);
}

/** A decimal `[-]digits[.digits][e±digits]` as a fraction num / den (den a power of ten), or undefined. */
function decimalFraction(text: string): { num: bigint; den: bigint } | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d{1,3}))?$/i.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign, ip, fp = '', exp = '0'] = m;
  const shift = Number(exp) - fp.length;
  let num = BigInt(ip + fp || '0');
  if (sign) num = -num;
  return shift >= 0 ? { num: num * 10n ** BigInt(shift), den: 1n } : { num, den: 10n ** BigInt(-shift) };
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
  const fraction = t.kind === 'fixed' ? decimalFraction(text) : undefined;
  if (fraction) {
    const { num, den } = fraction;
    const magnitude = num < 0n ? -num : num;
    // round half away from zero: floor(|x|·2^f + 1/2), then the sign
    const scaled = (magnitude * one * 2n + den) / (2n * den);
    return num < 0n ? -scaled : scaled;
  }
  throw new InvalidInput(
    // The text is not quoted: it is an input value, maybe a secret one, and errors reach logs and peers.
    `${what}: not a number (decimal, 0x hex${t.kind === 'fixed' ? ', decimal fraction or exponent form' : ''})`,
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
