/**
 * Shared by the analytics tests: random tables (fast-check) with edge values
 * and masks that leave out every row, one row or any rows; a computation over
 * one owner's columns, cached by shape; exact references in bigint.
 */
import {
  bit,
  type Column,
  encodeInputs,
  evaluateProgram,
  isSigned,
  type PlainInputs,
  type Program,
  type Value,
  type ValueType,
  widthOf,
} from '@parley/circuit';
import fc from 'fast-check';
import { type Computation, defineComputation } from '../src/defineComputation.js';

/** One unit in the last place of the statistics. */
export const EPS = 2 ** -16;
export const RAW_ONE = 1n << 16n;

/** Runs of each property: enough to hit the edges, few enough for the time budget. */
export const RUNS = Number(process.env.PARLEY_ANALYTICS_RUNS ?? 100);

/** Bit patterns of t read as integers (signed for int and fixed). */
export function rangeOf(t: ValueType): [bigint, bigint] {
  const w = BigInt(widthOf(t));
  return isSigned(t) ? [-(1n << (w - 1n)), (1n << (w - 1n)) - 1n] : [0n, (1n << w) - 1n];
}

/** Raw values of type t (the integer a fixed value is scaled to), edge values a third of the time. */
export function rawValueArb(t: ValueType, limit?: [bigint, bigint]): fc.Arbitrary<bigint> {
  const [lo, hi] = limit ?? rangeOf(t);
  const edges = [0n, 1n, -1n, lo, hi, lo + 1n, hi - 1n].filter((v) => v >= lo && v <= hi);
  const small = 1n << BigInt(Math.max(1, Math.floor(widthOf(t) / 2)));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...edges), weight: 1 },
    { arbitrary: fc.bigInt({ min: lo, max: hi }), weight: 1 },
    {
      arbitrary: fc.bigInt({ min: lo > -small ? lo : -small, max: hi < small ? hi : small }),
      weight: 1,
    },
  );
}

/** A present mask of n rows: none, all, exactly one, or any. */
export function maskArb(n: number): fc.Arbitrary<number[]> {
  return fc.oneof(
    fc.constant(new Array<number>(n).fill(0)),
    fc.constant(new Array<number>(n).fill(1)),
    fc.nat({ max: n - 1 }).map((i) => Array.from({ length: n }, (_, r) => (r === i ? 1 : 0))),
    fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }),
  );
}

export interface Table {
  rows: number;
  present: number[];
  /** Columns of raw values. */
  columns: bigint[][];
}

/** Tables of 1 … maxRows rows with `columns` columns of type t. */
export function tableArb(
  t: ValueType,
  options: { maxRows?: number; columns?: number; limit?: [bigint, bigint] } = {},
): fc.Arbitrary<Table> {
  const { maxRows = 200, columns = 1, limit } = options;
  return fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: maxRows })).chain((rows) =>
    fc.record({
      rows: fc.constant(rows),
      present: maskArb(rows),
      columns: fc.array(fc.array(rawValueArb(t, limit), { minLength: rows, maxLength: rows }), {
        minLength: columns,
        maxLength: columns,
      }),
    }),
  );
}

/**
 * A raw column as inputs take it: bigints for integers; for fixed(k, f) the
 * number raw/2^f, or its exact decimal text where a number would round.
 */
export function plain(raw: readonly bigint[], t: ValueType): Array<number | bigint | string> {
  if (t.kind !== 'fixed') return [...raw];
  const f = t.frac;
  return raw.map((v) => {
    if (abs(v) < 1n << 53n) return Number(v) / 2 ** f;
    // v/2^f = v·5^f/10^f exactly.
    const digits = (abs(v) * 5n ** BigInt(f)).toString().padStart(f + 1, '0');
    return `${v < 0n ? '-' : ''}${digits.slice(0, -f)}.${digits.slice(-f)}`;
  });
}

const cache = new Map<string, Computation>();

export type OutputBuilder = (columns: Value[], present: Value, extra: Record<string, Value>) => Value;

/**
 * A computation of party `owner`, whose inputs are columns c0, c1, … of the
 * given types and a `present` mask, all of `rows` rows, and of party
 * `regulator` with `extraInputs`; one output per entry of `outputs`, to all.
 * Cached by `key`, which must name everything the outputs depend on.
 */
export function tableComputation(
  key: string,
  rows: number,
  types: ValueType[],
  outputs: Record<string, OutputBuilder>,
  extraInputs: Record<string, { type: ValueType; length?: number }> = {},
): Computation {
  const id = `${key}/${rows}/${types.map((t) => JSON.stringify(t)).join(',')}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const inputs: Record<string, { party: string; type: ValueType; length: number }> = {
    present: { party: 'owner', type: bit, length: rows },
  };
  types.forEach((t, i) => {
    inputs[`c${i}`] = { party: 'owner', type: t, length: rows };
  });
  for (const [name, d] of Object.entries(extraInputs)) {
    inputs[name] = { party: 'regulator', type: d.type, length: d.length ?? 1 };
  }
  const c = defineComputation({
    name: `analytics-${key}`,
    parties: ['owner', 'regulator'],
    inputs,
    outputs: Object.fromEntries(Object.keys(outputs).map((k) => [k, 'all' as const])),
    compute: (v) => {
      const columns = types.map((_, i) => v[`c${i}`]);
      const extra = Object.fromEntries(Object.keys(extraInputs).map((n) => [n, v[n]]));
      return Object.fromEntries(Object.entries(outputs).map(([k, f]) => [k, f(columns, v.present, extra)]));
    },
  });
  cache.set(id, c);
  return c;
}

/** The inputs of a table computation: the owner's columns and mask, the regulator's extra inputs. */
export function tableInputs(
  table: Table,
  types: ValueType[],
  extra: Record<string, unknown> = {},
): PlainInputs {
  const owner: Record<string, unknown> = { present: table.present };
  types.forEach((t, i) => {
    owner[`c${i}`] = plain(table.columns[i], t);
  });
  return { owner, regulator: extra };
}

/**
 * Evaluates in plaintext (the reference evaluator on the optimised program)
 * and returns each output's raw values: integers as they are, fixed point as
 * the integer scaled by 2^f, signed types read signed; a scalar as a bigint.
 */
export function evaluateOn(
  c: Computation,
  table: Table,
  types: ValueType[],
  extra: Record<string, unknown> = {},
): Record<string, bigint | bigint[]> {
  const p = c.circuit;
  const cols = evaluateProgram(p, encodeInputs(p, tableInputs(table, types, extra)));
  return readRaw(p, cols);
}

/** Output columns as signed raw bigints, a scalar as a bigint. */
export function readRaw(p: Program, cols: Record<string, Column>): Record<string, bigint | bigint[]> {
  return Object.fromEntries(
    p.outputs.map((o) => {
      const t = p.nodes[o.node].type;
      const col = cols[o.name];
      const vs = Array.from({ length: col.length }, (_, i) =>
        isSigned(t) ? BigInt.asIntN(widthOf(t), col[i]) : col[i],
      );
      return [o.name, p.nodes[o.node].length === 1 ? vs[0] : vs];
    }),
  );
}

/** Σ, Σx² and n over the real rows, exactly. */
export function exactSums(
  xs: readonly bigint[],
  present: readonly number[],
): { n: bigint; s1: bigint; s2: bigint } {
  let n = 0n;
  let s1 = 0n;
  let s2 = 0n;
  xs.forEach((x, i) => {
    if (!present[i]) return;
    n++;
    s1 += x;
    s2 += x * x;
  });
  return { n, s1, s2 };
}

export const abs = (v: bigint) => (v < 0n ? -v : v);
