/**
 * Where things live. A node directory (made by `parley init`) keeps its
 * ledger replica in `DIR/ledger.db` (SQLite) and the consortium file in
 * `DIR/consortium.json`. A ledger target is either a SQLite path or a
 * PostgreSQL URL (postgres://… or postgresql://…).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Consortium } from '@parley/interface';
import { ConfigError, NotFound } from '@parley/interface';
import { parseLedgerConsortium } from './consortium.js';
import { PostgresStore } from './postgresStore.js';
import { SqliteStore } from './sqliteStore.js';
import type { LedgerStore } from './store.js';

export const NODE_LEDGER_FILE = 'ledger.db';
export const NODE_CONSORTIUM_FILE = 'consortium.json';

/** The ledger database and consortium file of the node directory `dir`. */
export function nodeLedgerPaths(dir: string): { ledger: string; consortium: string } {
  return { ledger: join(dir, NODE_LEDGER_FILE), consortium: join(dir, NODE_CONSORTIUM_FILE) };
}

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** Opens a store: a PostgreSQL URL or a SQLite file path. `readonly` never creates or writes. */
export async function openLedgerStore(
  target: string,
  options: { readonly?: boolean; schema?: string } = {},
): Promise<LedgerStore> {
  if (isPostgresUrl(target)) {
    const o: { connectionString: string; readonly?: boolean; schema?: string } = { connectionString: target };
    if (options.readonly !== undefined) o.readonly = options.readonly;
    if (options.schema !== undefined) o.schema = options.schema;
    return PostgresStore.open(o);
  }
  return SqliteStore.open(target, { readonly: options.readonly === true });
}

/** Reads and validates a consortium file (ConfigError / NotFound naming the file). */
export function readConsortiumFile(path: string): Consortium {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NotFound(`consortium file ${path} does not exist`, { file: path });
    throw new ConfigError(`cannot read consortium file ${path}: ${err.message}`, { file: path });
  }
  return parseLedgerConsortium(text, `consortium file ${path}`);
}
