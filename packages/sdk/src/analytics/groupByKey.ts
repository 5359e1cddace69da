/**
 * Group-by on a secret key column whose values are not known in advance
 * (hashed ids, free-form codes), with a public bound G on the number of
 * groups. The rows are sorted obliviously by (no data last, key) with their
 * columns packed alongside (../_packing.ts); a row starts a group where its
 * key differs from the row before; a prefix sum of those starts numbers the
 * groups 0, 1, … in key order; then groupBy.ts takes those numbers as the
 * group codes, so the statistics and the small-group suppression are the
 * same as there.
 *
 *   const g = groupByKey({ key: t.column('region'), present: t.present,
 *                          columns: { amount: t.column('amount') }, groups: 16, minGroupSize: 10 });
 *   g.keys; g.count; g.suppressed; g.overflow; g.sum('amount'); g.mean('amount');
 *
 * Slot g (0 … G−1) holds the g-th smallest key among the real rows. What an
 * output reveals: `keys` gives each released group's key (0 in a suppressed
 * or empty slot, so a small group's key stays hidden); `overflow` is 1 when
 * the real rows have more than G distinct keys (the groups after the G-th
 * are then left out of every statistic); the number of distinct keys shows
 * in how many slots are empty. Keys are `uint(k)` or `int(k)` (compared as
 * unsigned bit patterns: a negative key sorts after every positive one).
 * Numbers as in groupBy.ts. Cost: an oblivious sort of the rows (about
 * W·n·log²(n)/4 AND gates for W packed bits per row) and G equality tests
 * per row.
 */
import { bit, type CircuitBuilder, typeToString, uint, type Value, widthOf } from '@parley/circuit';
import { InvalidArgument, own, TypeMismatch } from '@parley/interface';
import { field, packedWidth, packFields } from '../_packing.js';
import { COUNT_TYPE } from './_columns.js';
import { type Groups, groupBy } from './groupBy.js';

export interface GroupByKeyOptions {
  /** Each row's group key: uint(k) or int(k). */
  key: Value;
  /** 1 on the real rows. */
  present: Value;
  /** The columns to aggregate by group, by name. */
  columns: Readonly<Record<string, Value>>;
  /** Public bound G on the number of groups. */
  groups: number;
  /** Groups with fewer real rows than this are suppressed (0: none). */
  minGroupSize: number;
}

/** The groups of a secret key column, in key order; every statistic a vector of G slots. */
export class KeyedGroups {
  constructor(
    /** Each slot's key; 0 in a suppressed or empty slot. */
    readonly keys: Value,
    /** 1 when the real rows have more distinct keys than slots. */
    readonly overflow: Value,
    private readonly groups: Groups,
    private readonly sortedColumns: Readonly<Record<string, Value>>,
  ) {}

  /** Real rows of each group, uint(32); 0 for a suppressed group. */
  get count(): Value {
    return this.groups.count;
  }
  /** 1 for each slot with fewer than minGroupSize real rows (an empty slot too). */
  get suppressed(): Value {
    return this.groups.suppressed;
  }
  sum(column: string): Value {
    return this.groups.sum(this.column(column));
  }
  mean(column: string): Value {
    return this.groups.mean(this.column(column));
  }
  variance(column: string): Value {
    return this.groups.variance(this.column(column));
  }

  private column(name: string): Value {
    const c = own(this.sortedColumns, name);
    if (!c) {
      throw new InvalidArgument(
        `groupByKey: no column '${name}' was given (columns: ${Object.keys(this.sortedColumns).join(', ')})`,
        { field: name },
      );
    }
    return c;
  }
}

export function groupByKey(b: CircuitBuilder, o: GroupByKeyOptions): KeyedGroups {
  const { key, present, groups } = o;
  if (key.type.kind !== 'uint' && key.type.kind !== 'int') {
    throw new TypeMismatch(`groupByKey: the key must be uint(k) or int(k), not ${typeToString(key.type)}`, {
      field: 'key',
    });
  }
  if (present.type.kind !== 'bit' || present.length !== key.length) {
    throw new TypeMismatch('groupByKey: present must be a bit column as long as the key', {
      field: 'present',
    });
  }
  if (!Number.isInteger(groups) || groups < 1 || groups > 2 ** 20) {
    throw new InvalidArgument('groupByKey: groups must be a whole number in 1 … 2^20', { field: 'groups' });
  }
  const n = key.length;
  // Packed row, least significant first: the columns, the key, then "no data" (so real rows sort first).
  let offset = 0;
  const fields = Object.entries(o.columns).map(([name, v]) => {
    if (v.length !== n)
      throw new InvalidArgument(`groupByKey: column ${name} has ${v.length} rows, the key ${n}`);
    const f = { name, v, offset };
    offset += packedWidth(v.type, `groupByKey ${name}`);
    return f;
  });
  const keyAt = offset;
  const keyBits = widthOf(key.type);
  const absentAt = keyAt + keyBits;
  const packed = packFields(absentAt + 1, [
    { value: key, offset: keyAt },
    { value: present.not(), offset: absentAt },
    ...fields.map((f) => ({ value: f.v, offset: f.offset })),
  ]);
  const sorted = packed.sort();
  const sortedKey = field(sorted, keyAt, uint(keyBits));
  const real = field(sorted, absentAt, bit).not();
  // A real row starts a group where its key differs from the row before (the first row always does).
  const differs =
    n === 1
      ? b.constant(1, bit)
      : b.concat(b.constant(1, bit), sortedKey.slice(1, n).ne(sortedKey.slice(0, n - 1)));
  const starts = real.and(differs);
  const index = starts.cast(COUNT_TYPE).prefixSum().sub(1);
  const g = groupBy({ group: index, present: real, groups, minGroupSize: o.minGroupSize });
  const slotKeys = Array.from({ length: groups }, (_, s) =>
    g
      .rows(s)
      .and(starts)
      .select(sortedKey.cast(uint(64)), 0)
      .sum(),
  );
  const keys = g.suppressed
    .select(0, slotKeys.length === 1 ? slotKeys[0] : b.concatAll(slotKeys))
    .cast(key.type);
  const overflow = starts.cast(COUNT_TYPE).sum().gt(groups);
  const sortedColumns = Object.fromEntries(fields.map((f) => [f.name, field(sorted, f.offset, f.v.type)]));
  return new KeyedGroups(keys, overflow, g, sortedColumns);
}
