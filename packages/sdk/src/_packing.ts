/**
 * Packing several columns into one wide unsigned value per row, so that an
 * oblivious sort (the IR's `sort`, a bitonic network once lowered) carries
 * them together: each value as its bit pattern at an offset, read back with
 * `field`. Used by the oblivious join and the group-by on secret keys.
 * `bit`, `uint(k)`, `int(k)` and `fixed(w, f)` with w + f ≤ 64 pack exactly
 * (the IR has no bit-reinterpreting cast, so a fixed value goes through
 * value·2^f, an integer, in fixed(64, f)).
 */
import { bit, fixed, int, typeToString, uint, type Value, type ValueType, widthOf } from '@parley/circuit';
import { TypeMismatch } from '@parley/interface';

/** Bits a value of `t` takes in the packing (checks that it can be packed). */
export function packedWidth(t: ValueType, where: string): number {
  if (t.kind === 'fixed' && t.bits + t.frac > 64) {
    throw new TypeMismatch(`${where}: ${typeToString(t)} cannot be carried (needs bits + frac ≤ 64)`, {
      field: where,
    });
  }
  return widthOf(t);
}

/** The value's bit pattern as uint(width). */
export function toBits(v: Value): Value {
  const t = v.type;
  const w = widthOf(t);
  if (t.kind === 'fixed') {
    // value·2^f is the pattern, an integer: exact in fixed(64, f) when w + f ≤ 64.
    return v.cast(fixed(64, t.frac)).shl(t.frac).cast(int(64)).cast(uint(w));
  }
  return v.cast(uint(w));
}

/** The inverse of toBits. */
export function fromBits(u: Value, t: ValueType): Value {
  if (t.kind === 'fixed') {
    return u.cast(int(t.bits)).cast(int(64)).cast(fixed(64, t.frac)).shr(t.frac).cast(t);
  }
  return u.cast(t);
}

/** One packed uint(width) per row: each field's bit pattern at its offset (fields must not overlap). */
export function packFields(width: number, fields: ReadonlyArray<{ value: Value; offset: number }>): Value {
  const W = uint(width);
  const placed = fields.map(({ value, offset }) => {
    const bits = (value.type.kind === 'bit' ? value : toBits(value)).cast(W);
    return offset === 0 ? bits : bits.shl(offset);
  });
  return placed.reduce((packed, bits) => packed.or(bits));
}

/** The value of type `t` packed at bit `offset` of each row of `packed`. */
export function field(packed: Value, offset: number, t: ValueType): Value {
  const w = widthOf(t);
  const u = (offset === 0 ? packed : packed.shr(offset)).cast(uint(w));
  return t.kind === 'bit' ? u.cast(bit) : fromBits(u, t);
}
