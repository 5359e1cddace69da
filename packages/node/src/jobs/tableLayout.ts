/**
 * A submitted computation's tables (@parley/interface TableLayout): checked
 * in shape with zod and against the program — each table's columns and
 * `$present` are inputs of its party with the table's rows, the join's tables
 * belong to distinct parties and have the join's rows, each row output has
 * its table's rows. A proposal whose layout does not fit its program is
 * refused before any data is read.
 */
import { bit, type Program, sameType } from '@parley/circuit';
import {
  InvalidArgument,
  own,
  PRESENT_COLUMN,
  TABLE_NAME_PATTERN,
  type TableLayout,
  tableInputName,
} from '@parley/interface';
import { z } from 'zod';

const name = z.string().regex(TABLE_NAME_PATTERN);
const rows = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31);

export const tableLayoutSchema = z.strictObject({
  tables: z.record(
    name,
    z.strictObject({
      party: z.string().min(1),
      columns: z.array(name).min(1),
      rows,
      key: z.string().min(1).max(200).optional(),
    }),
  ),
  join: z.strictObject({ tables: z.array(name).min(2), minTables: z.number().int().min(1), rows }).optional(),
  rowOutputs: z.record(z.string().min(1), name).optional(),
});

/** The layout, checked in shape and against `program`; throws InvalidArgument naming what does not fit. */
export function checkTableLayout(value: unknown, program: Program): TableLayout {
  const parsed = tableLayoutSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidArgument(`tables: ${issue.path.join('.') || '(layout)'}: ${issue.message}`, {
      field: 'tables',
    });
  }
  const layout = parsed.data as TableLayout;
  const inputs = new Map(
    program.nodes.flatMap((n) => (n.op === 'input' ? [[`${n.party}/${n.name}`, n] as const] : [])),
  );
  const bad = (why: string): never => {
    throw new InvalidArgument(`tables: ${why}`, { field: 'tables' });
  };
  for (const [t, shape] of Object.entries(layout.tables)) {
    if (!program.parties.includes(shape.party)) bad(`table ${t} belongs to '${shape.party}', not a party`);
    for (const c of [...shape.columns, PRESENT_COLUMN]) {
      const n = inputs.get(`${shape.party}/${tableInputName(t, c)}`);
      if (!n) return bad(`table ${t}: the program has no input ${tableInputName(t, c)} of ${shape.party}`);
      if (n.length !== shape.rows)
        bad(`table ${t}: input ${tableInputName(t, c)} has ${n.length} rows, not ${shape.rows}`);
      if (c === PRESENT_COLUMN && !sameType(n.type, bit))
        bad(`table ${t}: ${tableInputName(t, c)} is not a bit`);
    }
  }
  if (layout.join) {
    const { join } = layout;
    const owners = new Set<string>();
    for (const t of join.tables) {
      const shape = own(layout.tables, t);
      if (!shape) return bad(`the join names no table '${t}'`);
      if (owners.has(shape.party)) bad(`the join has two tables of ${shape.party}`);
      owners.add(shape.party);
      if (shape.rows !== join.rows)
        bad(`joined table ${t} has ${shape.rows} rows, not the join's ${join.rows}`);
    }
    if (join.minTables > join.tables.length)
      bad(`minTables ${join.minTables} exceeds the ${join.tables.length} tables`);
  }
  for (const [output, t] of Object.entries(layout.rowOutputs ?? {})) {
    const o = program.outputs.find((x) => x.name === output);
    const shape = own(layout.tables, t);
    if (!o || !shape) return bad(`row output ${output} of table ${t}: no such output or table`);
    if (program.nodes[o.node].length !== shape.rows)
      bad(`row output ${output} does not have table ${t}'s rows`);
  }
  return layout;
}

/**
 * The inputs of `party` that are columns of its own tables (their names), for
 * the policy's per-input bindings to skip. Only the party's own tables: an
 * input of this party named `T.c` where table `T` belongs to another party is
 * an ordinary input of this party, which its policy must bind like any other.
 */
export function tableInputNames(layout: TableLayout | undefined, party: string): Set<string> {
  const names = new Set<string>();
  for (const [t, shape] of Object.entries(layout?.tables ?? {})) {
    if (shape.party !== party) continue;
    for (const c of [...shape.columns, PRESENT_COLUMN]) names.add(tableInputName(t, c));
  }
  return names;
}
