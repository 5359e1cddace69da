/**
 * `defineComputation`: the SDK's entry point. A computation names its
 * parties, declares each input (owner, type, vector length) and each output
 * (who receives it), and builds its result with the typed builder. It gets a
 * stable id (see @parley/circuit ir/canonical.ts) and can be evaluated in plaintext — the
 * reference its secure runs must match.
 */
import {
  CircuitBuilder,
  type CircuitStats,
  circuitStats,
  computationId,
  decodeValue,
  encodeInputs,
  evaluateProgram,
  lowerToBoolean,
  optimize,
  type PlainInputs,
  type Program,
  type Value,
  type ValueType,
} from '@parley/circuit';
import { InvalidArgument, own, PRESENT_COLUMN, type TableLayout, tableInputName } from '@parley/interface';
import { checkProtocol, type Protocol } from './protocols.js';
import {
  type DeclaredTables,
  declareTables,
  type JoinDeclaration,
  type JoinValue,
  type TableDeclaration,
  type TableValue,
} from './tables.js';

export type { Protocol } from './protocols.js';

export interface InputDeclaration {
  /** The party that provides this input. */
  party: string;
  /** A ValueType, or its text (`uint(32)`, `fixed(64,16)`, …). */
  type: ValueType | string;
  /** Vector length (default 1). */
  length?: number;
}

/**
 * Recipients of an output: party names, or `'all'`. `rowsOf` names a table
 * whose rows the output's values are (one per row): its party gets each
 * value with the row's key.
 */
export type OutputDeclaration = string[] | 'all' | { to: string[] | 'all'; rowsOf?: string };

export interface ComputationSpec<I extends string, O extends string, T extends string = never> {
  name: string;
  parties: string[];
  inputs?: Record<I, InputDeclaration>;
  /** Tables: each party's rows with a key column and typed columns (see tables.ts). */
  tables?: Record<T, TableDeclaration>;
  /** The private join of several parties' tables on their keys, before the computation. */
  join?: JoinDeclaration;
  outputs: Record<O, OutputDeclaration>;
  /** Builds each output from the inputs and tables (and the join, when there is one). */
  compute: (
    inputs: Record<I, Value> & Record<T, TableValue>,
    builder: CircuitBuilder,
    join: JoinValue | undefined,
  ) => Record<O, Value>;
  /** Engine choice (default `auto`: garbled for two parties, sharing for more). */
  protocol?: Protocol;
}

/** Output values as a program sees them: integers as bigint, fixed point as number, vectors as arrays. */
export type OutputValue = bigint | number | Array<bigint | number>;

export interface Computation {
  readonly name: string;
  readonly parties: readonly string[];
  readonly protocol: Protocol;
  /** SHA-256 of the canonical encoding (hex): the same on every machine and run. */
  readonly id: string;
  /** The optimised IR. */
  readonly circuit: Program;
  /** Outputs by name, computed in plaintext from every party's inputs. */
  evaluatePlaintext(inputsByParty: PlainInputs): Record<string, OutputValue>;
  /** The outputs each party is entitled to, computed in plaintext. */
  outputsFor(party: string, inputsByParty: PlainInputs): Record<string, OutputValue>;
  /** Statistics of the boolean lowering (AND gates, depth, …). */
  booleanStats(adder?: 'ripple' | 'prefix'): CircuitStats;
  /** The tables and the join, when the computation has tables (part of the id). */
  readonly tables?: TableLayout;
  /**
   * The plaintext reference of a computation with tables: joins the tables'
   * keys in the clear, lays the rows out as the node does (joined rows in
   * key order here; the node's order is another, so compare row outputs by
   * key) and evaluates. `inputs` are the computation's other inputs.
   */
  evaluateTables(tables: Record<string, TableData>, inputs?: PlainInputs): TablesEvaluation;
}

/** A table's rows in the clear: keys (needed for a joined table or a row output) and columns. */
export interface TableData {
  keys?: string[];
  columns: Record<string, ReadonlyArray<number | bigint | boolean>>;
}

export interface TablesEvaluation {
  outputs: Record<string, OutputValue>;
  /** Row outputs (`rowsOf`) by key: what the table's party gets, padding and rows it does not hold left out. */
  byKey: Record<string, Record<string, bigint | number>>;
}

function recipients(name: string, decl: OutputDeclaration, parties: string[]): string[] {
  const to = Array.isArray(decl) || decl === 'all' ? decl : (decl as { to?: unknown } | null)?.to;
  if (to === 'all') return [...parties];
  if (!Array.isArray(to))
    throw new InvalidArgument(`output ${name}: recipients must be party names, 'all' or { to, rowsOf }`, {
      field: name,
    });
  return [...to];
}

/** Throws InvalidArgument naming the first part of `spec` that has the wrong shape (types are the builder's to check). */
function checkSpecShape(spec: unknown): void {
  const isRecord = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(spec)) throw new InvalidArgument('a computation spec must be an object', { field: 'spec' });
  const s = spec as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name.length === 0)
    throw new InvalidArgument('computation name is required', { field: 'name' });
  if (!Array.isArray(s.parties))
    throw new InvalidArgument('parties must be an array of party names', { field: 'parties' });
  for (const field of ['inputs', 'tables'] as const) {
    if (s[field] !== undefined && !isRecord(s[field]))
      throw new InvalidArgument(`${field} must be an object of declarations by name`, { field });
  }
  for (const [name, decl] of Object.entries((s.inputs ?? {}) as Record<string, unknown>)) {
    if (!isRecord(decl))
      throw new InvalidArgument(`input ${name}: expected { party, type, length? }`, { field: name });
  }
  if (!isRecord(s.outputs))
    throw new InvalidArgument('outputs must be an object of recipients by name', { field: 'outputs' });
  if (typeof s.compute !== 'function')
    throw new InvalidArgument('compute must be a function', { field: 'compute' });
}

export function defineComputation<I extends string, O extends string, T extends string = never>(
  spec: ComputationSpec<I, O, T>,
): Computation {
  checkSpecShape(spec);
  const protocol = spec.protocol ?? 'auto';
  const b = new CircuitBuilder(spec.parties);
  checkProtocol(protocol, spec.parties.length);
  const inputs = {} as Record<I, Value> & Record<T, TableValue>;
  for (const [name, decl] of Object.entries(spec.inputs ?? {}) as Array<[I, InputDeclaration]>) {
    (inputs as Record<I, Value>)[name] = b.input(decl.party, name, decl.type as ValueType, decl.length ?? 1);
  }
  let declared: DeclaredTables | undefined;
  if (spec.tables || spec.join) {
    declared = declareTables(
      b,
      spec.parties,
      (spec.tables ?? {}) as Record<string, TableDeclaration>,
      spec.join,
    );
    for (const [name, t] of Object.entries(declared.values)) {
      if (Object.hasOwn(inputs, name))
        throw new InvalidArgument(`'${name}' is both an input and a table`, { field: name });
      (inputs as Record<string, TableValue>)[name] = t;
    }
  }
  const results = spec.compute(inputs, b, declared?.join);
  if (typeof results !== 'object' || results === null)
    throw new InvalidArgument('compute() must return an object of outputs by name', { field: 'compute' });
  for (const [name, decl] of Object.entries(spec.outputs) as Array<[O, OutputDeclaration]>) {
    const v = own(results as Record<string, Value>, name);
    if (!v)
      throw new InvalidArgument(`output ${name} is declared but compute() did not return it`, {
        field: name,
      });
    b.output(name, v, recipients(name, decl, spec.parties));
    const rowsOf = typeof decl === 'object' && !Array.isArray(decl) ? decl.rowsOf : undefined;
    if (rowsOf !== undefined) rowOutput(declared, name, v, rowsOf);
  }
  for (const name of Object.keys(results)) {
    if (!Object.hasOwn(spec.outputs, name))
      throw new InvalidArgument(`compute() returned '${name}', which is not a declared output`, {
        field: name,
      });
  }
  const circuit = optimize(b.build());
  const tables = declared?.layout;
  const id = computationId(circuit, { name: spec.name, protocol, tables });
  const evaluatePlaintext = (inputsByParty: PlainInputs) => {
    const cols = evaluateProgram(circuit, encodeInputs(circuit, inputsByParty));
    return Object.fromEntries(
      circuit.outputs.map((o) => {
        const n = circuit.nodes[o.node];
        const col = cols[o.name];
        const vs = Array.from({ length: col.length }, (_, i) => decodeValue(col[i], n.type));
        return [o.name, n.length === 1 ? vs[0] : vs];
      }),
    );
  };
  return Object.freeze({
    name: spec.name,
    parties: Object.freeze([...spec.parties]),
    protocol,
    id,
    circuit,
    evaluatePlaintext,
    outputsFor(party: string, inputsByParty: PlainInputs) {
      if (!spec.parties.includes(party)) throw new InvalidArgument(`unknown party '${party}'`, { party });
      const all = evaluatePlaintext(inputsByParty);
      return Object.fromEntries(
        circuit.outputs.filter((o) => o.recipients.includes(party)).map((o) => [o.name, all[o.name]]),
      );
    },
    booleanStats(adder: 'ripple' | 'prefix' = 'ripple') {
      return circuitStats(lowerToBoolean(circuit, { adder }).circuit);
    },
    ...(tables ? { tables } : {}),
    evaluateTables(data: Record<string, TableData>, other: PlainInputs = {}) {
      if (!tables) throw new InvalidArgument(`computation ${spec.name} has no tables`);
      const { inputs: laid, keysOf } = layOutTables(tables, data);
      const merged: PlainInputs = {};
      for (const src of [other, laid]) {
        for (const [party, values] of Object.entries(src)) merged[party] = { ...merged[party], ...values };
      }
      const outputs = evaluatePlaintext(merged);
      const byKey = Object.fromEntries(
        Object.entries(tables.rowOutputs ?? {}).map(([name, table]) => {
          const v = outputs[name];
          const values = Array.isArray(v) ? v : [v];
          // fromEntries keeps a key such as "__proto__" as an own entry.
          const rows = keysOf[table].flatMap((key, r) => (key === null ? [] : [[key, values[r]] as const]));
          return [name, Object.fromEntries(rows)];
        }),
      );
      return { outputs, byKey };
    },
  });
}

/** Notes that output `name` is per row of table `table` (its length must be the table's). */
function rowOutput(declared: DeclaredTables | undefined, name: string, v: Value, table: string): void {
  const t = declared?.values[table];
  if (!declared || !t)
    throw new InvalidArgument(`output ${name}: rowsOf names no table '${table}'`, { field: name });
  if (v.length !== t.rows) {
    throw new InvalidArgument(`output ${name}: ${v.length} values, but table ${table} has ${t.rows} rows`, {
      field: name,
    });
  }
  declared.layout.rowOutputs = { ...declared.layout.rowOutputs, [name]: table };
}

/**
 * The tables' inputs as the node lays them out, from plaintext rows: the join
 * in the clear (keys held by at least minTables tables, in key order), each
 * table padded with zero rows to its bound. Also each table's key per row
 * (null on padding and on joined rows it does not hold).
 */
export function layOutTables(
  layout: TableLayout,
  data: Record<string, TableData>,
): { inputs: PlainInputs; keysOf: Record<string, Array<string | null>> } {
  const inputs: PlainInputs = {};
  const keysOf: Record<string, Array<string | null>> = {};
  const rowsOf = (name: string): number => {
    const d = own(data, name);
    if (!d) throw new InvalidArgument(`no data for table ${name}`, { field: name });
    if (typeof d.columns !== 'object' || d.columns === null)
      throw new InvalidArgument(`table ${name}: columns must be an object of arrays`, { field: name });
    const lengths = layout.tables[name].columns.map((c) => {
      const column = own(d.columns, c);
      if (!Array.isArray(column))
        throw new InvalidArgument(`table ${name}: no data for column ${c}`, { field: `${name}.${c}` });
      return column.length;
    });
    if (new Set(lengths).size > 1) throw new InvalidArgument(`table ${name}: columns of different lengths`);
    return lengths[0];
  };
  /** Table `t`'s keys, one per row and no two alike (`why` says why it needs them). */
  const keyRows = (t: string, why: string): string[] => {
    const rows = rowsOf(t);
    const keys = own(data, t)?.keys;
    if (!Array.isArray(keys) || keys.length !== rows)
      throw new InvalidArgument(`table ${t}: ${why}`, { field: t });
    const seen = new Map<string, number>();
    keys.forEach((k, i) => {
      const before = seen.get(k);
      if (before !== undefined)
        throw new InvalidArgument(`table ${t}: rows ${before + 1} and ${i + 1} have the same key`, {
          field: t,
        });
      seen.set(k, i);
    });
    return keys;
  };
  const rowOutputTables = new Set(Object.values(layout.rowOutputs ?? {}));
  // Row index of each table for each of its rows in the layout (-1: a zero row).
  const order: Record<string, number[]> = {};
  const joined = new Set(layout.join?.tables ?? []);
  if (layout.join) {
    const holders = new Map<string, Map<string, number>>();
    for (const t of layout.join.tables) {
      keyRows(t, 'a joined table needs one key per row').forEach((k, i) => {
        const h = holders.get(k) ?? new Map<string, number>();
        h.set(t, i);
        holders.set(k, h);
      });
    }
    const minTables = layout.join.minTables;
    const rows = [...holders]
      .filter(([, h]) => h.size >= minTables)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (rows.length > layout.join.rows) {
      throw new InvalidArgument(
        `the join has ${rows.length} rows, more than its bound of ${layout.join.rows}`,
      );
    }
    for (const t of layout.join.tables) order[t] = rows.map(([, h]) => h.get(t) ?? -1);
  }
  for (const [name, shape] of Object.entries(layout.tables)) {
    if (!joined.has(name)) {
      const n = rowsOf(name);
      if (n > shape.rows)
        throw new InvalidArgument(`table ${name}: ${n} rows, more than its bound of ${shape.rows}`);
      if (rowOutputTables.has(name)) keyRows(name, 'a table with a row output needs one key per row');
      order[name] = Array.from({ length: n }, (_, i) => i);
    }
    const idx = order[name];
    const at = (r: number) => (r < idx.length ? idx[r] : -1);
    const d = data[name];
    inputs[shape.party] ??= {};
    const mine = inputs[shape.party];
    for (const c of shape.columns) {
      mine[tableInputName(name, c)] = Array.from({ length: shape.rows }, (_, r) =>
        at(r) >= 0 ? d.columns[c][at(r)] : 0,
      );
    }
    mine[tableInputName(name, PRESENT_COLUMN)] = Array.from({ length: shape.rows }, (_, r) =>
      at(r) >= 0 ? 1 : 0,
    );
    keysOf[name] = Array.from({ length: shape.rows }, (_, r) =>
      at(r) >= 0 && d.keys ? d.keys[at(r)] : null,
    );
  }
  return { inputs, keysOf };
}
