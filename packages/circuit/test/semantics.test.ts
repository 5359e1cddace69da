/** Spot checks of the IR's meaning (ir/semantics.ts), each also checked through the boolean lowering. */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  bit,
  CircuitBuilder,
  type Column,
  decodeValue,
  encodeInputs,
  encodeValue,
  evaluateLowered,
  evaluateProgram,
  fixed,
  int,
  lowerToBoolean,
  type Program,
  uint,
  type Value,
  type ValueType,
} from '../src/index.js';

/** Evaluates a one-input-vector program both ways and returns the (agreed) output columns. */
function both(p: Program, inputs: Record<string, Record<string, unknown>>): Record<string, Column> {
  const encoded = encodeInputs(p, inputs);
  const plain = evaluateProgram(p, encoded);
  for (const adder of ['ripple', 'prefix'] as const) {
    const lowered = evaluateLowered(p, lowerToBoolean(p, { adder }), encoded);
    for (const o of p.outputs)
      expect(Array.from(lowered[o.name] as ArrayLike<bigint>), `${o.name} (${adder})`).toEqual(
        Array.from(plain[o.name] as ArrayLike<bigint>),
      );
  }
  return plain;
}

function unary(t: ValueType, xs: Array<number | bigint>, f: (x: Value) => Value): Array<number | bigint> {
  const b = new CircuitBuilder(['a']);
  const x = b.input('a', 'x', t, xs.length);
  const r = f(x);
  b.output('r', r);
  const out = both(b.build(), { a: { x: xs } }).r;
  return Array.from({ length: out.length }, (_, i) => decodeValue(out[i], r.type));
}

function binary(
  t: ValueType,
  xs: Array<number | bigint>,
  ys: Array<number | bigint>,
  f: (x: Value, y: Value) => Value,
) {
  const b = new CircuitBuilder(['a', 'b']);
  const x = b.input('a', 'x', t, xs.length);
  const y = b.input('b', 'y', t, ys.length);
  const r = f(x, y);
  b.output('r', r);
  const out = both(b.build(), { a: { x: xs }, b: { y: ys } }).r;
  return Array.from({ length: out.length }, (_, i) => decodeValue(out[i], r.type));
}

describe('IR semantics', () => {
  it('integer arithmetic wraps mod 2^k; comparisons follow the signedness of the type', () => {
    expect(binary(uint(8), [250, 3], [10, 5], (x, y) => x.add(y))).toEqual([4n, 8n]);
    expect(binary(uint(8), [3], [5], (x, y) => x.sub(y))).toEqual([254n]);
    expect(binary(int(8), [-3], [5], (x, y) => x.sub(y))).toEqual([-8n]);
    expect(binary(uint(8), [200, 5], [5, 200], (x, y) => x.lt(y))).toEqual([0n, 1n]);
    expect(binary(int(8), [-56, 5], [5, -56], (x, y) => x.lt(y))).toEqual([1n, 0n]);
    expect(binary(int(16), [-7, 7, -7, 7], [2, 2, -2, -2], (x, y) => x.div(y))).toEqual([-3n, 3n, 3n, -3n]);
    expect(binary(int(16), [-7, 7, -7, 7], [2, 2, -2, -2], (x, y) => x.rem(y))).toEqual([-1n, 1n, -1n, 1n]);
    expect(binary(uint(8), [3, 2], [4, 9], (x, y) => x.pow(y))).toEqual([81n, 0n]);
  });

  it('division by zero is defined (all ones for uint; remainder is the dividend)', () => {
    expect(binary(uint(8), [9], [0], (x, y) => x.div(y))).toEqual([255n]);
    expect(binary(uint(8), [9], [0], (x, y) => x.rem(y))).toEqual([9n]);
    expect(binary(int(8), [9, -9], [0, 0], (x, y) => x.div(y))).toEqual([-1n, 1n]);
  });

  it('shifts: logical on uint, arithmetic on int; amounts at or past the width', () => {
    expect(unary(uint(8), [0x80], (x) => x.shr(3))).toEqual([16n]);
    expect(unary(int(8), [-128], (x) => x.shr(3))).toEqual([-16n]);
    expect(unary(int(8), [-128, 64], (x) => x.shr(9))).toEqual([-1n, 0n]);
    expect(unary(uint(8), [0xff], (x) => x.shl(8))).toEqual([0n]);
  });

  it('fixed point: multiply truncates (floor), divide truncates toward zero, reciprocal', () => {
    const t = fixed(32, 8);
    expect(binary(t, [1.5, -1.5], [2.25, 2.25], (x, y) => x.mul(y))).toEqual([3.375, -3.375]);
    // -1/256 · 0.5 = -1/512 → floor to -1/256
    expect(binary(t, [-1 / 256], [0.5], (x, y) => x.mul(y))).toEqual([-1 / 256]);
    expect(binary(t, [1, -1], [3, 3], (x, y) => x.div(y))).toEqual([85 / 256, -85 / 256]);
    expect(unary(t, [4, -0.5, 0.1], (x) => x.reciprocal())).toEqual([0.25, -2, 9.84375]);
    expect(binary(t, [1.5, 2, -1], [2, 0.25, 3], (x, y) => x.dot(y))).toEqual([0.5]);
  });

  it('sigmoid (PLAN) at its breakpoints and within 0.02 of the logistic function', () => {
    const t = fixed(32, 16);
    const xs = [-8, -5, -4.999, -2.375, -1, -0.5, 0, 0.5, 1, 2.375, 4.999, 5, 8, 0.9999];
    const ys = unary(t, xs, (x) => x.sigmoid()) as number[];
    expect(ys[xs.indexOf(0)]).toBe(0.5);
    expect(ys[xs.indexOf(5)]).toBe(1);
    expect(ys[xs.indexOf(-5)]).toBe(0);
    expect(ys[xs.indexOf(1)]).toBe(0.75);
    xs.forEach((x, i) => {
      expect(Math.abs(ys[i] - 1 / (1 + Math.exp(-x)))).toBeLessThan(0.02);
    });
  });

  it('reductions, sort, select, slice and concat', () => {
    expect(unary(int(16), [5, -3, 9, 0], (x) => x.sum())).toEqual([11n]);
    expect(unary(int(16), [5, -3, 9, 0], (x) => x.prefixSum())).toEqual([5n, 2n, 11n, 11n]);
    expect(unary(int(16), [5, -3, 9, 0], (x) => x.minOf())).toEqual([-3n]);
    expect(unary(uint(16), [5, 65533, 9, 0], (x) => x.maxOf())).toEqual([65533n]);
    expect(unary(int(16), [5, -3, 9, 0, -3, 32767, -32768], (x) => x.sort())).toEqual([
      -32768n,
      -3n,
      -3n,
      0n,
      5n,
      9n,
      32767n,
    ]);
    expect(binary(uint(8), [1, 7, 3], [4, 4, 4], (x, y) => x.lt(y).select(x, y))).toEqual([1n, 4n, 3n]);
    expect(unary(uint(8), [1, 2, 3, 4], (x) => x.slice(1, 3))).toEqual([2n, 3n]);
    expect(unary(uint(8), [1, 2], (x) => x.builder.concat(x, x.add(10)))).toEqual([1n, 2n, 11n, 12n]);
  });

  it('casts keep the integer value and rescale fractions', () => {
    expect(unary(int(8), [-2], (x) => x.cast(int(16)))).toEqual([-2n]);
    expect(unary(uint(8), [200], (x) => x.cast(int(16)))).toEqual([200n]);
    expect(unary(int(16), [-2], (x) => x.cast(fixed(32, 8)))).toEqual([-2]);
    expect(unary(fixed(32, 8), [-2.5, 2.5], (x) => x.cast(int(16)))).toEqual([-3n, 2n]);
    expect(unary(uint(8), [6], (x) => x.cast(bit))).toEqual([0n]);
  });
});

describe('builder and value errors', () => {
  it('refuses mismatched types, lengths, parties and recipients with typed errors', () => {
    const b = new CircuitBuilder(['alice', 'bob']);
    const x = b.input('alice', 'x', uint(8), 4);
    const y = b.input('bob', 'y', int(8), 4);
    const z = b.input('bob', 'z', uint(8), 3);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return 'no error';
    };
    expect(code(() => x.add(y))).toBe('TYPE_MISMATCH');
    expect(code(() => x.add(z))).toBe('TYPE_MISMATCH');
    expect(code(() => x.sigmoid())).toBe('TYPE_MISMATCH');
    expect(code(() => b.input('carol', 'w', uint(8)))).toBe('INVALID_ARGUMENT');
    expect(code(() => b.input('alice', 'x', uint(8)))).toBe('INVALID_ARGUMENT');
    expect(code(() => b.output('o', x, ['mallory']))).toBe('INVALID_ARGUMENT');
    expect(code(() => x.slice(2, 9))).toBe('INVALID_ARGUMENT');
    expect(code(() => uint(0))).toBe('INVALID_ARGUMENT');
    expect(code(() => int(65))).toBe('INVALID_ARGUMENT');
    expect(code(() => fixed(16, 16))).toBe('INVALID_ARGUMENT');
    expect(code(() => new CircuitBuilder(['a', 'a']))).toBe('INVALID_ARGUMENT');
  });

  it('concat takes any number of parts as an array, and makes no vector over 2^30 elements', () => {
    const b = new CircuitBuilder(['alice']);
    const x = b.input('alice', 'x', bit);
    expect(b.concatAll(new Array(300_000).fill(x)).length).toBe(300_000);
    const long = b.input('alice', 'long', bit, 2 ** 30);
    let err: unknown;
    try {
      b.concat(long, long);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'INVALID_ARGUMENT'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/concat: length 2147483648 is not a whole number 1\.\.2\^30/);
  });

  it('refuses input values that do not fit, naming the input', () => {
    const b = new CircuitBuilder(['alice']);
    b.output('r', b.input('alice', 'x', uint(8), 2).sum());
    const p = b.build();
    const err = (inputs: Record<string, Record<string, unknown>>) => {
      try {
        encodeInputs(p, inputs);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    };
    expect(err({ alice: { x: [1, 256] } })?.message).toMatch(
      /input x\[1\] \(alice\): value does not fit in 8 bits/,
    );
    expect(err({ alice: { x: [1] } })?.message).toMatch(/input x \(alice\): expected 2 value/);
    expect(err({ alice: {} })?.message).toMatch(/missing input x \(alice\)/);
    expect(err({ alice: { x: [1, 2], y: 3 } })?.message).toMatch(/unknown input y \(alice\)/);
    expect(hasCode(err({ alice: { x: [1, 'abc'] } }), 'INVALID_INPUT')).toBe(true);
    expect(encodeValue('-0x10', int(8), 'v')).toBe(240n);
    expect(encodeValue('1.5', fixed(16, 4), 'v')).toBe(24n);
    expect(() => encodeValue(-1, uint(8), 'v')).toThrow(/range 0\.\.255/);
  });
});
