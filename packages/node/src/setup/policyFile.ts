/**
 * A node's policy, `DIR/policy.json`: the computations this node takes part
 * in, on which of its data sources, with which output recipients and a
 * minimum number of rows per aggregate. Anything not allowed is refused; the
 * policy `parley init` writes allows nothing.
 *
 *   { "version": 1,
 *     "allow": [ { "computation": "three-bank-fraud-score",     a name or a 64-hex computation id
 *                  "dataSources": ["accounts"],
 *                  "inputs": { "balance": { "source": "accounts", "column": "balance" } },
 *                  "outputRecipients": ["bankA", "bankB", "bankC"],
 *                  "minRows": 100 } ] }
 *
 * `inputs` binds each of this node's inputs of the computation to a column
 * of one of its data sources; `tables` binds each of its tables to a data
 * source, with the key column the join matches on and, where the names
 * differ, which source column fills each of the table's columns:
 *   "tables": { "accounts": { "source": "accounts", "key": "account_id",
 *                             "columns": { "velocity": "tx_per_day" } } }
 * For a computation with tables, `minRows` is also checked when the job
 * runs: the table's data rows, or the joined rows, must be at least that many.
 * `maxRows` and `maxValues` (defaults below) bound the computation's size:
 * its longest vector, and the values of all its steps together.
 */
import { PARTY_NAME_PATTERN } from '@parley/interface';
import { z } from 'zod';
import { checkWith, readJsonFile } from './_configFile.js';

export const POLICY_FILE = 'policy.json';

/**
 * The longest vector any step of an allowed computation may have, and the
 * values of all its steps together, unless a rule says otherwise: a proposal
 * sets the sizes of the vectors every party's engine holds, so without a
 * bound one proposal could ask a node for more memory than it has.
 */
export const DEFAULT_MAX_ROWS = 2 ** 22;
export const DEFAULT_MAX_VALUES = 2 ** 28;

const binding = z.strictObject({ source: z.string().min(1), column: z.string().min(1) });

/**
 * A table of the computation from a data source: its key column (default:
 * the one the computation names) and, by the table's column names, the
 * source's columns (default: the same names).
 */
const tableBinding = z.strictObject({
  source: z.string().min(1),
  key: z.string().min(1).optional(),
  columns: z.record(z.string().min(1), z.string().min(1)).default({}),
});

const rule = z.strictObject({
  computation: z.string().min(1, 'a computation name or its 64-hex id'),
  dataSources: z.array(z.string().min(1)).default([]),
  inputs: z.record(z.string().min(1), binding).default({}),
  tables: z.record(z.string().min(1), tableBinding).default({}),
  outputRecipients: z.array(z.string().regex(PARTY_NAME_PATTERN, 'party names')).default([]),
  minRows: z.number().int().min(1).default(1),
  maxRows: z.number().int().min(1).default(DEFAULT_MAX_ROWS),
  maxValues: z.number().int().min(1).default(DEFAULT_MAX_VALUES),
});

export const policySchema = z.strictObject({
  version: z.literal(1),
  allow: z.array(rule),
});

export type Policy = z.infer<typeof policySchema>;
/** A policy as written: the fields with defaults may be left out. */
export type PolicyFile = z.input<typeof policySchema>;
export type PolicyRule = z.infer<typeof rule>;
export type InputBinding = z.infer<typeof binding>;
export type TableBinding = z.infer<typeof tableBinding>;

export const EMPTY_POLICY: Policy = { version: 1, allow: [] };

/** Reads and validates a policy file; errors name the file and the field. */
export async function loadPolicy(file: string): Promise<Policy> {
  return checkWith(policySchema, await readJsonFile(file), file);
}
