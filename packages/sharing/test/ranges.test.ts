/**
 * The range analysis (analysis.ts) against the plaintext: on random programs
 * and random inputs (extreme values half the time), every value of every
 * node that has a range lies in it (fixed-point products and dot products
 * also one unit above, as a probabilistic truncation may give). Comparisons
 * read only the bits a range says a value needs, so a range that is too
 * narrow gives wrong comparisons silently.
 */
import {
  CircuitBuilder,
  type Column,
  evaluateNodes,
  fixed,
  int,
  isSigned,
  type Program,
  uint,
  type Value,
  type ValueType,
  widthOf,
} from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { planProgram, runSharingLocally } from '../src/index.js';
import { list, seed, TestRandom } from './_harness.js';

const TYPES: ValueType[] = [int(8), int(16), int(32), int(33), uint(8), uint(16), uint(31), fixed(32, 8)];
const LENGTH = 4;

/** A value of type t: the type's extremes half the time, else small or anything. */
function extreme(r: TestRandom, t: ValueType): bigint {
  const w = widthOf(t);
  const [lo, hi] = isSigned(t)
    ? [-(1n << BigInt(w - 1)), (1n << BigInt(w - 1)) - 1n]
    : [0n, (1n << BigInt(w)) - 1n];
  const pick = r.below(6);
  if (pick === 0) return lo;
  if (pick === 1) return hi;
  if (pick === 2) return lo + BigInt(r.below(3));
  if (pick === 3) return hi - BigInt(r.below(3));
  const v = BigInt.asUintN(w, r.word() >> BigInt(r.below(64)));
  return isSigned(t) ? BigInt.asIntN(w, v) : v;
}

/** A random program over the ops that have a range rule, with its encoded inputs. */
function randomProgram(r: TestRandom): { p: Program; inputs: Map<number, Column> } {
  const b = new CircuitBuilder(['p0', 'p1']);
  const inputs = new Map<number, Column>();
  const pool: Value[] = [];
  for (let i = 0; i < 6; i++) {
    const t = TYPES[r.below(TYPES.length)];
    const v = b.input(`p${i % 2}`, `x${i}`, t, LENGTH);
    inputs.set(
      v.id,
      BigUint64Array.from({ length: LENGTH }, () => BigInt.asUintN(widthOf(t), extreme(r, t))),
    );
    pool.push(v);
  }
  /** Another value of x's type whose length broadcasts with x's. */
  const partnerOf = (x: Value) => {
    const ok = pool.filter(
      (v) =>
        v.type.kind === x.type.kind &&
        widthOf(v.type) === widthOf(x.type) &&
        (v.length === x.length || v.length === 1 || x.length === 1),
    );
    return ok[r.below(ok.length)];
  };
  /** A constant that fits t (up to about ±1000, a quarter-step fraction for fixed point). */
  const small = (t: ValueType) => {
    const bits = Math.min(widthOf(t) - (t.kind === 'fixed' ? t.frac : 0), 11);
    const c = BigInt(r.below(2 ** bits)) - (isSigned(t) ? 1n << BigInt(bits - 1) : 0n);
    return t.kind === 'fixed' ? Number(c) / 4 : c;
  };
  for (let step = 0; step < 40; step++) {
    const x = pool[r.below(pool.length)];
    const t = x.type;
    const y = partnerOf(x);
    const ops: Array<() => Value> = [
      () => x.add(y),
      () => x.sub(y),
      () => x.add(small(t)),
      () => x.neg(),
      () => x.mul(y),
      () => x.mul(small(t)),
      () => x.shl(r.below(4)),
      () => x.min(y),
      () => x.max(y),
      () => x.lt(y).select(x, y),
      () => x.sum(),
      () => x.prefixSum(),
      () => x.prefixSum().add(small(t)),
      () => x.add(small(t)).prefixSum(),
      () => (x.length === y.length ? x.dot(y) : x.sum()),
      () => x.sort(),
      () => x.minOf(),
      () => x.maxOf(),
      () => x.slice(0, Math.max(1, x.length - 1)),
      () => b.concat(x, y),
      () => x.cast(t.kind === 'fixed' ? fixed(48, 12) : t.kind === 'int' ? int(48) : uint(48)),
      () => (t.kind === 'fixed' ? x.sigmoid() : x.cast(int(64))),
      () => x.gt(y).cast(int(16)),
    ];
    const v = ops[r.below(ops.length)]();
    // Keep vectors short and types arithmetic: long concatenations and 48-bit chains add nothing.
    if (v.length <= 2 * LENGTH && widthOf(v.type) <= 64 && v.type.kind !== 'bit') pool.push(v);
  }
  for (const [k, v] of pool.entries()) b.output(`o${k}`, v);
  return { p: b.build(), inputs };
}

/** Each node's values as their type reads them (the ring representative, when a range holds). */
function readValues(p: Program, cols: Column[], id: number): bigint[] {
  const t = p.nodes[id].type;
  const w = widthOf(t);
  return Array.from({ length: cols[id].length }, (_, i) =>
    isSigned(t) ? BigInt.asIntN(w, cols[id][i]) : cols[id][i],
  );
}

describe('range analysis', () => {
  it('holds every plaintext value of random programs on extreme inputs', () => {
    const s = seed();
    const r = new TestRandom(s);
    let checked = 0;
    for (let trial = 0; trial < 60; trial++) {
      const { p, inputs } = randomProgram(r);
      const plans = planProgram(p);
      const cols = evaluateNodes(p, inputs);
      p.nodes.forEach((n, id) => {
        const range = plans[id].range;
        if (!range) return;
        const probabilistic = n.type.kind === 'fixed' && (n.op === 'mul' || n.op === 'dot');
        for (const v of readValues(p, cols, id)) {
          checked++;
          const where = `trial ${trial}, node ${id} (${n.op}), range [${range[0]}, ${range[1]}]`;
          expect(v >= range[0] && v <= range[1], `${where}: value ${v}`).toBe(true);
          if (probabilistic) expect(v + 1n <= range[1], `${where}: value ${v} + 1`).toBe(true);
        }
      });
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('counts every term of a broadcast dot product', () => {
    // dot(x, y) with x of length 1 broadcast over y's 4 elements (the evaluator's reading of such a node).
    const t = int(8);
    const p: Program = {
      parties: ['p0', 'p1'],
      nodes: [
        { op: 'input', party: 'p0', name: 'x', type: t, length: 1, visibility: 'secret' },
        { op: 'input', party: 'p1', name: 'y', type: t, length: 4, visibility: 'secret' },
        { op: 'cast', args: [0], type: int(32), length: 1, visibility: 'secret' },
        { op: 'cast', args: [1], type: int(32), length: 4, visibility: 'secret' },
        { op: 'dot', args: [2, 3], type: int(32), length: 1, visibility: 'secret' },
      ],
      outputs: [{ name: 'd', node: 4, recipients: ['p0'] }],
    };
    const range = planProgram(p)[4].range as [bigint, bigint];
    const cols = evaluateNodes(
      p,
      new Map<number, Column>([
        [0, [128n]],
        [1, [128n, 128n, 128n, 128n]],
      ]),
    );
    expect(BigInt.asIntN(32, cols[4][0])).toBe(4n * 128n * 128n);
    expect(range[1]).toBeGreaterThanOrEqual(4n * 128n * 128n);
  });

  it('reads constants as their type does (none for uint(64) values from 2^63 on)', () => {
    const b = new CircuitBuilder(['p0', 'p1']);
    const x = b.input('p0', 'x', uint(64), 2);
    b.output('a', x.add(b.constant([(1n << 63n) + 5n, 7n], uint(64))));
    b.output('b', x.lt(b.constant([200n, 3n], uint(8)).cast(uint(64))));
    const p = b.build();
    const plans = planProgram(p);
    const consts = p.nodes.flatMap((n, id) => (n.op === 'const' ? [id] : []));
    expect(plans[consts[0]].range).toBeUndefined();
    expect(plans[consts[1]].range).toEqual([3n, 200n]);
  });

  it('bounds a running sum by its first term too (prefix_sum of positive values)', async () => {
    const b = new CircuitBuilder(['a', 'b', 'c']);
    const x = b.input('a', 'x', int(8), 4);
    const p = x.cast(int(32)).add(1000).prefixSum();
    b.output('lt', p.lt(4000));
    b.output('gtNeg', p.neg().gt(-2500));
    const prog = b.build();
    const range = planProgram(prog)[prog.nodes.findIndex((n) => n.op === 'prefix_sum')].range as [
      bigint,
      bigint,
    ];
    expect(range[0]).toBeLessThanOrEqual(1000n - 128n);
    const run = await runSharingLocally(prog, { a: { x: [0n, 0n, 0n, 0n] } }, { protocol: 'replicated' });
    expect(list(run.outputs.a.lt)).toEqual([1n, 1n, 1n, 0n]);
    expect(list(run.outputs.a.gtNeg)).toEqual([1n, 1n, 0n, 0n]);
  });
});
