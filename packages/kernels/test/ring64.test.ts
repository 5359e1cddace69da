import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  add64,
  add64Js,
  allocWords,
  beaverMul64,
  beaverMul64Js,
  carryOut,
  crossMul64,
  crossMul64Js,
  KernelArena,
  mul64,
  mul64Js,
  mulAdd64,
  mulAdd64Js,
  nonZero32,
  sub64,
  sub64Js,
  sumShares64,
  sumShares64Js,
  wasmStatus,
} from '../src/index.js';
import { seededRandom } from './_helpers.js';

const random = seededRandom('ring64.test');
const M = (1n << 64n) - 1n;
const EDGES = [
  0n,
  1n,
  2n,
  M,
  1n << 63n,
  (1n << 63n) - 1n,
  1n << 32n,
  (1n << 32n) - 1n,
  0xffff_0000_ffff_0000n,
];
const SIZES = [0, 1, 2, 3, 5, 17, 1000, 4099];

/** n random words with the edge values sprinkled in (every third element). */
function words(n: number): BigUint64Array {
  const out = new BigUint64Array(random(8 * n).buffer);
  for (let i = 0; i < n; i += 3) out[i] = EDGES[(i / 3) % EDGES.length];
  return out;
}

function inArena(arena: KernelArena, x: BigUint64Array): BigUint64Array {
  const v = allocWords(arena, x.length);
  v.set(x);
  return v;
}

type Kernel = (out: BigUint64Array, ...args: BigUint64Array[]) => void;

interface Case {
  name: string;
  operands: number;
  wasm: Kernel;
  js: Kernel;
  reference: (...xs: bigint[]) => bigint;
}

const CASES: Case[] = [
  { name: 'add64', operands: 2, wasm: add64, js: add64Js, reference: (a, b) => a + b },
  { name: 'sub64', operands: 2, wasm: sub64, js: sub64Js, reference: (a, b) => a - b },
  { name: 'mul64', operands: 2, wasm: mul64, js: mul64Js, reference: (x, y) => x * y },
  {
    name: 'crossMul64',
    operands: 4,
    wasm: crossMul64,
    js: crossMul64Js,
    reference: (x0, x1, y0, y1) => x0 * y0 + x0 * y1 + x1 * y0,
  },
  {
    name: 'beaverMul64 (first)',
    operands: 5,
    wasm: (o, a, b, c, d, e) => beaverMul64(o, a, b, c, d, e, true),
    js: (o, a, b, c, d, e) => beaverMul64Js(o, a, b, c, d, e, true),
    reference: (a, b, c, d, e) => c + d * b + e * a + d * e,
  },
  {
    name: 'beaverMul64 (other)',
    operands: 5,
    wasm: (o, a, b, c, d, e) => beaverMul64(o, a, b, c, d, e, false),
    js: (o, a, b, c, d, e) => beaverMul64Js(o, a, b, c, d, e, false),
    reference: (a, b, c, d, e) => c + d * b + e * a,
  },
];

function expectEqual(actual: BigUint64Array, expected: BigUint64Array, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      expect.fail(`${what}: element ${i}: ${actual[i]} != ${expected[i]}`);
    }
  }
  expect(actual.length).toBe(expected.length);
}

describe('branch-free word helpers', () => {
  it('carryOut and nonZero32 match their definitions on 32-bit edge values', () => {
    const e32 = [0, 1, 2, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x55555555, 0xaaaaaaaa];
    for (const x of e32) {
      expect(nonZero32(x)).toBe(x !== 0 ? 1 : 0);
      for (const y of e32) expect(carryOut(x, y, (x + y) >>> 0)).toBe(x + y > 0xffffffff ? 1 : 0);
    }
  });
});

describe('Z_2^64 kernels: WebAssembly, JS twin and a BigInt reference agree', () => {
  const arena = new KernelArena(4 << 20);

  it('runs WebAssembly SIMD in this environment (else the comparisons would be JS against JS)', () => {
    expect(wasmStatus.backend).toBe('wasm');
    expect(arena.backend).toBe('wasm');
  });

  for (const c of CASES) {
    for (const n of SIZES) {
      it(`${c.name} on ${n} elements`, () => {
        arena.reset();
        const inputs = Array.from({ length: c.operands }, () => words(n));
        const expected = new BigUint64Array(n);
        for (let i = 0; i < n; i++) expected[i] = BigInt.asUintN(64, c.reference(...inputs.map((x) => x[i])));
        const out = allocWords(arena, n);
        c.wasm(out, ...inputs.map((x) => inArena(arena, x)));
        expectEqual(out, expected, 'WebAssembly in an arena');
        const js = new BigUint64Array(n);
        c.js(js, ...inputs);
        expectEqual(js, expected, 'JS twin');
        const plain = new BigUint64Array(n);
        c.wasm(plain, ...inputs);
        expectEqual(plain, expected, 'ordinary arrays (scratch arena or JS)');
      });
    }
  }

  for (const n of SIZES) {
    it(`mulAdd64 on ${n} elements, in an arena, through scratch and in JS`, () => {
      arena.reset();
      const [acc, x, y] = [words(n), words(n), words(n)];
      const expected = acc.map((v, i) => BigInt.asUintN(64, v + x[i] * y[i]));
      const out = inArena(arena, acc);
      mulAdd64(out, inArena(arena, x), inArena(arena, y));
      expectEqual(out, expected, 'WebAssembly in an arena');
      const js = acc.slice();
      mulAdd64Js(js, x, y);
      expectEqual(js, expected, 'JS twin');
      const plain = acc.slice();
      mulAdd64(plain, x, y);
      expectEqual(plain, expected, 'ordinary arrays');
    });
  }

  it('sumShares64 reconstructs 0 to 5 shares, and shares[0] may be out', () => {
    arena.reset();
    const n = 1001;
    for (let count = 0; count <= 5; count++) {
      const shares = Array.from({ length: count }, () => words(n));
      const expected = new BigUint64Array(n);
      for (let i = 0; i < n; i++)
        expected[i] = BigInt.asUintN(
          64,
          shares.reduce((s, x) => s + x[i], 0n),
        );
      const out = allocWords(arena, n);
      sumShares64(
        out,
        shares.map((s) => inArena(arena, s)),
      );
      expectEqual(out, expected, `${count} shares in an arena`);
      const js = new BigUint64Array(n);
      sumShares64Js(js, shares);
      expectEqual(js, expected, `${count} shares, JS`);
      if (count >= 1) {
        const first = shares[0].slice();
        sumShares64(first, [first, ...shares.slice(1)]);
        expectEqual(first, expected, `${count} shares into shares[0]`);
      }
    }
  });

  it('works in place (out is an operand) in both implementations', () => {
    arena.reset();
    const n = 37;
    const [x, y] = [words(n), words(n)];
    const expected = x.map((v, i) => BigInt.asUintN(64, v * y[i]));
    const a = inArena(arena, x);
    mul64(a, a, inArena(arena, y));
    expectEqual(a, expected, 'WebAssembly');
    const j = x.slice();
    mul64Js(j, j, y);
    expectEqual(j, expected, 'JS');
  });

  it('rejects mismatched lengths, wrong types and partial overlaps with InvalidArgument naming the argument', () => {
    const x = new BigUint64Array(8);
    const cases: [() => void, string][] = [
      [() => mul64(new BigUint64Array(7), x, x), 'x'],
      [() => add64(x, x, new BigUint64Array(9)), 'b'],
      [() => sub64Js(x, x, new Uint32Array(16) as unknown as BigUint64Array), 'b'],
      [
        () => mul64(new BigUint64Array(x.buffer, 8, 4), new BigUint64Array(x.buffer, 0, 4), x.subarray(0, 4)),
        'x',
      ],
      [() => beaverMul64(x, x, x, x, x, x, 1 as unknown as boolean), 'isFirst'],
      [() => sumShares64(x, [x.slice(), x.slice(), x]), 'shares[2]'],
    ];
    for (const [call, field] of cases) {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as { details: { field: string } }).details.field).toBe(field);
    }
  });
});
