/**
 * A computation's tables, as the SDK declares them and the node runs them:
 * which program inputs are the columns of which party's table, each table's
 * public bound on rows, and the private join on keys that aligns the rows of
 * several parties' tables before the computation (@parley/psi).
 *
 * Table T's column c is the program input `T.c` of T's party; `T.$present`
 * is a bit input of the same party, 1 on the rows that hold data. A table
 * outside the join has its data rows first, in the data source's order, then
 * zero rows up to its bound. The tables of the join all have the join's
 * bound of rows: the joined rows, in the order every party agrees on, then
 * zero rows; on a joined row, a table's columns hold its party's values and
 * `$present` is 1 where that party holds the key, or zeros and 0 where it
 * does not. The layout is part of the computation id.
 */

/** One party's table. */
export interface TableShape {
  /** The party whose data source fills the table. */
  party: string;
  /** The columns, each the program input `TABLE.COLUMN` (the key column is not one of them). */
  columns: string[];
  /** The key column's name in the party's data, when the computation names it (a policy may name another). */
  key?: string;
  /** Public bound on the table's rows (for a joined table, the join's bound). */
  rows: number;
}

/** The private join of several parties' tables on their key columns. */
export interface JoinShape {
  /** The joined tables, of distinct parties. */
  tables: string[];
  /** A key is a row of the join when at least this many of the tables hold it. */
  minTables: number;
  /** Public bound on the joined rows. */
  rows: number;
}

export interface TableLayout {
  tables: Record<string, TableShape>;
  join?: JoinShape;
  /** Outputs whose values are per row of a table: its party gets each value with the row's key. */
  rowOutputs?: Record<string, string>;
}

/** The bit column of every table: 1 on the rows that hold data. */
export const PRESENT_COLUMN = '$present';

/** The program input that carries column `column` of table `table`. */
export function tableInputName(table: string, column: string): string {
  return `${table}.${column}`;
}

/** Names of tables and their columns: a letter, then letters, digits and underscores. */
export const TABLE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
