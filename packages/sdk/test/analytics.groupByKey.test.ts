/** Group-by on a secret key column: against a plain JS group-by, with overflow, suppression and empty tables; and through the engines. */
import { runGarbledLocally } from '@parley/garbled';
import { bit, defineComputation, groupByKey, int, uint } from '@parley/sdk';
import { runSharingLocally } from '@parley/sharing';
import { describe, expect, it } from 'vitest';

function computation(n: number, groups: number, minGroupSize: number, signed = false) {
  return defineComputation({
    name: 'group-by-key',
    parties: ['a', 'b'],
    inputs: {
      key: { party: 'a', type: signed ? int(12) : uint(12), length: n },
      present: { party: 'a', type: bit, length: n },
      amount: { party: 'b', type: uint(16), length: n },
    },
    outputs: { keys: 'all', count: 'all', sums: 'all', suppressed: 'all', overflow: 'all' },
    compute: ({ key, present, amount }, b) => {
      const g = groupByKey(b, { key, present, columns: { amount }, groups, minGroupSize });
      return {
        keys: g.keys,
        count: g.count,
        sums: g.sum('amount'),
        suppressed: g.suppressed,
        overflow: g.overflow,
      };
    },
  });
}

/** The plain group-by: slots in key order (as unsigned 12-bit patterns), small and missing slots zeroed. */
function reference(keys: number[], present: number[], amount: number[], groups: number, k: number) {
  const by = new Map<number, { count: number; sum: number }>();
  keys.forEach((key, i) => {
    if (!present[i]) return;
    const u = key & 0xfff;
    const e = by.get(u) ?? { count: 0, sum: 0 };
    e.count++;
    e.sum += amount[i];
    by.set(u, e);
  });
  const order = [...by.keys()].sort((x, y) => x - y);
  const slots = Array.from({ length: groups }, (_, s) => (s < order.length ? order[s] : undefined));
  const small = slots.map((u) => u === undefined || (by.get(u)?.count ?? 0) < k);
  return {
    keys: slots.map((u, s) => (small[s] ? 0 : (u as number))),
    count: slots.map((u, s) => (small[s] ? 0 : by.get(u as number)?.count)),
    sums: slots.map((u, s) => (small[s] ? 0 : by.get(u as number)?.sum)),
    suppressed: small.map((x) => (x ? 1 : 0)),
    overflow: order.length > groups ? 1 : 0,
  };
}

const asList = (v: unknown) => (Array.isArray(v) ? v : [v]).map(Number);

let seed = 99;
const rnd = (m: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % m;
};

describe('groupByKey', () => {
  it.each([
    [1, 1, 0],
    [20, 4, 2],
    [60, 8, 3],
    [60, 3, 1],
    [120, 16, 5],
  ])('groups %i rows into at most %i slots by key order, groups under %i suppressed', (n, groups, k) => {
    for (let t = 0; t < 4; t++) {
      const distinct = 1 + rnd(groups + 3);
      const pool = Array.from({ length: distinct }, () => rnd(4096));
      const keys = Array.from({ length: n }, () => pool[rnd(distinct)]);
      const present = Array.from({ length: n }, () => (rnd(10) < 8 ? 1 : 0));
      const amount = Array.from({ length: n }, () => rnd(65536));
      const out = computation(n, groups, k).evaluatePlaintext({ a: { key: keys, present }, b: { amount } });
      const want = reference(keys, present, amount, groups, k);
      for (const name of ['keys', 'count', 'sums', 'suppressed', 'overflow'] as const) {
        expect(asList(out[name]), `${name} (${keys.join(',')})`).toEqual(asList(want[name]));
      }
    }
  });

  it('reads signed keys as their bit patterns and handles a table with no real row', () => {
    const out = computation(4, 4, 1, true).evaluatePlaintext({
      a: { key: [-1, 5, -1, 5], present: [1, 1, 1, 0] },
      b: { amount: [10, 20, 30, 40] },
    });
    expect(asList(out.keys)).toEqual([5, -1, 0, 0]);
    expect(asList(out.sums)).toEqual([20, 40, 0, 0]);
    const none = computation(3, 2, 1).evaluatePlaintext({
      a: { key: [1, 2, 3], present: [0, 0, 0] },
      b: { amount: [1, 2, 3] },
    });
    expect(asList(none.count)).toEqual([0, 0]);
    expect(asList(none.suppressed)).toEqual([1, 1]);
    expect(asList(none.overflow)).toEqual([0]);
  });

  it('gives the plaintext outputs bit for bit in the garbled and the additive secret-sharing engines', async () => {
    const n = 24;
    const keys = Array.from({ length: n }, () => [7, 300, 4000, 12][rnd(4)]);
    const present = Array.from({ length: n }, () => (rnd(10) < 8 ? 1 : 0));
    const amount = Array.from({ length: n }, () => rnd(65536));
    const c = computation(n, 3, 2);
    const inputs = { a: { key: keys, present }, b: { amount } };
    const plain = c.evaluatePlaintext(inputs);
    const runs = [
      (await runGarbledLocally(c.circuit, inputs)).outputs,
      (await runSharingLocally(c.circuit, inputs, { protocol: 'sharing' })).outputs,
    ];
    for (const outputs of runs) {
      for (const name of ['keys', 'count', 'sums', 'suppressed', 'overflow']) {
        expect(Array.from(outputs.a[name] as ArrayLike<bigint>).map(Number), name).toEqual(
          asList(plain[name]),
        );
      }
    }
  });

  it('refuses a key that is not an integer and a column it was not given', () => {
    const base = {
      name: 'bad',
      parties: ['a', 'b'],
      inputs: { k: { party: 'a', type: 'fixed(16,4)', length: 2 }, p: { party: 'a', type: bit, length: 2 } },
      outputs: { x: 'all' as const },
    };
    expect(() =>
      defineComputation({
        ...base,
        compute: ({ k, p }, b) => ({
          x: groupByKey(b, { key: k, present: p, columns: {}, groups: 2, minGroupSize: 0 }).count,
        }),
      }),
    ).toThrow(/key must be uint\(k\) or int\(k\)/);
    expect(() =>
      defineComputation({
        ...base,
        inputs: { k: { party: 'a', type: uint(8), length: 2 }, p: { party: 'a', type: bit, length: 2 } },
        compute: ({ k, p }, b) => ({
          x: groupByKey(b, { key: k, present: p, columns: {}, groups: 2, minGroupSize: 0 }).sum('amount'),
        }),
      }),
    ).toThrow(/no column 'amount'/);
    expect(() =>
      defineComputation({
        ...base,
        inputs: { k: { party: 'a', type: uint(8), length: 2 }, p: { party: 'a', type: bit, length: 2 } },
        compute: ({ k, p }, b) => ({
          x: groupByKey(b, { key: k, present: p, columns: {}, groups: 2, minGroupSize: 0 }).sum('toString'),
        }),
      }),
    ).toThrow(/no column 'toString'/);
  });
});
