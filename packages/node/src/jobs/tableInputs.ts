/**
 * This node's tables of a job, read and laid out as the computation expects
 * (@parley/interface tables.ts): each table from the data source its policy
 * binds it to (key column and columns), the joined tables through the
 * private join (@parley/psi ecdhJoin in a worker thread, privateJoin.ts,
 * among the join's parties only, on the job's `job-<id>.join` session),
 * then every column padded with zero rows to
 * the table's bound and its `$present` bit. Also this node's key of every
 * row, for the outputs given per row.
 *
 * Errors name the table, the source and the counts, never a key or a value.
 * A join with more rows than the computation's bound fails the job (every
 * party of the join sees the same count); a table or join with some rows but
 * fewer than the policy's `minRows` is refused (an empty one goes on: it
 * covers no one). A table's own row count and source are this party's: the
 * errors that name them are marked (`dataFitError`) so that the other
 * parties and the shared ledger hear only the code and the table.
 *
 * A table's source is read only up to the rows the table can use
 * (`tableRowLimits`, given to the job's reads before the first read): the
 * table's bound, or for a joined table the keys a party may bring to the
 * join (@parley/psi MAX_KEYS: a party may hold more keys than the join has
 * rows). A source with more fails as a table that does not fit ("more than
 * N rows" in this node's log: its read stopped there).
 */
import { type Column, newColumn, type Program, widthOf } from '@parley/circuit';
import {
  InvalidInput,
  own,
  PolicyRefused,
  PRESENT_COLUMN,
  type TableLayout,
  tableInputName,
} from '@parley/interface';
import { MAX_KEYS } from '@parley/psi';
import type { Session } from '@parley/transport';
import { type DataSourceReads, dataFitError, readDataSource } from '../data/dataSources.js';
import type { NodeConfig } from '../setup/nodeConfig.js';
import type { JobBindings } from './policyCheck.js';
import { joinInWorker } from './privateJoin.js';

export interface TableInputs {
  /** Input columns by program node id. */
  columns: Map<number, Column>;
  /** For each of this node's tables, its key on every row of the layout (null on zero rows). */
  keysOf: Record<string, Array<string | null>>;
}

export interface TableReadContext {
  self: string;
  jobId: string;
  dir: string;
  config: NodeConfig;
  program: Program;
  layout: TableLayout;
  bindings: JobBindings;
  /** The session among the join's parties, when this node has a joined table. */
  joinSession?: Session;
  onJoinProgress?: (done: number, total: number) => void;
  /** How long the join waits for a peer's message. */
  recvTimeoutMs: number;
  /** The job's cancel switch: stops the join. */
  signal?: AbortSignal;
  /** The job's reads of its data sources, so that a source feeding inputs and tables is read once. */
  reads?: DataSourceReads;
}

/** The parties of the join (owners of its tables, in the program's party order). */
export function joinParties(layout: TableLayout, program: Program): string[] {
  const owners = new Set((layout.join?.tables ?? []).map((t) => own(layout.tables, t)?.party));
  return program.parties.filter((p) => owners.has(p));
}

/**
 * The most rows each of this node's tables can use of the data source its
 * policy binds it to: the table's bound, or for a joined table MAX_KEYS (the
 * keys a party may bring to the join). A table with no binding, or no
 * source, has none (its read fails before it starts).
 */
export function tableRowLimits(
  layout: TableLayout | undefined,
  bindings: JobBindings,
  self: string,
): Array<{ source: string; rows: number }> {
  const limits: Array<{ source: string; rows: number }> = [];
  for (const [table, shape] of Object.entries(layout?.tables ?? {})) {
    const binding = shape.party === self ? own(bindings.tables, table) : undefined;
    if (binding === undefined) continue;
    const joined = layout?.join?.tables.includes(table) ?? false;
    limits.push({ source: binding.source, rows: joined ? MAX_KEYS : shape.rows });
  }
  return limits;
}

export async function readTableInputs(ctx: TableReadContext): Promise<TableInputs> {
  const { layout, program, self, bindings } = ctx;
  const out: TableInputs = { columns: new Map(), keysOf: {} };
  const inputId = new Map<string, number>();
  program.nodes.forEach((n, id) => {
    if (n.op === 'input' && n.party === self) inputId.set(n.name, id);
  });
  for (const [table, shape] of Object.entries(layout.tables)) {
    if (shape.party !== self) continue;
    // Own properties only: a table, source or column named `constructor` is looked up like any other name.
    const binding = own(bindings.tables, table);
    if (binding === undefined) {
      throw new InvalidInput(`table ${table}: the policy binds no data to it`, { field: table });
    }
    const source = own(ctx.config.dataSources, binding.source);
    if (!source) {
      throw new InvalidInput(`table ${table}: node.json has no data source '${binding.source}'`, {
        field: table,
      });
    }
    const requests = shape.columns.map((c) => ({
      column: own(binding.columns, c) ?? c,
      type: program.nodes[inputId.get(tableInputName(table, c)) as number].type,
    }));
    const keyColumn = binding.key ?? shape.key;
    if (keyColumn === undefined) {
      throw new InvalidInput(`table ${table}: neither the computation nor the policy names its key column`, {
        field: table,
      });
    }
    const joined = layout.join?.tables.includes(table) ?? false;
    const bound = joined
      ? `the ${MAX_KEYS} keys a party may bring to the join`
      : `the computation's bound of ${shape.rows}`;
    /** The error of a source with more rows than the table can use (`rows`: its count, or "more than N"). */
    const tooMany = (rows: string) => {
      const message = `table ${table}: data source ${binding.source} has ${rows} rows, more than ${bound}`;
      return dataFitError(
        new InvalidInput(message, { field: table, source: binding.source }),
        'table',
        table,
      );
    };
    const data = await readDataSource(binding.source, source, ctx.dir, requests, {
      keyColumn,
      reads: ctx.reads,
      tooManyRows: tooMany,
    });
    const keys = data.keys as string[];
    let order: ArrayLike<number>;
    if (joined) {
      const join = layout.join as NonNullable<TableLayout['join']>;
      // The join refuses more keys than MAX_KEYS too, but in a message that gives the count to its peers.
      if (data.rows > MAX_KEYS) throw tooMany(String(data.rows));
      if (!ctx.joinSession)
        throw new InvalidInput(`table ${table}: the join has no session`, { field: table });
      const encoder = new TextEncoder();
      const result = await joinInWorker(
        ctx.joinSession,
        {
          self,
          parties: joinParties(layout, program),
          keys: keys.map((k) => encoder.encode(k)),
          context: `parley/job/${ctx.jobId}`,
          minParties: join.minTables,
          timeoutMs: ctx.recvTimeoutMs,
        },
        { signal: ctx.signal, onProgress: ctx.onJoinProgress },
      );
      if (result.rows > join.rows) {
        throw new InvalidInput(
          `the join has ${result.rows} rows, more than the computation's bound of ${join.rows}`,
          { field: 'join' },
        );
      }
      order = result.ownRows;
      checkMinRows(`the join has ${result.rows} rows`, result.rows, bindings.minRows);
    } else {
      if (data.rows > shape.rows) throw tooMany(String(data.rows));
      order = Array.from({ length: data.rows }, (_, i) => i);
      checkMinRows(`table ${table} has ${data.rows} rows`, data.rows, bindings.minRows, table);
    }
    const rowAt = (r: number) => (r < order.length ? order[r] : -1);
    shape.columns.forEach((c, k) => {
      const id = inputId.get(tableInputName(table, c)) as number;
      const from = data.columns.get(requests[k].column) as Column;
      const col = newColumn(widthOf(program.nodes[id].type), shape.rows);
      for (let r = 0; r < shape.rows; r++) {
        const i = rowAt(r);
        if (i >= 0) col[r] = from[i];
      }
      out.columns.set(id, col);
    });
    const present = newColumn(1, shape.rows);
    for (let r = 0; r < shape.rows; r++) if (rowAt(r) >= 0) present[r] = 1n;
    out.columns.set(inputId.get(tableInputName(table, PRESENT_COLUMN)) as number, present);
    out.keysOf[table] = Array.from({ length: shape.rows }, (_, r) => (rowAt(r) >= 0 ? keys[rowAt(r)] : null));
  }
  return out;
}

/**
 * Refuses a table or join of 1 … minRows−1 rows; an empty one covers no one and goes on (its aggregates
 * are 0). For this node's `table` (not the join, whose count every party of the join has), the other
 * parties hear only that the table is refused, not its count.
 */
function checkMinRows(what: string, rows: number, minRows: number, table?: string): void {
  if (rows > 0 && rows < minRows) {
    const err = new PolicyRefused(`${what}, fewer than the policy's minimum of ${minRows}`, {
      field: 'minRows',
    });
    throw table === undefined ? err : dataFitError(err, 'table', table);
  }
}
