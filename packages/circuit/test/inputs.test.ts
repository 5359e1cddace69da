/**
 * Input values at the boundary: user values encoded alike whatever their form
 * (number, decimal string, boolean), encoded columns range-checked, and names
 * that reach object keys unable to touch Object.prototype.
 */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  bit,
  CircuitBuilder,
  decodeValue,
  encodeInputs,
  encodePartyInputs,
  encodeValue,
  fixed,
  inputsByName,
  int,
  type Program,
  uint,
} from '../src/index.js';

function error(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error');
}

describe('encoding user values', () => {
  it('rounds fixed-point numbers and decimal strings alike: to nearest, halves away from zero', () => {
    const cases: Array<[number, number, number]> = [
      // [value, fractional bits, expected real value]
      [-1.25, 1, -1.5],
      [-0.25, 1, -0.5],
      [0.25, 1, 0.5],
      [1.25, 1, 1.5],
      [-2.5, 0, -3],
      [2.5, 0, 3],
      [0.4, 0, 0],
      [-0.6, 0, -1],
      [0.1, 8, 26 / 256],
    ];
    for (const [v, f, want] of cases) {
      const t = fixed(16, f);
      expect(decodeValue(encodeValue(v, t, 'v'), t), `${v} on fixed(16,${f})`).toBe(want);
      expect(decodeValue(encodeValue(String(v), t, 'v'), t), `'${v}' on fixed(16,${f})`).toBe(want);
    }
  });

  it('scales booleans like integers and accepts fractions on every fixed type, never on integer types', () => {
    expect(encodeValue(true, fixed(16, 8), 'v')).toBe(256n);
    expect(encodeValue(1n, fixed(16, 8), 'v')).toBe(256n);
    expect(encodeValue(true, uint(8), 'v')).toBe(1n);
    expect(encodeValue('2.5', fixed(16, 0), 'v')).toBe(3n);
    expect(
      hasCode(
        error(() => encodeValue('2.5', int(8), 'v')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    expect(
      hasCode(
        error(() => encodeValue(2.5, int(8), 'v')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });

  it('refuses values too large for any type with a typed error, not a RangeError', () => {
    const big = error(() => encodeValue(1e308, fixed(64, 16), 'input x'));
    expect(hasCode(big, 'INVALID_INPUT'), String(big)).toBe(true);
    expect(big.message).toMatch(/^input x: value does not fit in 64 bits/);
    expect(
      hasCode(
        error(() => encodeValue(-1e308, fixed(64, 63), 'v')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    expect(
      hasCode(
        error(() => encodeValue(Number.NaN, fixed(16, 4), 'v')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});

describe('encoded input columns', () => {
  const b = new CircuitBuilder(['a']);
  b.output('r', b.input('a', 'x', uint(8), 2).xor(0n));
  const p = b.build();

  it('refuses a value outside its type, naming the input and index but not the value', () => {
    for (const col of [BigUint64Array.of(1n, 300n), [1n, -1n], [1n, 2] as unknown as bigint[]]) {
      const err = error(() => encodePartyInputs(p, 'a', new Map([[0, col]])));
      expect(hasCode(err, 'INVALID_INPUT'), String(err)).toBe(true);
      expect(err.message).toMatch(/^input x\[1\] \(a\): encoded value is not a 8-bit pattern/);
      expect(err.message).not.toMatch(/300/);
    }
    expect(encodePartyInputs(p, 'a', new Map([[0, BigUint64Array.of(0n, 255n)]])).get(0)?.[1]).toBe(255n);
  });
});

describe('names as object keys', () => {
  it("refuses '__proto__' as a party, input or output name", () => {
    expect(
      hasCode(
        error(() => new CircuitBuilder(['__proto__', 'bob'])),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    const b = new CircuitBuilder(['alice']);
    expect(
      hasCode(
        error(() => b.input('alice', '__proto__', bit)),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    const x = b.input('alice', 'x', bit);
    expect(
      hasCode(
        error(() => b.output('__proto__', x)),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });

  /** A program as a peer could hand it over before the builder refused such names. */
  const program = (party: string, name: string): Program => ({
    parties: [party, 'bob'],
    nodes: [
      { op: 'input', party, name, type: uint(8), length: 1, visibility: 'secret' },
      { op: 'input', party: 'bob', name: 'y', type: uint(8), length: 1, visibility: 'secret' },
      { op: 'add', args: [0, 1], type: uint(8), length: 1, visibility: 'secret' },
    ],
    outputs: [{ name: 'r', node: 2, recipients: [party, 'bob'] }],
  });

  it('inputsByName writes only own keys of objects without a prototype', () => {
    const p = program('__proto__', 'polluted');
    const inputs = inputsByName(p, { polluted: '5', y: '6' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(inputs, '__proto__')).toBe(true);
    expect(encodeInputs(p, inputs).get(0)?.[0]).toBe(5n);
    // An inherited name (toString) is not a given input.
    const err = error(() => inputsByName(program('alice', 'toString'), { y: '6' }));
    expect(hasCode(err, 'INVALID_INPUT'), String(err)).toBe(true);
    expect(err.message).toMatch(/missing input 'toString'/);
  });

  it('encodeInputs reads only own properties (constructor.name is no input) and refuses a party without an object', () => {
    const err = error(() => encodeInputs(program('constructor', 'name'), { bob: { y: 1 } }));
    expect(err.message).toMatch(/^missing input name \(constructor\)/);
    const none = error(() =>
      encodeInputs(program('alice', 'x'), { alice: { x: 1 }, bob: { y: 2 }, carol: null } as never),
    );
    expect(hasCode(none, 'INVALID_INPUT'), String(none)).toBe(true);
    expect(none.message).toMatch(/^inputs of carol: expected an object/);
  });
});
