/**
 * Group-by with small-group suppression. A secret column `group` holds each
 * row's group code, 0 … G−1 for a public bound G (`groups`); per group the
 * result is a vector of length G, index g for code g:
 *
 *   const g = groupBy({ group: t.column('region'), present: t.present, groups: 8, minGroupSize: 10 });
 *   g.count; g.suppressed; g.sum(x); g.mean(x); g.variance(x);
 *
 * A group with fewer than `minGroupSize` real rows is suppressed inside the
 * computation: its count and every statistic of it are 0, and
 * `suppressed[g]` is 1. Rows that are masked out, and rows whose code is not
 * in 0 … G−1 (a larger code, or a negative one in a signed column), belong to
 * no group and count nowhere.
 *
 * What an output reveals: per group, its statistics or — through
 * `suppressed`, or a count of 0 — that it has fewer than minGroupSize real
 * rows (possibly none). Suppression hides a small group's values, not its
 * smallness; G itself is public. The masks `rows(g)` are not suppressed:
 * whatever is computed from them is released as it is.
 *
 * Numbers: counts and sums exact (as aggregates.ts); per-group mean and
 * population variance in STATISTIC_TYPE within ε and 2ε (ε = 2^-16) under
 * the same conditions as aggregates.ts, in the plaintext and garbled engines;
 * the secret-sharing engine adds its own truncation error (see aggregates.ts).
 */
import { typeToString, type Value } from '@parley/circuit';
import { InvalidArgument, TypeMismatch } from '@parley/interface';
import { accumulatorType, checkMask, checkMaskedColumn, STATISTIC_TYPE } from './_columns.js';
import { countRows, divideByCount } from './_moments.js';

const MAX_COUNT = 2 ** 32 - 1;

export interface GroupByOptions {
  /** Each row's group code (bit, uint(k) or int(k)): 0 … groups−1; other codes belong to no group. */
  group: Value;
  /** 1 on the real rows. */
  present: Value;
  /** Public number of groups G. */
  groups: number;
  /** Groups with fewer real rows than this are suppressed (0: none; 1: only empty groups). */
  minGroupSize: number;
}

/** Groups the real rows by their code; see `Groups` for the statistics. */
export function groupBy(options: GroupByOptions): Groups {
  const { group, present, groups, minGroupSize } = options;
  if (!Number.isInteger(groups) || groups < 1) {
    throw new InvalidArgument('groupBy: groups must be a whole number ≥ 1', { field: 'groups' });
  }
  // Compared with a count of COUNT_TYPE, uint(32).
  if (!Number.isInteger(minGroupSize) || minGroupSize < 0 || minGroupSize > MAX_COUNT) {
    throw new InvalidArgument(`groupBy: minGroupSize must be a whole number in 0..${MAX_COUNT}`, {
      field: 'minGroupSize',
    });
  }
  const t = group.type;
  if (t.kind === 'fixed') {
    throw new TypeMismatch(`groupBy: group codes must be integers, not ${typeToString(t)}`, {
      field: 'group',
    });
  }
  const largest = t.kind === 'bit' ? 1 : t.kind === 'int' ? 2 ** (t.bits - 1) - 1 : 2 ** t.bits - 1;
  if (groups - 1 > largest) {
    throw new InvalidArgument(`groupBy: ${groups} groups do not fit in a ${typeToString(t)} group column`, {
      field: 'groups',
    });
  }
  checkMask(present, group.length, 'groupBy');
  const rows = Array.from({ length: groups }, (_, g) => present.and(group.eq(g)));
  return new Groups(rows, minGroupSize);
}

/** The rows of each group and its statistics, each a vector of length `groups`. */
export class Groups {
  readonly groups: number;
  /** Real rows of each group, uint(32), before suppression (stays inside the computation). */
  private readonly rawCount: Value;
  /** 1 for each group with fewer than minGroupSize real rows. */
  readonly suppressed: Value;
  /** Real rows of each group, uint(32); 0 for a suppressed group. */
  readonly count: Value;

  constructor(
    private readonly members: readonly Value[],
    readonly minGroupSize: number,
  ) {
    this.groups = members.length;
    this.rawCount = this.perGroup((m) => countRows(m));
    this.suppressed = this.rawCount.lt(minGroupSize);
    this.count = this.suppress(this.rawCount);
  }

  /** The mask of group g's real rows (a bit per row; not suppressed). */
  rows(g: number): Value {
    if (!Number.isInteger(g) || g < 0 || g >= this.groups) {
      throw new InvalidArgument(`groupBy: group ${g} is not in 0 … ${this.groups - 1}`, { field: 'g' });
    }
    return this.members[g];
  }

  /** Σ col over each group's real rows, in col's type widened to 64 bits; 0 for a suppressed group. */
  sum(col: Value): Value {
    this.check(col, 'sum');
    const x = col.cast(accumulatorType(col.type));
    return this.suppress(this.perGroup((m) => m.select(x, 0).sum()));
  }

  /** Mean of col over each group's real rows, STATISTIC_TYPE; 0 for a suppressed or empty group. */
  mean(col: Value): Value {
    this.check(col, 'mean');
    return this.suppress(this.means(col.cast(STATISTIC_TYPE)));
  }

  /** Population variance (divisor n) of col over each group's real rows, STATISTIC_TYPE; 0 for a suppressed or empty group. */
  variance(col: Value): Value {
    this.check(col, 'variance');
    const x = col.cast(STATISTIC_TYPE);
    const means = this.means(x);
    const squares = this.perGroup((m, g) => {
      const d = m.select(x.sub(means.slice(g, g + 1)), 0);
      return d.dot(d);
    });
    return this.suppress(divideByCount(squares, this.rawCount));
  }

  private means(x: Value): Value {
    return divideByCount(
      this.perGroup((m) => m.select(x, 0).sum()),
      this.rawCount,
    );
  }

  private perGroup(f: (rows: Value, g: number) => Value): Value {
    const parts = this.members.map(f);
    return parts.length === 1 ? parts[0] : parts[0].builder.concatAll(parts);
  }

  private suppress(v: Value): Value {
    return this.suppressed.select(0, v);
  }

  private check(col: Value, fn: string): void {
    checkMaskedColumn(col, this.members[0], `groupBy ${fn}`);
  }
}
