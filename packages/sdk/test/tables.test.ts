import { InvalidArgument } from '@parley/interface';
import { defineComputation, fixed, layOutTables, uint } from '@parley/sdk';
import { describe, expect, it } from 'vitest';

const banks = ['bankA', 'bankB', 'bankC'];

/** Per joined account: the sum of the three banks' amounts (0 where a bank lacks it), to each bank for its own rows. */
function joinedSum(minTables?: number) {
  return defineComputation({
    name: 'joined-sum',
    parties: banks,
    tables: {
      a: { party: 'bankA', columns: { amount: uint(32) } },
      b: { party: 'bankB', columns: { amount: uint(32) } },
      c: { party: 'bankC', columns: { amount: uint(32), weight: fixed(32, 16) } },
    },
    join: { tables: ['a', 'b', 'c'], minTables, rows: 8 },
    outputs: {
      total: { to: ['bankA'], rowsOf: 'a' },
      rows: 'all',
    },
    compute: ({ a, b, c }, _b, join) => {
      const total = a.column('amount').add(b.column('amount')).add(c.column('amount'));
      const rows = (join as NonNullable<typeof join>).present.cast(uint(32)).sum();
      return { total, rows };
    },
  });
}

const data = {
  a: { keys: ['k1', 'k2', 'k3', 'k4'], columns: { amount: [1, 2, 3, 4] } },
  b: { keys: ['k2', 'k3', 'k5'], columns: { amount: [20, 30, 50] } },
  c: { keys: ['k3', 'k5', 'k1'], columns: { amount: [300, 500, 100], weight: [0.5, 0.25, 1] } },
};

describe('tables and joins in defineComputation', () => {
  it('joins in the clear as the node does: intersection by default', () => {
    const r = joinedSum().evaluateTables(data);
    expect(r.outputs.rows).toBe(1n);
    expect(r.byKey.total).toEqual({ k3: 333n });
  });

  it('keeps keys held by at least minTables tables, and gives each bank only its own rows', () => {
    const r = joinedSum(2).evaluateTables(data);
    // k1 (a, c), k2 (a, b), k3 (a, b, c), k5 (b, c): four joined rows; bankA holds k1, k2, k3.
    expect(r.outputs.rows).toBe(4n);
    expect(r.byKey.total).toEqual({ k1: 101n, k2: 22n, k3: 333n });
  });

  it('lays out joined tables padded to the bound, with the present mask', () => {
    const c = joinedSum(2);
    const { inputs, keysOf } = layOutTables(c.tables!, data);
    expect(inputs.bankB['b.amount']).toEqual([0, 20, 30, 50, 0, 0, 0, 0]);
    expect(inputs.bankB['b.$present']).toEqual([0, 1, 1, 1, 0, 0, 0, 0]);
    expect(keysOf.a).toEqual(['k1', 'k2', 'k3', null, null, null, null, null]);
  });

  it('puts the layout in the computation id', () => {
    expect(joinedSum(2).id).not.toBe(joinedSum(3).id);
    expect(joinedSum(2).id).toBe(joinedSum(2).id);
    expect(joinedSum(2).tables?.join).toEqual({ tables: ['a', 'b', 'c'], minTables: 2, rows: 8 });
  });

  it('pads an unjoined table with zero rows that its mask leaves out', () => {
    const c = defineComputation({
      name: 'one-table',
      parties: ['h1', 'h2'],
      tables: { labs: { party: 'h1', columns: { value: uint(16) }, rows: 5 } },
      inputs: { offset: { party: 'h2', type: uint(16) } },
      outputs: { n: 'all', total: 'all' },
      compute: ({ labs, offset }) => ({
        n: labs.present.cast(uint(16)).sum(),
        total: labs.present.select(labs.column('value').add(offset), 0).sum(),
      }),
    });
    const r = c.evaluateTables({ labs: { columns: { value: [3, 4] } } }, { h2: { offset: 1 } });
    expect(r.outputs).toEqual({ n: 2n, total: 9n });
    expect(() =>
      c.evaluateTables({ labs: { columns: { value: [1, 2, 3, 4, 5, 6] } } }, { h2: { offset: 1 } }),
    ).toThrow(/6 rows, more than its bound of 5/);
  });

  it('refuses bad declarations with an InvalidArgument that names what is wrong', () => {
    const base = {
      name: 'bad',
      parties: banks,
      outputs: { x: 'all' as const },
      compute: () => ({ x: undefined as never }),
    };
    const cases: Array<[object, RegExp]> = [
      [{ tables: { a: { party: 'bankZ', columns: { v: uint(8) }, rows: 2 } } }, /unknown party 'bankZ'/],
      [{ tables: { a: { party: 'bankA', columns: {}, rows: 2 } } }, /at least one column/],
      [{ tables: { a: { party: 'bankA', columns: { 'bad name': uint(8) }, rows: 2 } } }, /column 'bad name'/],
      [{ tables: { a: { party: 'bankA', columns: { v: uint(8) } } } }, /rows must be a whole number/],
      [
        {
          tables: {
            a: { party: 'bankA', columns: { v: uint(8) } },
            b: { party: 'bankA', columns: { v: uint(8) } },
          },
          join: { tables: ['a', 'b'], rows: 4 },
        },
        /two joined tables belong to bankA/,
      ],
      [
        { tables: { a: { party: 'bankA', columns: { v: uint(8) } } }, join: { tables: ['a', 'q'], rows: 4 } },
        /no table 'q'/,
      ],
    ];
    for (const [spec, message] of cases) {
      expect(() => defineComputation({ ...base, ...spec } as never)).toThrow(InvalidArgument);
      expect(() => defineComputation({ ...base, ...spec } as never)).toThrow(message);
    }
  });

  it('gives a row output of a one-row table by key (a length-1 output is a scalar)', () => {
    const c = defineComputation({
      name: 'one-row',
      parties: ['bankA', 'bankB'],
      tables: { t: { party: 'bankA', rows: 1, columns: { amount: uint(32) } } },
      outputs: { s: { to: ['bankA'], rowsOf: 't' } },
      compute: ({ t }) => ({ s: t.column('amount').add(1) }),
    });
    expect(c.evaluateTables({ t: { keys: ['k1'], columns: { amount: [10] } } }).byKey).toEqual({
      s: { k1: 11n },
    });
  });

  it('checks the keys of a table with a row output outside a join, and keeps a "__proto__" key', () => {
    const c = defineComputation({
      name: 'rows',
      parties: ['bankA', 'bankB'],
      tables: { t: { party: 'bankA', rows: 3, columns: { amount: uint(32) } } },
      outputs: { s: { to: ['bankA'], rowsOf: 't' } },
      compute: ({ t }) => ({ s: t.column('amount').add(1) }),
    });
    const run = (keys: string[] | undefined) => () =>
      c.evaluateTables({ t: { ...(keys ? { keys } : {}), columns: { amount: [1, 2] } } });
    expect(run(['k'])).toThrow(/table t: a table with a row output needs one key per row/);
    expect(run(undefined)).toThrow(/needs one key per row/);
    expect(run(['k', 'k'])).toThrow(/table t: rows 1 and 2 have the same key/);
    const byKey = run(['__proto__', 'k'])().byKey.s;
    expect(Object.keys(byKey)).toEqual(['__proto__', 'k']);
    expect(Object.getOwnPropertyDescriptor(byKey, '__proto__')?.value).toBe(2n);
  });

  it('treats inherited names as unknown columns and tables, with typed errors', () => {
    const c = joinedSum();
    expect(() =>
      defineComputation({
        name: 'bad-column',
        parties: banks,
        tables: { a: { party: 'bankA', rows: 2, columns: { amount: uint(32) } } },
        outputs: { s: 'all' },
        compute: ({ a }) => ({ s: a.column('constructor').sum() }),
      }),
    ).toThrow(/table a has no column 'constructor' \(columns: amount\)/);
    expect(() =>
      defineComputation({
        name: 'bad-join',
        parties: banks,
        tables: {
          a: { party: 'bankA', columns: { amount: uint(32) } },
          b: { party: 'bankB', columns: { amount: uint(32) } },
        },
        join: { tables: ['constructor', 'a', 'b'], rows: 4 },
        outputs: { s: 'all' },
        compute: ({ a }) => ({ s: a.column('amount').sum() }),
      }),
    ).toThrow(/join: no table 'constructor' is declared/);
    expect(() => c.evaluateTables({ ...data, toString: data.a } as never)).not.toThrow();
    expect(() => c.evaluateTables({ b: data.b, c: data.c } as never)).toThrow(/no data for table a/);
    expect(() =>
      c.evaluateTables({ ...data, a: { keys: data.a.keys, columns: { constructor: [1] } } } as never),
    ).toThrow(/table a: no data for column amount/);
  });
});
