/**
 * Tables in a computation: a party's input can be a table with named, typed
 * columns and a key column, and several parties' tables can be joined on
 * their keys before the computation (a private join, @parley/psi). Inside
 * `compute` a table is a set of secret columns of one public length (its
 * bound on rows) and a `present` bit column, 1 on the rows that hold data;
 * the aggregates of ./analytics take that mask, so padding rows and rows a
 * party does not hold never count. The layout (@parley/interface
 * TableLayout) says how the node fills these inputs; it is part of the
 * computation id.
 */
import { bit, type CircuitBuilder, type Value, type ValueType } from '@parley/circuit';
import {
  InvalidArgument,
  own,
  PRESENT_COLUMN,
  TABLE_NAME_PATTERN,
  type TableLayout,
  tableInputName,
} from '@parley/interface';

export interface TableDeclaration {
  /** The party whose data source fills the table (its policy binds the table to a source and a key column). */
  party: string;
  /** Column types by name: a ValueType or its text (`fixed(32,16)`, `uint(8)`, …). */
  columns: Record<string, ValueType | string>;
  /**
   * The key column's name in the party's data (the join matches on it; it
   * never enters the computation). The party's policy may bind another.
   */
  key?: string;
  /** Public bound on rows; a table in the join takes the join's bound instead. */
  rows?: number;
}

export interface JoinDeclaration {
  /** The tables to join on their keys, each of a different party (two or more). */
  tables: string[];
  /** A key is a joined row when at least this many of the tables hold it (default: all, the intersection). */
  minTables?: number;
  /** Public bound on the joined rows: a job whose join has more rows fails. */
  rows: number;
}

/** A table inside `compute`: its columns and its `present` mask, all of length `rows`. */
export class TableValue {
  constructor(
    readonly name: string,
    readonly party: string,
    readonly rows: number,
    /** 1 on the rows that hold this party's data. */
    readonly present: Value,
    readonly columns: Readonly<Record<string, Value>>,
  ) {}

  /** Column `name`; an unknown name is an InvalidArgument listing the table's columns. */
  column(name: string): Value {
    const c = own(this.columns, name);
    if (!c) {
      throw new InvalidArgument(
        `table ${this.name} has no column '${name}' (columns: ${Object.keys(this.columns).join(', ')})`,
        { field: `${this.name}.${name}` },
      );
    }
    return c;
  }
}

/** The joined rows inside `compute`. */
export interface JoinValue {
  rows: number;
  /** 1 on the joined rows, 0 on the padding after them. */
  present: Value;
  tables: Readonly<Record<string, TableValue>>;
}

export interface DeclaredTables {
  values: Record<string, TableValue>;
  join?: JoinValue;
  layout: TableLayout;
}

function checkName(name: string, what: string): void {
  if (!TABLE_NAME_PATTERN.test(name)) {
    throw new InvalidArgument(
      `${what} '${name}' must start with a letter and hold only letters, digits and underscores (at most 64)`,
      { field: name },
    );
  }
}

function checkRows(rows: unknown, where: string): number {
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) {
    throw new InvalidArgument(`${where}: rows must be a whole number ≥ 1`, { field: where });
  }
  return rows;
}

/** Declares every table's inputs on `b` and returns them with the layout. */
export function declareTables(
  b: CircuitBuilder,
  parties: readonly string[],
  tables: Record<string, TableDeclaration>,
  join: JoinDeclaration | undefined,
): DeclaredTables {
  const joined = new Set(join?.tables ?? []);
  if (join) {
    checkRows(join.rows, 'join');
    if (!Array.isArray(join.tables) || join.tables.length < 2) {
      throw new InvalidArgument('join: name two or more tables', { field: 'join.tables' });
    }
    if (joined.size !== join.tables.length) throw new InvalidArgument('join: a table is named twice');
    const owners = new Set<string>();
    for (const t of join.tables) {
      const decl = own(tables, t);
      if (!decl) throw new InvalidArgument(`join: no table '${t}' is declared`, { field: 'join.tables' });
      if (owners.has(decl.party)) {
        throw new InvalidArgument(
          `join: two joined tables belong to ${decl.party}; join one table per party`,
          {
            party: decl.party,
          },
        );
      }
      owners.add(decl.party);
    }
    const min = join.minTables ?? join.tables.length;
    if (!Number.isInteger(min) || min < 1 || min > join.tables.length) {
      throw new InvalidArgument(`join: minTables must be a whole number in 1..${join.tables.length}`, {
        field: 'join.minTables',
      });
    }
  }
  const layout: TableLayout = { tables: {} };
  const values: Record<string, TableValue> = {};
  for (const [name, decl] of Object.entries(tables)) {
    checkName(name, 'table name');
    if (!parties.includes(decl.party)) {
      throw new InvalidArgument(
        `table ${name}: unknown party '${decl.party}' (parties: ${parties.join(', ')})`,
        {
          field: name,
          party: decl.party,
        },
      );
    }
    const rows = joined.has(name) ? (join as JoinDeclaration).rows : checkRows(decl.rows, `table ${name}`);
    const names = Object.keys(decl.columns ?? {});
    if (names.length === 0)
      throw new InvalidArgument(`table ${name}: declare at least one column`, { field: name });
    const columns: Record<string, Value> = {};
    for (const c of names) {
      checkName(c, `table ${name}: column`);
      const t = decl.columns[c];
      columns[c] = b.input(decl.party, tableInputName(name, c), t as ValueType, rows);
    }
    const present = b.input(decl.party, tableInputName(name, PRESENT_COLUMN), bit, rows);
    values[name] = new TableValue(name, decl.party, rows, present, Object.freeze(columns));
    if (
      decl.key !== undefined &&
      (typeof decl.key !== 'string' || decl.key.length === 0 || decl.key.length > 200)
    ) {
      throw new InvalidArgument(`table ${name}: key must name a column (1 to 200 characters)`, {
        field: name,
      });
    }
    layout.tables[name] = { party: decl.party, columns: names, rows, ...(decl.key ? { key: decl.key } : {}) };
  }
  if (!join) return { values, layout };
  const min = join.minTables ?? join.tables.length;
  layout.join = { tables: [...join.tables], minTables: min, rows: join.rows };
  const members = join.tables.map((t) => values[t]);
  const present = members.slice(1).reduce((acc, t) => acc.or(t.present), members[0].present);
  return {
    values,
    layout,
    join: {
      rows: join.rows,
      present,
      tables: Object.freeze(Object.fromEntries(join.tables.map((t) => [t, values[t]]))),
    },
  };
}
