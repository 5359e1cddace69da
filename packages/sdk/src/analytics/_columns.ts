/**
 * What the analytics functions share: the fixed-point type every fractional
 * statistic is computed in, the 64-bit accumulator of each column type, a
 * type's smallest and largest values (for masked minima and maxima), and the
 * checks every function runs on its columns and `present` masks before it
 * adds a node, so a misuse is an error that names the function and argument.
 */
import {
  fixed,
  int,
  isSigned,
  MAX_ARITHMETIC_BITS,
  typeToString,
  uint,
  type Value,
  type ValueType,
  widthOf,
} from '@parley/circuit';
import { InvalidArgument, TypeMismatch } from '@parley/interface';

/** Fractional bits of the statistics: one unit in the last place is 2^-16. */
export const STATISTIC_FRAC = 16;
/** The type of every fractional result (mean, variance, correlation, t): range ±2^47, resolution 2^-16. */
export const STATISTIC_TYPE: ValueType = fixed(64, STATISTIC_FRAC);
/** The type of every count: a table has at most 2^30 rows, so a count never wraps. */
export const COUNT_TYPE: ValueType = uint(32);
/** One unit in the last place of STATISTIC_TYPE. */
export const STATISTIC_ULP = 2 ** -STATISTIC_FRAC;

/** The type a sum of a column accumulates in: the column's kind widened to 64 bits (bits sum as uint(64)). */
export function accumulatorType(t: ValueType): ValueType {
  switch (t.kind) {
    case 'bit':
    case 'uint':
      return uint(MAX_ARITHMETIC_BITS);
    case 'int':
      return int(MAX_ARITHMETIC_BITS);
    case 'fixed':
      return fixed(MAX_ARITHMETIC_BITS, t.frac);
  }
}

/** The bit patterns of the smallest and largest values of type t. */
export function typeBounds(t: ValueType): { min: bigint; max: bigint } {
  const w = BigInt(widthOf(t));
  if (isSigned(t)) return { min: 1n << (w - 1n), max: (1n << (w - 1n)) - 1n };
  return { min: 0n, max: (1n << w) - 1n };
}

/** Checks that `col` is a column a statistic can read: a bit, an integer of at most 64 bits or a fixed-point value. */
export function checkColumn(col: Value, fn: string, field: string): void {
  if (col.type.kind === 'uint' && col.type.bits > MAX_ARITHMETIC_BITS) {
    throw new TypeMismatch(
      `${fn}: ${field} is ${typeToString(col.type)}; analytics read bits, integers of up to 64 bits and fixed point`,
      { field },
    );
  }
}

/** Checks that `present` is a bit column as long as the columns it masks. */
export function checkMask(present: Value, rows: number, fn: string, field = 'present'): void {
  if (present.type.kind !== 'bit') {
    throw new TypeMismatch(`${fn}: ${field} must be a bit column, not ${typeToString(present.type)}`, {
      field,
    });
  }
  if (present.length !== rows) {
    throw new InvalidArgument(`${fn}: ${field} has ${present.length} rows, the column has ${rows}`, {
      field,
    });
  }
}

/** Checks that `col` and `present` are a column and its mask, of one length. */
export function checkMaskedColumn(col: Value, present: Value, fn: string, field = 'col'): void {
  checkColumn(col, fn, field);
  checkMask(present, col.length, fn);
}
