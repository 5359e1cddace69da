/**
 * The join inside the computation, for when even the size of the
 * intersection must stay secret: an oblivious sort-merge join (the
 * sort-based private set intersection of Huang, Evans and Katz, "Private Set
 * Intersection: Are Garbled Circuits Better than Custom Protocols?", NDSS
 * 2012, with payloads carried through the sort). The keys are secret
 * columns of the computation, not a data source's key column, so nothing
 * about them leaves the computation: not which keys match, not how many.
 *
 * Each row of both sides is packed into one wide unsigned value,
 *   key | present | side | payload columns   (most significant first),
 * all rows are sorted with the IR's oblivious sort (a bitonic network once
 * lowered), and each pair of neighbours is compared: a left row and the
 * right row just after it match when both are present and their keys are
 * equal. Within one key the rows without data sort first, so the (at most
 * one) present row of each side are neighbours. Result row i is the pair
 * (sorted[i], sorted[i+1]): `present` says whether it is a match, `left`
 * and `right` give its two rows' columns (meaningless where `present` is 0:
 * mask them, as every aggregate of ./analytics does).
 *
 * Requirements: keys are `uint(k)` or `int(k)`, unique among the present
 * rows of each side (a repeated key may lose matches; this is not checked,
 * as checking would reveal it); payload columns are `bit`, `uint`, `int` or
 * `fixed(w, f)` with w + f ≤ 64. Cost: sorting n = left + right rows of
 * W = k + 2 + Σ payload bits costs about W·n·log²(n)/4 AND gates.
 */
import {
  bit,
  type CircuitBuilder,
  RESERVED_NAME,
  typeToString,
  uint,
  type Value,
  type ValueType,
  widthOf,
} from '@parley/circuit';
import { InvalidArgument, TypeMismatch } from '@parley/interface';
import { field, packedWidth, packFields } from './_packing.js';

/** One side of the join: secret keys, the rows that hold data, and the columns to carry. */
export interface ObliviousSide {
  key: Value;
  /** Bit column: 1 on the rows that hold data. */
  present: Value;
  columns: Readonly<Record<string, Value>>;
}

export interface ObliviousJoinValue {
  /** left rows + right rows − 1: one per pair of neighbours after the sort. */
  rows: number;
  /** 1 where the pair is a left row and a right row with the same key. */
  present: Value;
  /** The left row's columns (valid where `present` is 1). */
  left: Record<string, Value>;
  /** The right row's columns (valid where `present` is 1). */
  right: Record<string, Value>;
}

/** Joins `left` and `right` on their keys inside the computation; see the file's comment. */
export function obliviousJoin(
  b: CircuitBuilder,
  left: ObliviousSide,
  right: ObliviousSide,
): ObliviousJoinValue {
  const sides = { left, right };
  for (const [name, s] of Object.entries(sides)) {
    if (s.key.type.kind !== 'uint' && s.key.type.kind !== 'int') {
      throw new TypeMismatch(
        `obliviousJoin: the ${name} key must be uint(k) or int(k), not ${typeToString(s.key.type)}`,
      );
    }
    if (s.present.type.kind !== 'bit')
      throw new TypeMismatch(`obliviousJoin: ${name}.present must be a bit column`);
    for (const [c, v] of Object.entries(s.columns)) {
      // The joined columns are returned as an object's keys, which '__proto__' cannot be.
      if (c === RESERVED_NAME)
        throw new InvalidArgument(`obliviousJoin: ${name} may not have a column named '${RESERVED_NAME}'`);
      if (v.length !== s.key.length) {
        throw new InvalidArgument(
          `obliviousJoin: ${name}.${c} has ${v.length} rows, its key ${s.key.length}`,
        );
      }
    }
    if (s.present.length !== s.key.length)
      throw new InvalidArgument(`obliviousJoin: ${name}.present has the wrong length`);
  }
  const keyBits = widthOf(left.key.type);
  // Keys match by their bits: uint(16) 65535 and int(16) −1 would be one key.
  if (typeToString(right.key.type) !== typeToString(left.key.type)) {
    throw new TypeMismatch(
      `obliviousJoin: keys of ${typeToString(left.key.type)} and ${typeToString(right.key.type)} differ in type`,
    );
  }
  if (left.key.length + right.key.length < 2)
    throw new InvalidArgument('obliviousJoin: needs two rows or more');
  // Payload fields, least significant first: every left column, then every right column (zeros on the other side).
  const fields: Array<{ side: 'left' | 'right'; name: string; type: ValueType; offset: number }> = [];
  let offset = 0;
  for (const side of ['left', 'right'] as const) {
    for (const [name, v] of Object.entries(sides[side].columns)) {
      const w = packedWidth(v.type, `${side}.${name}`);
      fields.push({ side, name, type: v.type, offset });
      offset += w;
    }
  }
  const sideAt = offset;
  const presentAt = offset + 1;
  const keyAt = offset + 2;
  const width = keyAt + keyBits;
  const pack = (s: ObliviousSide, which: 'left' | 'right'): Value => {
    const packed = packFields(width, [
      { value: s.key, offset: keyAt },
      { value: s.present, offset: presentAt },
      ...fields.filter((f) => f.side === which).map((f) => ({ value: s.columns[f.name], offset: f.offset })),
    ]);
    return which === 'right' ? packed.or(1n << BigInt(sideAt)) : packed;
  };
  const sorted = b.concat(pack(left, 'left'), pack(right, 'right')).sort();
  const n = sorted.length;
  const a = sorted.slice(0, n - 1);
  const c = sorted.slice(1, n);
  const keyType = uint(keyBits);
  const present = field(a, keyAt, keyType)
    .eq(field(c, keyAt, keyType))
    .and(field(a, presentAt, bit))
    .and(field(c, presentAt, bit))
    .and(field(a, sideAt, bit).not())
    .and(field(c, sideAt, bit));
  const out: ObliviousJoinValue = { rows: n - 1, present, left: {}, right: {} };
  for (const f of fields) out[f.side][f.name] = field(f.side === 'left' ? a : c, f.offset, f.type);
  return out;
}
