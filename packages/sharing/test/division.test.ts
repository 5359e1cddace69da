/**
 * Fixed-point division and reciprocal beyond the small values of
 * fixedPoint.test.ts: dividends anywhere in the type's range (the truncated
 * values depend on the quotient only), fixed(k, 0) (exact, by the boolean
 * lowering), products of fixed(k, 0) and fixed(64, 63) (no truncation, and
 * one in two steps), and the types refused because their failure probability
 * is too high (README.md, "Fixed point").
 */
import {
  CircuitBuilder,
  type Column,
  encodeInputs,
  evaluateProgram,
  fixed,
  type Program,
} from '@parley/circuit';
import { ParleyError } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { prepareSharing, runSharingLocally, type SharingProtocolName } from '../src/index.js';
import { fixedBound } from './_fixedOps.js';
import { seed, TestRandom } from './_harness.js';

const modes: Array<[SharingProtocolName, number]> = [
  ['replicated', 3],
  ['sharing', 2],
  ['sharing', 3],
];
const label = (protocol: SharingProtocolName, parties: number) =>
  `${parties} parties, ${protocol === 'replicated' ? 'replicated' : 'additive'}`;

/** Runs p on encoded columns (raw bit patterns) by input node id. */
async function runRaw(p: Program, cols: Map<number, Column>, protocol: SharingProtocolName) {
  const byParty: Record<string, Record<string, bigint[]>> = {};
  p.nodes.forEach((n, id) => {
    if (n.op !== 'input') return;
    byParty[n.party] ??= {};
    const k = n.type.kind === 'fixed' ? n.type.bits : 64;
    // Bigints are read as raw values of the type's width, signed.
    byParty[n.party][n.name] = Array.from(cols.get(id) as Column, (v) => BigInt.asIntN(k, v));
  });
  const want = evaluateProgram(p, cols);
  const run = await runSharingLocally(p, rawAsReals(p, byParty), { protocol });
  return { want, got: run.outputs[p.parties[0]] };
}

/** Raw fixed-point values as the exact decimal strings encodeInputs reads. */
function rawAsReals(p: Program, raw: Record<string, Record<string, bigint[]>>) {
  const out: Record<string, Record<string, string[]>> = {};
  for (const [party, byName] of Object.entries(raw)) {
    out[party] = {};
    for (const [name, vs] of Object.entries(byName)) {
      const n = p.nodes.find((m) => m.op === 'input' && m.name === name);
      const f = n?.type.kind === 'fixed' ? n.type.frac : 0;
      out[party][name] = vs.map((v) => decimal(v, f));
    }
  }
  return out;
}

/** v / 2^f exactly, as a decimal string. */
function decimal(v: bigint, f: number): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = a >> BigInt(f);
  let frac = a & ((1n << BigInt(f)) - 1n);
  let digits = '';
  for (let i = 0; i < f; i++) {
    frac *= 10n;
    digits += (frac >> BigInt(f)).toString();
    frac &= (1n << BigInt(f)) - 1n;
  }
  return `${neg ? '-' : ''}${whole}${digits ? `.${digits}` : ''}`;
}

function expectWithin(name: string, op: string, f: number, k: number, want: Column, got: Column) {
  for (let i = 0; i < want.length; i++) {
    const w = BigInt.asIntN(k, want[i]);
    const g = BigInt.asIntN(k, got[i]);
    const err = w > g ? w - g : g - w;
    const max = fixedBound(op, w, f);
    expect(err <= max, `${name}[${i}]: got ${g}, want ${w} (± ${max})`).toBe(true);
  }
}

describe('division with dividends across the whole range', () => {
  for (const [protocol, parties] of modes) {
    it(`large dividends, small quotients (audit cases), ${label(protocol, parties)}`, async () => {
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const t = fixed(64, 16);
      const x = b.input('p0', 'x', t, 4);
      const y = b.input('p1', 'y', t, 4);
      b.output('q', x.div(y));
      const p = b.build();
      const inputs = {
        p0: { x: ['2147483648', '1073741824', '3000000000', '-1500000000'] },
        p1: { y: ['1073741824', '2147483648', '1000000000', '1000000000'] },
      };
      const want = evaluateProgram(p, encodeInputs(p, inputs));
      const run = await runSharingLocally(p, inputs, { protocol });
      // 2, 0.5, 3 and −1.5 (these gave 0, −0.5, −1 and 2.5: x·w overflowed the ring).
      expectWithin('q', 'div', 16, 64, want.q, run.outputs.p0.q);
    });

    it(`random dividends of every size, |x/y| < 2^10, fixed(64,16) and fixed(64,21), ${label(protocol, parties)}`, async () => {
      const r = new TestRandom(seed());
      const N = 32;
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const cols = new Map<number, Column>();
      const MIN = -(1n << 63n);
      const MAX = (1n << 63n) - 1n;
      const magnitude = (bits: number) =>
        bits === 0 ? 0n : (r.word() & ((1n << BigInt(bits - 1)) - 1n)) | (1n << BigInt(bits - 1));
      for (const f of [16, 21]) {
        const t = fixed(64, f);
        const xs: bigint[] = [MIN, MAX, MIN, MAX, MIN + 1n, 0n];
        const ys: bigint[] = [MIN, MAX, MAX, MIN, MAX, 1n];
        while (xs.length < N) {
          const bx = r.below(64); // raw bits of |x|: 0 … 63
          const by = Math.max(1, bx - 9) + r.below(64 - Math.max(1, bx - 9)); // |x/y| < 2^10
          xs.push(r.below(2) ? -magnitude(bx) : magnitude(bx));
          ys.push(r.below(2) ? -magnitude(by) : magnitude(by));
        }
        const x = b.input('p0', `x${f}`, t, N);
        const y = b.input('p1', `y${f}`, t, N);
        cols.set(
          x.id,
          BigUint64Array.from(xs, (v) => BigInt.asUintN(64, v)),
        );
        cols.set(
          y.id,
          BigUint64Array.from(ys, (v) => BigInt.asUintN(64, v)),
        );
        b.output(`q${f}`, x.div(y));
        b.output(`r${f}`, y.reciprocal());
      }
      const p = b.build();
      const { want, got } = await runRaw(p, cols, protocol);
      for (const f of [16, 21]) {
        expectWithin(`q${f}`, 'div', f, 64, want[`q${f}`], got[`q${f}`]);
        expectWithin(`r${f}`, 'reciprocal', f, 64, want[`r${f}`], got[`r${f}`]);
      }
    });
  }
});

describe('fixed(k, 0) and fixed(64, 63)', () => {
  for (const [protocol, parties] of modes) {
    it(`fixed(64,0) mul, dot, div and reciprocal are exact, ${label(protocol, parties)}`, async () => {
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const t = fixed(64, 0);
      const x = b.input('p0', 'x', t, 6);
      const y = b.input('p1', 'y', t, 6);
      b.output('mul', x.mul(y));
      b.output('dot', x.dot(y));
      b.output('div', x.div(y));
      b.output('reciprocal', y.reciprocal());
      const p = b.build();
      const inputs = { p0: { x: [100, 7, -50, 1, -9, 123456789] }, p1: { y: [10, 1, 5, -1, 2, -1000] } };
      const want = evaluateProgram(p, encodeInputs(p, inputs));
      const run = await runSharingLocally(p, inputs, { protocol });
      for (const name of ['mul', 'dot', 'div', 'reciprocal'])
        expect([...(run.outputs.p0[name] as Column)], name).toEqual([...want[name]]);
      expect([...want.div].map((v) => BigInt.asIntN(64, v as bigint))).toEqual([
        10n,
        7n,
        -10n,
        -1n,
        -4n,
        -123456n,
      ]);
    });

    it(`fixed(64,63) products truncate by 63 bits, ${label(protocol, parties)}`, async () => {
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const t = fixed(64, 63);
      const x = b.input('p0', 'x', t, 3);
      const y = b.input('p1', 'y', t, 3);
      b.output('mul', x.mul(y));
      const p = b.build();
      // Raw products 3·2^42, 2^40 and −2^43 (below 2^44, as the README asks): ⌊·/2^63⌋ is 0, 0 and −1.
      // Truncated in two steps (62 bits, then 1), each of which may add one unit: at most 2 units above.
      const cols = new Map<number, Column>([
        [x.id, BigUint64Array.of(3n << 20n, 1n << 20n, BigInt.asUintN(64, -(1n << 21n)))],
        [y.id, BigUint64Array.of(1n << 22n, 1n << 20n, 1n << 22n)],
      ]);
      const { want, got } = await runRaw(p, cols, protocol);
      expect([...want.mul].map((v) => BigInt.asIntN(64, v as bigint))).toEqual([0n, 0n, -1n]);
      for (let i = 0; i < 3; i++) {
        const d = BigInt.asIntN(64, got.mul[i] as bigint) - BigInt.asIntN(64, want.mul[i] as bigint);
        expect(d >= 0n && d <= 2n, `mul[${i}]: ${d} units above`).toBe(true);
      }
    });
  }
});

describe('types whose division fails too often are refused', () => {
  const program = (op: 'reciprocal' | 'div', f: number, parties: number) => {
    const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
    const x = b.input('p0', 'x', fixed(64, f), 2);
    const y = b.input('p1', 'y', fixed(64, f), 2);
    b.output('o', op === 'div' ? x.div(y) : y.reciprocal());
    return b.build();
  };
  const refusal = (p: Program, protocol: 'additive' | 'replicated') => {
    try {
      prepareSharing(p, protocol);
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it('refuses reciprocal from f = 22 and division from f = 23 with two-out-of-two truncation', () => {
    for (const [protocol, parties] of [
      ['replicated', 3],
      ['additive', 2],
    ] as const) {
      expect(refusal(program('reciprocal', 21, parties), protocol)).toBeUndefined();
      expect(refusal(program('div', 22, parties), protocol)).toBeUndefined();
      for (const [op, f] of [
        ['reciprocal', 22],
        ['div', 23],
        ['reciprocal', 30],
      ] as const) {
        const e = refusal(program(op, f, parties), protocol);
        expect(e, `${op} f=${f} ${protocol}`).toBeInstanceOf(ParleyError);
        expect((e as ParleyError).code).toBe('UNSUPPORTED');
        expect((e as ParleyError).message).toContain(`${op} on fixed(64,${f})`);
        expect((e as ParleyError).message).toMatch(/probability up to 2\^-\d+\.\d per element/);
      }
    }
  });

  it('allows them up to f = 30 with three or more additive parties', () => {
    expect(refusal(program('reciprocal', 30, 3), 'additive')).toBeUndefined();
    expect(refusal(program('div', 30, 4), 'additive')).toBeUndefined();
    const e = refusal(program('div', 31, 3), 'additive');
    expect((e as ParleyError).code).toBe('UNSUPPORTED');
    expect((e as ParleyError).message).toContain('div on fixed(64,31)');
  });
});
