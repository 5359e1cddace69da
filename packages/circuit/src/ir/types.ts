/**
 * Value types of the IR: `bit`, `uint(k)`, `int(k)` (two's complement) and
 * `fixed(k, f)` (two's complement with f fractional bits). A value of type
 * t is stored as an unsigned integer of `width(t)` bits (its two's-complement
 * bit pattern); `int` and `fixed` read the top bit as the sign.
 */
import { InvalidArgument } from '@parley/interface';

/** Largest width of an arithmetic type (`int`, `fixed`). */
export const MAX_ARITHMETIC_BITS = 64;
/** Largest width of `uint`: wide unsigned values carry Bristol groups (AES blocks, hashes). */
export const MAX_UINT_BITS = 4096;

export type ValueType =
  | { readonly kind: 'bit' }
  | { readonly kind: 'uint'; readonly bits: number }
  | { readonly kind: 'int'; readonly bits: number }
  | { readonly kind: 'fixed'; readonly bits: number; readonly frac: number };

export type Visibility = 'secret' | 'public';

export const bit: ValueType = Object.freeze({ kind: 'bit' });

export function uint(bits: number): ValueType {
  checkBits(bits, MAX_UINT_BITS, 'uint');
  return Object.freeze({ kind: 'uint', bits });
}

export function int(bits: number): ValueType {
  checkBits(bits, MAX_ARITHMETIC_BITS, 'int');
  return Object.freeze({ kind: 'int', bits });
}

export function fixed(bits: number, frac: number): ValueType {
  checkBits(bits, MAX_ARITHMETIC_BITS, 'fixed');
  if (!Number.isInteger(frac) || frac < 0 || frac >= bits) {
    throw new InvalidArgument(
      `fixed(${bits}, ${frac}): fractional bits must be an integer in 0..${bits - 1}`,
      {
        field: 'frac',
      },
    );
  }
  return Object.freeze({ kind: 'fixed', bits, frac });
}

function checkBits(bits: number, max: number, what: string): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > max) {
    throw new InvalidArgument(`${what}(${bits}): width must be an integer in 1..${max}`, { field: 'bits' });
  }
}

/**
 * `t` as a ValueType, checked: a type's text (`parseType`), or an object of
 * one of the four kinds whose widths the constructors above accept. A user's
 * hand-made object (`{ kind: 'uint', bits: 0 }`, `fixed(8, 20)`) is refused
 * here, naming `what`, instead of failing later in evaluation.
 */
export function checkValueType(t: unknown, what: string): ValueType {
  const named = (make: () => ValueType) => {
    try {
      return make();
    } catch (e) {
      throw new InvalidArgument(`${what}: ${(e as Error).message}`, { field: what });
    }
  };
  if (typeof t === 'string') return named(() => parseType(t));
  const o = t as { kind?: unknown; bits?: unknown; frac?: unknown } | null;
  if (typeof o === 'object' && o !== null) {
    if (o.kind === 'bit') return bit;
    if (o.kind === 'uint') return named(() => uint(o.bits as number));
    if (o.kind === 'int') return named(() => int(o.bits as number));
    if (o.kind === 'fixed') return named(() => fixed(o.bits as number, o.frac as number));
  }
  throw new InvalidArgument(`${what}: not a type (bit, uint(k), int(k), fixed(k,f) or their text)`, {
    field: what,
  });
}

/** Number of bits of a value of type `t`. */
export function widthOf(t: ValueType): number {
  return t.kind === 'bit' ? 1 : t.bits;
}

/** True for `int` and `fixed`: comparisons and right shifts are signed. */
export function isSigned(t: ValueType): boolean {
  return t.kind === 'int' || t.kind === 'fixed';
}

export function fracOf(t: ValueType): number {
  return t.kind === 'fixed' ? t.frac : 0;
}

export function sameType(a: ValueType, b: ValueType): boolean {
  return a.kind === b.kind && widthOf(a) === widthOf(b) && fracOf(a) === fracOf(b);
}

export function typeToString(t: ValueType): string {
  switch (t.kind) {
    case 'bit':
      return 'bit';
    case 'fixed':
      return `fixed(${t.bits},${t.frac})`;
    default:
      return `${t.kind}(${t.bits})`;
  }
}

/** Parses `bit`, `uint(32)`, `int(64)`, `fixed(64,16)` (spaces allowed). */
export function parseType(s: string): ValueType {
  const m = /^\s*(bit|uint|int|fixed)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(s);
  if (!m) throw new InvalidArgument(`unknown type '${s}' (expected bit, uint(k), int(k) or fixed(k,f))`);
  const [, kind, k, f] = m;
  if (kind === 'bit' && k === undefined) return bit;
  if (kind === 'fixed' && k !== undefined && f !== undefined) return fixed(Number(k), Number(f));
  if ((kind === 'uint' || kind === 'int') && k !== undefined && f === undefined) {
    return kind === 'uint' ? uint(Number(k)) : int(Number(k));
  }
  throw new InvalidArgument(`malformed type '${s}'`);
}
