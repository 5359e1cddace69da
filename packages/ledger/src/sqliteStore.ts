/**
 * The embedded ledger store: SQLite through better-sqlite3, in WAL mode with
 * synchronous=FULL, so that a committed append has been fsynced to the WAL
 * before `append` returns (https://www.sqlite.org/pragma.html#pragma_synchronous).
 *
 * Schema (format parley-ledger-sqlite/1), plain tables SQL can query, made in
 * one transaction (a crash while it is made leaves an empty file, which opens):
 *   ledger_entries(seq INTEGER PRIMARY KEY CHECK (seq >= 0), entry BLOB  -- canonical bytes,
 *                  leaf_hash BLOB, job_id, computation_id, outcome, reason,
 *                  parties (JSON), input_commitments (JSON), output_hashes (JSON),
 *                  transcript_hash, started_at, finished_at (ISO 8601 UTC),
 *                  app_data_json, app_data_bytes)
 *   tree_heads(size INTEGER PRIMARY KEY CHECK (size >= 0), timestamp, root (hex), signatures (JSON name -> hex))
 *   store_meta(key PRIMARY KEY, value)
 * The relational columns are a queryable copy; the entry bytes are what is
 * hashed, and `verifyLedger` checks that the copy agrees with them. The CHECKs
 * hold for stores made since they were added; for every store, `verifyLedger`
 * compares the rows it walked with count(*), min and max of each table, and
 * runs `PRAGMA quick_check`. A read that finds the file damaged throws
 * LedgerTampered ("ledger database is corrupt: …"), any other failed read ConfigError.
 */

import { existsSync } from 'node:fs';
import {
  ConfigError,
  InvalidArgument,
  LedgerTampered,
  NotFound,
  ParleyError,
  safeText,
} from '@parley/interface';
import Database from 'better-sqlite3';
import { columnValues, headFromColumns, readColumns } from './_columns.js';
import { quoteUntrusted } from './_untrusted.js';
import {
  appendProblem,
  type EntryRecord,
  type KeyRange,
  type LedgerStore,
  type StoredEntry,
  type StoredTreeHead,
  type StoreSummary,
} from './store.js';
import type { SignedTreeHead } from './treeHead.js';

export const SQLITE_FORMAT = 'parley-ledger-sqlite/1';

const SCHEMA = `
create table if not exists ledger_entries (
  seq integer primary key check (seq >= 0),
  entry blob not null,
  leaf_hash blob not null,
  job_id text not null,
  computation_id text not null,
  outcome text not null,
  reason text,
  parties text not null,
  input_commitments text not null,
  output_hashes text not null,
  transcript_hash text not null,
  started_at text not null,
  finished_at text not null,
  app_data_json text,
  app_data_bytes blob
);
create index if not exists ledger_entries_job_id on ledger_entries (job_id);
create index if not exists ledger_entries_computation_id on ledger_entries (computation_id);
create table if not exists tree_heads (
  size integer primary key check (size >= 0),
  timestamp integer not null,
  root text not null,
  signatures text not null
);
create table if not exists store_meta (key text primary key, value text not null);
`;

const ENTRY_COLUMNS =
  'seq, entry, leaf_hash, job_id, computation_id, outcome, reason, parties, input_commitments, output_hashes, ' +
  'transcript_hash, started_at, finished_at, app_data_json, app_data_bytes';

export interface SqliteStoreOptions {
  /** Open an existing ledger without writing to it (the verifier). Default false. */
  readonly?: boolean;
}

interface EntryRow {
  seq: number;
  entry: Uint8Array;
  leaf_hash: Uint8Array;
  job_id: string;
  computation_id: string;
  outcome: string;
  reason: string | null;
  parties: string;
  input_commitments: string;
  output_hashes: string;
  transcript_hash: string;
  started_at: string;
  finished_at: string;
  app_data_json: string | null;
  app_data_bytes: Uint8Array | null;
}

interface HeadRow {
  size: number;
  timestamp: number;
  root: string;
  signatures: string;
}

function headToRow(h: SignedTreeHead): HeadRow {
  const sigs: Record<string, string> = {};
  for (const [name, sig] of Object.entries(h.signatures)) sigs[name] = Buffer.from(sig).toString('hex');
  return {
    size: h.size,
    timestamp: h.timestamp,
    root: Buffer.from(h.root).toString('hex'),
    signatures: JSON.stringify(sigs),
  };
}

/** Damage reports of `PRAGMA quick_check` kept (it stops after this many). */
const MAX_QUICK_CHECK_LINES = 20;

/** True for the errors of a damaged file (SQLITE_CORRUPT*, and SQLITE_NOTADB once the file has opened). */
function isCorruption(e: unknown, opened: boolean): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || (opened && code === 'SQLITE_NOTADB'))
  );
}

/** A failed read as a typed error of one line: LedgerTampered for a damaged file, ConfigError otherwise. */
function readError(path: string, what: string, e: unknown, opened = true): ParleyError {
  if (e instanceof ParleyError) return e;
  const why = safeText(e instanceof Error ? e.message : String(e), 200).replace(/\s+/g, ' ');
  if (isCorruption(e, opened)) {
    return new LedgerTampered(
      `ledger database is corrupt: ${path}: ${why} (${what})`,
      { file: path },
      {
        cause: e,
      },
    );
  }
  return new ConfigError(
    `cannot read ledger database ${path}: ${why} (${what})`,
    { file: path },
    { cause: e },
  );
}

/** What `PRAGMA quick_check` reports, at most `max` lines; empty when it finds nothing wrong. */
function quickCheck(db: Database.Database, max: number): string[] {
  const lines = db
    .prepare(`pragma quick_check(${max})`)
    .pluck()
    .all()
    .map((x) => String(x));
  return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
}

function rowToStored(r: EntryRow): StoredEntry {
  return { seq: Number(r.seq), bytes: r.entry, leafHash: r.leaf_hash, columns: readColumns(r) };
}

export class SqliteStore implements LedgerStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly appendTx: (entries: readonly EntryRecord[], head: SignedTreeHead) => void;

  private constructor(
    readonly path: string,
    options: SqliteStoreOptions,
  ) {
    this.description = `sqlite:${path}`;
    const readonly = options.readonly === true;
    if (readonly && !existsSync(path))
      throw new NotFound(`ledger database ${path} does not exist`, { file: path });
    try {
      this.db = new Database(path, { readonly, fileMustExist: readonly, timeout: 10_000 });
    } catch (e) {
      throw new ConfigError(`cannot open ledger database ${path}: ${(e as Error).message}`, { file: path });
    }
    try {
      if (!readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = FULL');
        // One transaction for the check, the tables and the format row: a crash part-way leaves the file
        // as it was, never tables without store_meta, which would be refused as "not a Parley ledger" for ever.
        this.db
          .transaction(() => {
            // Never turn some other database into a ledger: an existing file must be one already.
            const tables = this.db
              .prepare("select name from sqlite_master where type = 'table'")
              .pluck()
              .all() as string[];
            if (tables.length > 0 && !tables.includes('store_meta')) {
              throw new ConfigError(`${path} is a SQLite database but not a Parley ledger`, { file: path });
            }
            this.db.exec(SCHEMA);
            this.db
              .prepare('insert or ignore into store_meta (key, value) values (?, ?)')
              .run('format', SQLITE_FORMAT);
          })
          .immediate();
      }
      const format = this.db.prepare('select value from store_meta where key = ?').pluck().get('format');
      if (format !== SQLITE_FORMAT) {
        // A damaged file can lose its format row: say so rather than "not a Parley ledger".
        const damage = quickCheck(this.db, 1);
        if (damage.length > 0) {
          throw new LedgerTampered(
            `ledger database is corrupt: ${path}: ${safeText(damage[0], 200).replace(/\s+/g, ' ')} (opening it)`,
            { file: path },
          );
        }
        throw new ConfigError(
          `${path} is not a Parley ledger (format ${typeof format === 'string' ? quoteUntrusted(format) : String(format)}, want ${SQLITE_FORMAT})`,
          {
            file: path,
          },
        );
      }
    } catch (e) {
      this.db.close();
      if (e instanceof ParleyError) throw e;
      if (isCorruption(e, false)) throw readError(path, 'opening it', e, false);
      throw new ConfigError(`${path} is not a Parley ledger database: ${(e as Error).message}`, {
        file: path,
      });
    }

    const insertEntry = this.db.prepare(
      `insert into ledger_entries (${ENTRY_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertHead = this.db.prepare(
      'insert into tree_heads (size, timestamp, root, signatures) values (@size, @timestamp, @root, @signatures)',
    );
    const nextSeq = this.db.prepare('select coalesce(max(seq) + 1, 0) from ledger_entries').pluck();
    const latestSize = this.db.prepare('select max(size) from tree_heads').pluck();
    const tx = this.db.transaction((entries: readonly EntryRecord[], head: SignedTreeHead) => {
      const latest = latestSize.get() as number | null;
      const problem = appendProblem(nextSeq.get() as number, latest ?? undefined, entries, head);
      if (problem !== undefined) throw new InvalidArgument(`ledger store ${path}: ${problem}`);
      for (const r of entries) {
        const c = columnValues(r.entry);
        insertEntry.run(
          r.seq,
          r.bytes,
          r.leafHash,
          c.jobId,
          c.computationId,
          c.outcome,
          c.reason,
          c.parties,
          c.inputCommitments,
          c.outputHashes,
          c.transcriptHash,
          c.startedAt,
          c.finishedAt,
          c.appDataJson,
          c.appDataBytes,
        );
      }
      insertHead.run(headToRow(head));
    });
    // BEGIN IMMEDIATE: take the write lock before reading the log's end.
    this.appendTx = (entries, head) => tx.immediate(entries, head);
  }

  /** Opens (creating unless `readonly`) the ledger database at `path`. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, options);
  }

  /** Runs a read, turning a failure into a typed error that says what was being read. */
  private read<T>(what: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw readError(this.path, what, e);
    }
  }

  async nextSeq(): Promise<number> {
    return this.read(
      'reading the next sequence number',
      () => this.db.prepare('select coalesce(max(seq) + 1, 0) from ledger_entries').pluck().get() as number,
    );
  }

  async append(entries: readonly EntryRecord[], head: SignedTreeHead): Promise<void> {
    this.appendTx(entries, head);
  }

  async readEntries(fromSeq: number, limit: number): Promise<StoredEntry[]> {
    const rows = this.read(
      `reading entries from seq ${fromSeq}`,
      () =>
        this.db
          .prepare(`select ${ENTRY_COLUMNS} from ledger_entries where seq >= ? order by seq limit ?`)
          .all(fromSeq, limit) as EntryRow[],
    );
    return rows.map(rowToStored);
  }

  async readLeafHashes(fromSeq: number, limit: number): Promise<{ seq: number; leafHash: Uint8Array }[]> {
    const rows = this.read(
      `reading leaf hashes from seq ${fromSeq}`,
      () =>
        this.db
          .prepare('select seq, leaf_hash from ledger_entries where seq >= ? order by seq limit ?')
          .raw()
          .all(fromSeq, limit) as [number, Uint8Array][],
    );
    return rows.map(([seq, leafHash]) => ({ seq, leafHash }));
  }

  async readEntry(seq: number): Promise<StoredEntry | undefined> {
    const row = this.read(
      `reading entry ${seq}`,
      () =>
        this.db.prepare(`select ${ENTRY_COLUMNS} from ledger_entries where seq = ?`).get(seq) as
          | EntryRow
          | undefined,
    );
    return row === undefined ? undefined : rowToStored(row);
  }

  async readHeads(fromSize: number, limit: number): Promise<StoredTreeHead[]> {
    const rows = this.read(
      `reading tree heads from size ${fromSize}`,
      () =>
        this.db
          .prepare(
            'select size, timestamp, root, signatures from tree_heads where size >= ? order by size limit ?',
          )
          .all(fromSize, limit) as HeadRow[],
    );
    return rows.map(headFromColumns);
  }

  async latestHead(): Promise<StoredTreeHead | undefined> {
    const row = this.read(
      'reading the latest tree head',
      () =>
        this.db
          .prepare('select size, timestamp, root, signatures from tree_heads order by size desc limit 1')
          .get() as HeadRow | undefined,
    );
    return row === undefined ? undefined : headFromColumns(row);
  }

  async tableSummary(): Promise<StoreSummary> {
    // Exact integers (bigint), whatever their size: a key beyond 2^53 must not round to one the walk read.
    const range = (sql: string): KeyRange => {
      const [rows, min, max] = this.db.prepare(sql).raw().safeIntegers().get() as unknown[];
      return {
        rows: Number(rows),
        min: min === null ? null : String(min),
        max: max === null ? null : String(max),
      };
    };
    return this.read('counting rows', () => ({
      entries: range('select count(*), min(seq), max(seq) from ledger_entries'),
      heads: range('select count(*), min(size), max(size) from tree_heads'),
    }));
  }

  async integrityProblems(): Promise<string[]> {
    return this.read('running PRAGMA quick_check', () => quickCheck(this.db, MAX_QUICK_CHECK_LINES));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
