/**
 * Property: lowering a program to a boolean circuit and evaluating the gates
 * gives exactly the plaintext IR evaluator's result — random programs over
 * random types (widths 1–64), vector lengths 1–1000, both adder kinds — and
 * so does the optimised program, lowered, and sent through the program codec
 * (with the same computation id).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BitBuilder,
  type BooleanCircuit,
  bit,
  CircuitBuilder,
  type Column,
  computationId,
  decodeProgram,
  encodeProgram,
  evaluateLowered,
  evaluateProgram,
  fixed,
  int,
  lowerToBoolean,
  newColumn,
  optimize,
  type Program,
  uint,
  type Value,
  type ValueType,
  widthOf,
} from '../src/index.js';

const CHEAP = ['add', 'sub', 'and', 'or', 'xor', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'min', 'max'] as const;
const UNARY = [
  'neg',
  'not',
  'shl',
  'shr',
  'cast',
  'sum',
  'prefix_sum',
  'min_of',
  'max_of',
  'select',
  'call',
] as const;
const COSTLY = ['mul', 'dot', 'div', 'rem', 'pow', 'sort', 'reciprocal', 'sigmoid', 'shlv', 'shrv'] as const;
type OpName = (typeof CHEAP)[number] | (typeof UNARY)[number] | (typeof COSTLY)[number];

const typeArb: fc.Arbitrary<ValueType> = fc.oneof(
  fc.constant(bit),
  fc.integer({ min: 1, max: 64 }).map(uint),
  fc.integer({ min: 2, max: 64 }).map(int),
  fc.integer({ min: 6, max: 64 }).chain((k) => fc.integer({ min: 0, max: k - 5 }).map((f) => fixed(k, f))),
);

const stepArb = fc.record({
  op: fc.constantFrom<OpName>(...CHEAP, ...UNARY, ...COSTLY),
  a: fc.nat(),
  b: fc.nat(),
  amount: fc.integer({ min: 0, max: 70 }),
  castTo: typeArb,
});

const programArb = fc.record({
  type: typeArb,
  length: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1000 })),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 5 }),
  seed: fc.integer(),
  prefix: fc.boolean(),
});

/** A circuit of two k-bit inputs with two outputs, a AND b and a XOR b (one per width, so calls can share it). */
const andXorCircuits = new Map<number, BooleanCircuit>();
function andXor(k: number): BooleanCircuit {
  let c = andXorCircuits.get(k);
  if (!c) {
    const bb = new BitBuilder();
    const a = bb.input(k);
    const b = bb.input(k);
    c = bb.finish(
      [
        { name: 'a', bits: a },
        { name: 'b', bits: b },
      ],
      [
        { name: 'and', bits: a.map((w, i) => bb.and(w, b[i])) },
        { name: 'xor', bits: a.map((w, i) => bb.xor(w, b[i])) },
      ],
    );
    andXorCircuits.set(k, c);
  }
  return c;
}

/** Builds a random program from the steps; operands of costly operations are cut to a few elements. */
function build(spec: fc.RecordValue<typeof programArb extends fc.Arbitrary<infer T> ? T : never>): Program {
  const b = new CircuitBuilder(['alice', 'bob']);
  const t = spec.type;
  const pool: Value[] = [
    b.input('alice', 'x', t, spec.length),
    b.input('bob', 'y', t, spec.length),
    b.input('bob', 's', t, 1),
  ];
  const outs: Value[] = [];
  for (const step of spec.steps) {
    let x = pool[step.a % pool.length];
    let y = pool[step.b % pool.length];
    if (y.length !== x.length && y.length !== 1 && x.length !== 1) y = y.slice(0, 1);
    const k = widthOf(x.type);
    const costly = (COSTLY as readonly string[]).includes(step.op);
    if (costly) {
      const cap = step.op === 'pow' ? 2 : step.op === 'sort' ? 12 : 4;
      if (x.length > cap) x = x.slice(0, cap);
      if (y.length > cap) y = y.slice(0, Math.min(cap, x.length));
    }
    const yt = y.type === x.type || sameShape(y.type, x.type) ? y : y.cast(x.type);
    let r: Value | undefined;
    switch (step.op) {
      case 'neg':
      case 'not':
        r = x[step.op]();
        break;
      case 'shl':
      case 'shr':
        r = x[step.op](step.amount % (k + 2));
        break;
      case 'cast':
        r = x.cast(step.castTo);
        break;
      case 'sum':
        r = x.sum();
        break;
      case 'prefix_sum':
        r = x.prefixSum();
        break;
      case 'min_of':
        r = x.minOf();
        break;
      case 'max_of':
        r = x.maxOf();
        break;
      case 'sort':
        r = x.sort();
        break;
      case 'select':
        r = x.lt(yt).select(x, yt);
        break;
      case 'call':
        // One output of the two: optimize drops the other.
        r = b.call(andXor(k), [x, yt], [x.type, x.type])[step.amount % 2];
        break;
      case 'dot':
        if (yt.length === x.length) r = x.dot(yt);
        break;
      case 'rem':
      case 'pow':
        if (x.type.kind !== 'fixed' && (step.op !== 'pow' || k <= 16)) r = x[step.op](yt);
        break;
      case 'reciprocal':
      case 'sigmoid':
        if (x.type.kind === 'fixed') r = x[step.op]();
        break;
      case 'shlv':
      case 'shrv': {
        const amount = yt.cast(uint(Math.min(8, k)));
        r = b.binary(step.op, x, amount);
        break;
      }
      default:
        r = x[step.op](yt);
    }
    if (r) {
      pool.push(r);
      outs.push(r);
    }
  }
  if (outs.length === 0) outs.push(pool[0].add(pool[1]));
  outs.forEach((o, i) => {
    b.output(`o${i}`, o, i % 2 === 0 ? ['alice'] : ['alice', 'bob']);
  });
  return b.build();
}

function sameShape(a: ValueType, b: ValueType): boolean {
  return (
    a.kind === b.kind &&
    widthOf(a) === widthOf(b) &&
    (a.kind !== 'fixed' || (b.kind === 'fixed' && a.frac === b.frac))
  );
}

/** Random bit patterns with the edge values (0, 1, −1/max, min, max positive) mixed in. */
function randomColumn(t: ValueType, n: number, rnd: () => number): Column {
  const k = widthOf(t);
  const col = newColumn(k, n);
  const mask = (1n << BigInt(k)) - 1n;
  const edges = [0n, 1n, mask, 1n << BigInt(k - 1), mask >> 1n];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.3) col[i] = edges[Math.floor(rnd() * edges.length)] & mask;
    else {
      let v = 0n;
      for (let j = 0; j < k; j += 30) v = (v << 30n) | BigInt(Math.floor(rnd() * 2 ** 30));
      col[i] = v & mask;
    }
  }
  return col;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('lowering to boolean agrees with the IR evaluator', () => {
  it('on random programs, types and vector lengths', () => {
    fc.assert(
      fc.property(programArb, (spec) => {
        const p = build(spec);
        const rnd = rng(spec.seed);
        const inputs = new Map<number, Column>();
        p.nodes.forEach((n, id) => {
          if (n.op === 'input') inputs.set(id, randomColumn(n.type, n.length, rnd));
        });
        const expected = evaluateProgram(p, inputs);
        // The optimised program computes the same outputs (inputs matched by name).
        const q = optimize(p);
        const byName = new Map<string, Column>();
        p.nodes.forEach((n, id) => {
          if (n.op === 'input') byName.set(`${n.party}.${n.name}`, inputs.get(id) as Column);
        });
        const qInputs = new Map<number, Column>();
        q.nodes.forEach((n, id) => {
          if (n.op === 'input') qInputs.set(id, byName.get(`${n.party}.${n.name}`) as Column);
        });
        const optimized = evaluateProgram(q, qInputs);
        // What a peer decodes of the optimised program (as the SDK proposes it) is the same computation.
        const decoded = decodeProgram(encodeProgram(q));
        const settings = { name: 'property', protocol: 'auto' };
        expect(computationId(decoded, settings)).toBe(computationId(q, settings));
        const loweredQ = lowerToBoolean(q, { adder: spec.prefix ? 'prefix' : 'ripple' });
        for (const got of [
          optimized,
          evaluateProgram(decoded, qInputs),
          evaluateLowered(q, loweredQ, qInputs),
        ]) {
          for (const o of p.outputs) {
            expect(Array.from(got[o.name] as ArrayLike<bigint>), o.name).toEqual(
              Array.from(expected[o.name] as ArrayLike<bigint>),
            );
          }
        }
        const lowered = lowerToBoolean(p, { adder: spec.prefix ? 'prefix' : 'ripple' });
        const got = evaluateLowered(p, lowered, inputs);
        for (const o of p.outputs) {
          expect(Array.from(got[o.name] as ArrayLike<bigint>), o.name).toEqual(
            Array.from(expected[o.name] as ArrayLike<bigint>),
          );
        }
      }),
      { numRuns: Number(process.env.PARLEY_PROPERTY_RUNS ?? 120) },
    );
  });
});
