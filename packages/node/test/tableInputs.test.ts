/**
 * A node's tables of a job: which of its inputs are table columns (those of
 * its own tables only, never another party's), the layout's checks, and the
 * reading of its tables by the names the policy binds, looked up as own
 * properties (a table, column or source named `constructor` or `toString` is
 * a name like any other). A table's row count and source reach this node's
 * operator only: the other parties and the ledger hear the code and the table.
 * A table's source is read up to the table's bound, a joined table's up to
 * the keys a party may bring to the join.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bit, CircuitBuilder, type Program, uint } from '@parley/circuit';
import type { TableLayout } from '@parley/interface';
import { MAX_KEYS } from '@parley/psi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSourceReads, jobErrorForPeers, type NodeConfig, policySchema } from '../src/index.js';
import { readTableInputs, tableRowLimits } from '../src/jobs/tableInputs.js';
import { checkTableLayout, tableInputNames } from '../src/jobs/tableLayout.js';
import { rejection } from './_helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-tables-'));
  await writeFile(join(dir, 'proto.csv'), 'id,constructor\nk1,5\nk2,7\n');
  await writeFile(join(dir, 'proto3.csv'), 'id,constructor\nk1,5\nk2,7\nk3,9\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** bankA's table T (column amount, 2 rows) and bankB's own plain input `T.amount` (1 value). */
function crossNamed(): { program: Program; layout: TableLayout } {
  const b = new CircuitBuilder(['bankA', 'bankB']);
  const amount = b.input('bankA', 'T.amount', uint(32), 2);
  b.input('bankA', 'T.$present', bit, 2);
  const mine = b.input('bankB', 'T.amount', uint(32), 1);
  b.output('total', amount.sum().add(mine), ['bankA', 'bankB']);
  const program = b.build();
  const layout = checkTableLayout(
    { tables: { T: { party: 'bankA', columns: ['amount'], rows: 2 } } },
    program,
  );
  return { program, layout };
}

describe('tableInputNames', () => {
  it("names only the party's own table columns: another party's table T leaves this party's input T.c alone", () => {
    const { layout } = crossNamed();
    expect([...tableInputNames(layout, 'bankA')].sort()).toEqual(['T.$present', 'T.amount']);
    expect([...tableInputNames(layout, 'bankB')]).toEqual([]);
    expect([...tableInputNames(undefined, 'bankB')]).toEqual([]);
  });
});

describe('checkTableLayout', () => {
  it('refuses a join or row output naming a table constructor or toString that the layout lacks', () => {
    const { program } = crossNamed();
    const tables = { T: { party: 'bankA', columns: ['amount'], rows: 2 } };
    expect(() =>
      checkTableLayout({ tables, join: { tables: ['T', 'constructor'], minTables: 1, rows: 2 } }, program),
    ).toThrow("tables: the join names no table 'constructor'");
    expect(() => checkTableLayout({ tables, rowOutputs: { total: 'toString' } }, program)).toThrow(
      'tables: row output total of table toString: no such output or table',
    );
  });
});

describe('readTableInputs', () => {
  /** bankB's table `proto`, its one column named `constructor`. */
  function protoTable(): { program: Program; layout: TableLayout } {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const c = b.input('bankB', 'proto.constructor', uint(32), 2);
    b.input('bankB', 'proto.$present', bit, 2);
    b.output('total', c.sum().add(b.input('bankA', 'x', uint(32), 1)), ['bankA', 'bankB']);
    const program = b.build();
    const layout = checkTableLayout(
      { tables: { proto: { party: 'bankB', columns: ['constructor'], rows: 2, key: 'id' } } },
      program,
    );
    return { program, layout };
  }

  const context = (
    program: Program,
    layout: TableLayout,
    source: string,
    sources: NodeConfig['dataSources'],
    minRows = 1,
  ) => {
    // As read from policy.json: the binding's `columns` is a plain object, empty by default.
    const rule = policySchema.parse({
      version: 1,
      allow: [{ computation: 'x', dataSources: [source], tables: { proto: { source } } }],
    }).allow[0];
    return {
      self: 'bankB',
      jobId: 'a'.repeat(32),
      dir,
      config: { dataSources: sources } as NodeConfig,
      program,
      layout,
      bindings: { inputs: {}, tables: rule.tables, minRows },
      recvTimeoutMs: 1000,
    };
  };

  it('reads a table column named constructor from the source column of that name (not a prototype member)', async () => {
    const { program, layout } = protoTable();
    const read = await readTableInputs(
      context(program, layout, 'protos', { protos: { type: 'csv', path: 'proto.csv' } }),
    );
    const id = program.nodes.findIndex((n) => n.op === 'input' && n.name === 'proto.constructor');
    expect(Array.from(read.columns.get(id) ?? [])).toEqual([5n, 7n]);
    expect(read.keysOf.proto).toEqual(['k1', 'k2']);
  });

  it("tells the other parties of a table with more rows than the computation's bound only the table", async () => {
    const { program, layout } = protoTable();
    const e = await rejection(
      readTableInputs(
        context(program, layout, 'branch-7', { 'branch-7': { type: 'csv', path: 'proto3.csv' } }),
      ),
    );
    // This node's own error names the source and the counts.
    expect(e.message).toBe(
      "table proto: data source branch-7 has 3 rows, more than the computation's bound of 2",
    );
    const shared = jobErrorForPeers(e, 'bankB');
    expect(shared.toJSON()).toEqual({
      name: 'InvalidInput',
      code: 'INVALID_INPUT',
      family: 'user',
      message: 'table proto: the data does not fit the computation',
      details: { field: 'proto', party: 'bankB' },
    });
  });

  it("stops reading a table's source past the table's bound, and tells the other parties only the table", async () => {
    const { program, layout } = protoTable();
    const ctx = context(program, layout, 'branch-7', { 'branch-7': { type: 'csv', path: 'proto3.csv' } });
    const limits = tableRowLimits(layout, ctx.bindings, 'bankB');
    expect(limits).toEqual([{ source: 'branch-7', rows: 2 }]);
    // A job's reads, given the limits before the first read.
    const reads = () => new DataSourceReads(undefined, new Map(limits.map((l) => [l.source, l.rows])));
    const e = await rejection(readTableInputs({ ...ctx, reads: reads() }));
    // The read stopped at the third row: its true count is unknown here.
    expect(e.message).toBe(
      "table proto: data source branch-7 has more than 2 rows, more than the computation's bound of 2",
    );
    expect(jobErrorForPeers(e, 'bankB').toJSON()).toEqual({
      name: 'InvalidInput',
      code: 'INVALID_INPUT',
      family: 'user',
      message: 'table proto: the data does not fit the computation',
      details: { field: 'proto', party: 'bankB' },
    });
    // A source of exactly the bound is read whole.
    const ok = await readTableInputs({
      ...context(program, layout, 'branch-7', { 'branch-7': { type: 'csv', path: 'proto.csv' } }),
      reads: reads(),
    });
    expect(ok.keysOf.proto).toEqual(['k1', 'k2']);
  });

  it("gives a joined table's source the keys a party may bring to the join, not the join's rows", () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const a = b.input('bankA', 'A.v', uint(8), 2);
    b.input('bankA', 'A.$present', bit, 2);
    const v = b.input('bankB', 'B.v', uint(8), 2);
    b.input('bankB', 'B.$present', bit, 2);
    const c = b.input('bankB', 'C.v', uint(8), 5);
    b.input('bankB', 'C.$present', bit, 5);
    b.output('s', a.sum().add(v.sum()).add(c.sum()), ['bankA', 'bankB']);
    const program = b.build();
    const layout = checkTableLayout(
      {
        tables: {
          A: { party: 'bankA', columns: ['v'], rows: 2, key: 'id' },
          B: { party: 'bankB', columns: ['v'], rows: 2, key: 'id' },
          C: { party: 'bankB', columns: ['v'], rows: 5, key: 'id' },
        },
        join: { tables: ['A', 'B'], minTables: 2, rows: 2 },
      },
      program,
    );
    const tables = {
      A: { source: 'a', columns: {} },
      B: { source: 'b', columns: {} },
      C: { source: 'c', columns: {} },
    };
    // bankA's table is not bankB's to read; a table the policy binds nothing to has no source.
    expect(tableRowLimits(layout, { inputs: {}, tables, minRows: 1 }, 'bankB')).toEqual([
      { source: 'b', rows: MAX_KEYS },
      { source: 'c', rows: 5 },
    ]);
    expect(tableRowLimits(layout, { inputs: {}, tables: { C: tables.C }, minRows: 1 }, 'bankB')).toEqual([
      { source: 'c', rows: 5 },
    ]);
    expect(tableRowLimits(undefined, { inputs: {}, tables, minRows: 1 }, 'bankB')).toEqual([]);
  });

  it("tells the other parties of a table with fewer rows than the policy's minimum only the table", async () => {
    const { program, layout } = protoTable();
    const e = await rejection(
      readTableInputs(
        context(program, layout, 'branch-7', { 'branch-7': { type: 'csv', path: 'proto.csv' } }, 5),
      ),
    );
    expect(e.code).toBe('POLICY_REFUSED');
    expect(e.message).toBe("table proto has 2 rows, fewer than the policy's minimum of 5");
    const shared = jobErrorForPeers(e, 'bankB');
    expect(shared.toJSON()).toMatchObject({
      code: 'POLICY_REFUSED',
      message: 'table proto: the data does not meet the policy',
      details: { field: 'proto', party: 'bankB' },
    });
    expect(JSON.stringify(shared)).not.toMatch(/branch-7|2 rows|minimum/);
  });

  it('refuses a binding to a data source named toString that node.json does not have', async () => {
    const { program, layout } = protoTable();
    const e = await rejection(readTableInputs(context(program, layout, 'toString', {})));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe("table proto: node.json has no data source 'toString'");
  });
});
