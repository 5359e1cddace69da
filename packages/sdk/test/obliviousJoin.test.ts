import { encodeInputs, evaluateProgram } from '@parley/circuit';
import { runGarbledLocally } from '@parley/garbled';
import { bit, defineComputation, fixed, int, obliviousJoin, uint } from '@parley/sdk';
import { runSharingLocally } from '@parley/sharing';
import { describe, expect, it } from 'vitest';

interface Side {
  keys: number[];
  present: number[];
  amount: number[];
  score: number[];
}

/** Alice's and Bob's rows joined on their keys inside the computation; every intermediate column is an output, for the test. */
function joinComputation(n1: number, n2: number) {
  return defineComputation({
    name: 'oblivious-join-test',
    parties: ['alice', 'bob'],
    inputs: {
      aKey: { party: 'alice', type: uint(24), length: n1 },
      aPresent: { party: 'alice', type: bit, length: n1 },
      aAmount: { party: 'alice', type: int(32), length: n1 },
      aScore: { party: 'alice', type: fixed(32, 16), length: n1 },
      bKey: { party: 'bob', type: uint(24), length: n2 },
      bPresent: { party: 'bob', type: bit, length: n2 },
      bAmount: { party: 'bob', type: int(32), length: n2 },
    },
    outputs: {
      matched: 'all',
      leftAmount: 'all',
      leftScore: 'all',
      rightAmount: 'all',
      matches: 'all',
      dot: 'all',
    },
    compute: (i, b) => {
      const j = obliviousJoin(
        b,
        { key: i.aKey, present: i.aPresent, columns: { amount: i.aAmount, score: i.aScore } },
        { key: i.bKey, present: i.bPresent, columns: { amount: i.bAmount } },
      );
      const zero = (v: typeof j.present) => j.present.select(v, 0);
      return {
        matched: j.present,
        leftAmount: zero(j.left.amount),
        leftScore: zero(j.left.score),
        rightAmount: zero(j.right.amount),
        matches: j.present.cast(uint(16)).sum(),
        dot: zero(j.left.amount.cast(int(64)).mul(j.right.amount.cast(int(64)))).sum(),
      };
    },
  });
}

function randomSide(n: number, universe: number, rnd: () => number): Side {
  const keys = new Set<number>();
  while (keys.size < n) keys.add(Math.floor(rnd() * universe));
  return {
    keys: [...keys],
    present: Array.from({ length: n }, () => (rnd() < 0.8 ? 1 : 0)),
    amount: Array.from({ length: n }, () => Math.floor((rnd() - 0.5) * 2 ** 31)),
    score: Array.from({ length: n }, () => Math.round((rnd() - 0.5) * 2 ** 20) / 2 ** 16),
  };
}

function inputsOf(a: Side, b: Side) {
  return {
    alice: { aKey: a.keys, aPresent: a.present, aAmount: a.amount, aScore: a.score },
    bob: { bKey: b.keys, bPresent: b.present, bAmount: b.amount },
  };
}

/** The join in the clear: the (left amount, left score, right amount) of every matched pair, sorted. */
function plainMatches(a: Side, b: Side): string[] {
  const right = new Map(b.keys.map((k, i) => [k, i]));
  const out: string[] = [];
  a.keys.forEach((k, i) => {
    const j = right.get(k);
    if (j !== undefined && a.present[i] && b.present[j])
      out.push(`${a.amount[i]}/${a.score[i]}/${b.amount[j]}`);
  });
  return out.sort();
}

function engineMatches(o: Record<string, unknown>): string[] {
  const list = <T>(v: unknown) => (Array.isArray(v) ? v : [v]) as T[];
  const m = list<bigint>(o.matched);
  const la = list<bigint>(o.leftAmount);
  const ls = list<number>(o.leftScore);
  const ra = list<bigint>(o.rightAmount);
  return m.flatMap((x, i) => (x ? [`${la[i]}/${ls[i]}/${ra[i]}`] : [])).sort();
}

let seed = 12345;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};

describe('obliviousJoin', () => {
  it.each([
    [1, 1],
    [5, 3],
    [16, 16],
    [40, 25],
  ])('matches the plaintext join on %i × %i rows, with payloads of every kind', (n1, n2) => {
    for (let t = 0; t < 4; t++) {
      const a = randomSide(n1, 2 * Math.max(n1, n2), rnd);
      const b = randomSide(n2, 2 * Math.max(n1, n2), rnd);
      const out = joinComputation(n1, n2).evaluatePlaintext(inputsOf(a, b));
      const want = plainMatches(a, b);
      expect(engineMatches(out)).toEqual(want);
      expect(out.matches).toBe(BigInt(want.length));
    }
  });

  it('matches key 0 and rows without data around it', () => {
    const a: Side = { keys: [0, 5, 7], present: [1, 0, 1], amount: [1, 2, 3], score: [0.5, 1, 1.5] };
    const b: Side = { keys: [7, 0, 5], present: [1, 1, 1], amount: [10, 20, 30], score: [] };
    const out = joinComputation(3, 3).evaluatePlaintext(inputsOf(a, b));
    expect(engineMatches(out)).toEqual(['1/0.5/20', '3/1.5/10']);
    expect(out.dot).toBe(1n * 20n + 3n * 10n);
  });

  it('gives the plaintext outputs bit for bit in the garbled engine (2 parties) and the sharing engine', async () => {
    const a = randomSide(12, 30, rnd);
    const b = randomSide(9, 30, rnd);
    const c = joinComputation(12, 9);
    const inputs = inputsOf(a, b);
    // Every output column as the plaintext evaluator encodes it (two's complement, fixed point scaled).
    const plain = evaluateProgram(c.circuit, encodeInputs(c.circuit, inputs));
    const names = c.circuit.outputs.map((o) => o.name);
    expect(names.sort()).toEqual(['dot', 'leftAmount', 'leftScore', 'matched', 'matches', 'rightAmount']);
    expect(c.evaluatePlaintext(inputs).matches).toBeGreaterThan(0n);
    const garbled = await runGarbledLocally(c.circuit, inputs);
    const sharing = await runSharingLocally(c.circuit, inputs, { protocol: 'sharing' });
    for (const run of [garbled.outputs, sharing.outputs]) {
      for (const party of ['alice', 'bob']) {
        const got = run[party] as Record<string, ArrayLike<bigint>>;
        for (const name of names) {
          expect(Array.from(got[name], BigInt), `${party} ${name}`).toEqual(Array.from(plain[name], BigInt));
        }
      }
    }
  });

  it('refuses keys that are not integers and fixed payloads too wide to carry', () => {
    expect(() =>
      defineComputation({
        name: 'bad',
        parties: ['a', 'b'],
        inputs: { k: { party: 'a', type: fixed(32, 8), length: 2 }, p: { party: 'a', type: bit, length: 2 } },
        outputs: { x: 'all' },
        compute: ({ k, p }, b) => ({
          x: obliviousJoin(b, { key: k, present: p, columns: {} }, { key: k, present: p, columns: {} })
            .present,
        }),
      }),
    ).toThrow(/key must be uint\(k\) or int\(k\)/);
    expect(() =>
      defineComputation({
        name: 'bad',
        parties: ['a', 'b'],
        inputs: {
          k: { party: 'a', type: uint(8), length: 2 },
          p: { party: 'a', type: bit, length: 2 },
          v: { party: 'a', type: fixed(64, 16), length: 2 },
        },
        outputs: { x: 'all' },
        compute: ({ k, p, v }, b) => ({
          x: obliviousJoin(b, { key: k, present: p, columns: { v } }, { key: k, present: p, columns: {} })
            .present,
        }),
      }),
    ).toThrow(/fixed\(64,16\) cannot be carried/);
    // uint(16) 65535 and int(16) −1 have the same bits: keys of two types would match across them.
    expect(() =>
      defineComputation({
        name: 'bad',
        parties: ['a', 'b'],
        inputs: {
          k: { party: 'a', type: uint(16), length: 2 },
          s: { party: 'b', type: int(16), length: 2 },
          p: { party: 'a', type: bit, length: 2 },
          q: { party: 'b', type: bit, length: 2 },
        },
        outputs: { x: 'all' },
        compute: ({ k, s, p, q }, b) => ({
          x: obliviousJoin(b, { key: k, present: p, columns: {} }, { key: s, present: q, columns: {} })
            .present,
        }),
      }),
    ).toThrow(/keys of uint\(16\) and int\(16\) differ in type/);
  });

  it("refuses a column named '__proto__', which the joined columns could not hold as a key", () => {
    expect(() =>
      defineComputation({
        name: 'bad',
        parties: ['a', 'b'],
        inputs: {
          k: { party: 'a', type: uint(8), length: 2 },
          p: { party: 'a', type: bit, length: 2 },
          v: { party: 'a', type: int(8), length: 2 },
        },
        outputs: { x: 'all' },
        compute: ({ k, p, v }, b) => {
          // An own key '__proto__' (as JSON.parse or Object.fromEntries make), not an object literal's prototype.
          const columns = Object.fromEntries([['__proto__', v]]);
          const joined = obliviousJoin(
            b,
            { key: k, present: p, columns },
            { key: k, present: p, columns: {} },
          );
          return { x: joined.present };
        },
      }),
    ).toThrow(/obliviousJoin: left may not have a column named '__proto__'/);
  });
});
