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

  it('encodes a number exactly as its decimal text, also where its binary value lies across a half step', () => {
    // 0.1 is 0.1000000000000000055… in binary: at f = 60 the two differ by 6 units.
    expect(encodeValue(0.1, fixed(64, 60), 'v')).toBe(encodeValue('0.1', fixed(64, 60), 'v'));
    expect(encodeValue(0.1, fixed(64, 60), 'v')).toBe(115292150460684698n);
    expect(encodeValue(1048576.0000000002, fixed(64, 31), 'v')).toBe(
      encodeValue('1048576.0000000002', fixed(64, 31), 'v'),
    );
    expect(encodeValue(-1e-7, fixed(64, 40), 'v')).toBe(encodeValue('-1e-7', fixed(64, 40), 'v'));
    expect(encodeValue('1.5e3', fixed(32, 4), 'v')).toBe(24000n);
    expect(encodeValue('25E-1', fixed(16, 0), 'v')).toBe(3n);
    expect(
      hasCode(
        error(() => encodeValue('1e3', int(16), 'v')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    expect(
      hasCode(
        error(() => encodeValue('1e-', fixed(16, 4), 'v')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    // Random numbers of many magnitudes, many of them one ulp from a half step.
    let x = 0x2545f491;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    for (let i = 0; i < 20_000; i++) {
      const f = [8, 16, 31, 45, 60][i % 5];
      const t = fixed(64, f);
      let v = (next() - 0.5) * 2 ** Math.floor(next() * 40 - 20);
      if (i % 3 === 0) v = (Math.round(v * 2 ** (f + 1)) + 1) / 2 ** (f + 1); // a half step, nudged
      if (i % 3 === 1) v = Number((next() * 1000).toFixed(1 + (i % 9)));
      const encode = (value: number | string) => {
        try {
          return encodeValue(value, t, 'v');
        } catch (e) {
          if (hasCode(e, 'INVALID_INPUT')) return 'does not fit';
          throw e;
        }
      };
      expect(encode(v), `${v} on fixed(64,${f})`).toBe(encode(String(v)));
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

  it('inputsByName: a name two parties share is given as PARTY.NAME; ambiguous, doubled and missing names are refused', () => {
    const b = new CircuitBuilder(['alice', 'bob']);
    b.output(
      'r',
      b
        .input('alice', 'x', uint(8))
        .add(b.input('bob', 'x', uint(8)))
        .add(b.input('bob', 'y', uint(8))),
    );
    const p = b.build();
    expect(inputsByName(p, { 'alice.x': '1', 'bob.x': '2', y: '3' })).toEqual({
      alice: { x: '1' },
      bob: { x: '2', y: '3' },
    });
    expect(inputsByName(p, { 'alice.x': '1', 'bob.x': '2', 'bob.y': '3' }).bob.y).toBe('3');
    const ambiguous = error(() => inputsByName(p, { x: '5', y: '3' }));
    expect(hasCode(ambiguous, 'INVALID_INPUT'), String(ambiguous)).toBe(true);
    expect(ambiguous.message).toMatch(/input 'x' is ambiguous: give it as alice\.x or bob\.x/);
    expect(
      error(() => inputsByName(p, { 'alice.x': '1', 'bob.x': '2', y: '3', 'bob.y': '4' })).message,
    ).toMatch(/input 'y' is given twice/);
    expect(error(() => inputsByName(p, { 'alice.x': '1', y: '3' })).message).toMatch(
      /missing input 'bob\.x' \(the circuit's inputs are alice\.x, bob\.x, y\)/,
    );
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

describe('types and names given to the builder', () => {
  it('refuses hand-made type objects that are not types, naming where, with InvalidArgument', () => {
    const bad: unknown[] = [
      8,
      null,
      { kind: 'bogus' },
      { kind: 'uint', bits: 0 },
      { kind: 'uint', bits: 2.5 },
      { kind: 'int', bits: 65 },
      { kind: 'fixed', bits: 8, frac: 20 },
      { kind: 'fixed', bits: 8 },
    ];
    for (const t of bad) {
      const b = new CircuitBuilder(['a']);
      const err = error(() => b.input('a', 'x', t as never));
      expect(hasCode(err, 'INVALID_ARGUMENT'), `${JSON.stringify(t)}: ${err}`).toBe(true);
      expect(err.message).toMatch(/^input a\.x: /);
      const x = b.input('a', 'ok', uint(8));
      expect(
        hasCode(
          error(() => x.cast(t as never)),
          'INVALID_ARGUMENT',
        ),
      ).toBe(true);
      expect(
        hasCode(
          error(() => b.constant(1, t as never)),
          'INVALID_ARGUMENT',
        ),
      ).toBe(true);
    }
    // A well-formed object or text is taken as its canonical type.
    const b = new CircuitBuilder(['a']);
    expect(b.input('a', 'x', { kind: 'fixed', bits: 32, frac: 8 }).type).toEqual(fixed(32, 8));
    expect(b.input('a', 'y', 'int(16)' as never).type).toEqual(int(16));
  });

  it('refuses parties that are not an array of non-empty names, and an empty input name', () => {
    for (const parties of ['ab', [5, 'b'], ['', 'b'], undefined]) {
      const err = error(() => new CircuitBuilder(parties as never));
      expect(hasCode(err, 'INVALID_ARGUMENT'), `${JSON.stringify(parties)}: ${err}`).toBe(true);
      expect(err.message).toMatch(/parties must be an array of non-empty party names/);
    }
    expect(
      hasCode(
        error(() => new CircuitBuilder(['a']).input('a', '', uint(8))),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });

  it('refuses a shift amount past 2^31, which no program could hold', () => {
    const b = new CircuitBuilder(['a']);
    const x = b.input('a', 'x', uint(8));
    expect(
      hasCode(
        error(() => x.shl(2 ** 31 + 1)),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    b.output('r', x.shl(2 ** 31));
  });
});
