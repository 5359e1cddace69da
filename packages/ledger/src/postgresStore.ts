/**
 * The server ledger store: PostgreSQL through `pg`. Entries live in plain
 * relational tables that SQL can query (as Azure SQL Database ledger tables
 * do), next to the canonical entry bytes that are hashed. An append is one
 * transaction with synchronous_commit = on, so the WAL is flushed to disk
 * before COMMIT returns (https://www.postgresql.org/docs/15/wal-async-commit.html).
 *
 * Schema (format parley-ledger-postgres/1), in schema `parley_ledger` unless told:
 *   ledger_entries(seq bigint primary key check (seq >= 0), entry bytea, leaf_hash bytea, job_id text,
 *                  computation_id text, outcome text, reason text, parties jsonb,
 *                  input_commitments jsonb, output_hashes jsonb, transcript_hash text,
 *                  started_at timestamptz, finished_at timestamptz, app_data_json jsonb,
 *                  app_data_bytes bytea)
 *   tree_heads(size bigint primary key check (size >= 0), timestamp bigint, root text, signatures jsonb)
 *   store_meta(key text primary key, value text)
 * A bigint beyond 2^53 − 1 reads as a number that is not a safe integer, which
 * `verifyLedger` reports; it also compares the rows it walked with count(*),
 * min and max of each table (`tableSummary`), since a CHECK can be dropped.
 * PostgreSQL checks its own pages as it reads them: a read that finds them
 * damaged (SQLSTATE XX001, XX002) throws LedgerTampered ("ledger database is
 * corrupt: …"), any other failed read ConfigError.
 */

import { ConfigError, InvalidArgument, LedgerTampered, ParleyError, safeText } from '@parley/interface';
import pg from 'pg';
import { columnValues, headFromColumns, readColumns } from './_columns.js';
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

export const POSTGRES_FORMAT = 'parley-ledger-postgres/1';
export const DEFAULT_POSTGRES_SCHEMA = 'parley_ledger';

export interface PostgresStoreOptions {
  /** A libpq URL, postgres://user:password@host:port/database. */
  connectionString: string;
  /** Schema holding the tables (lowercase letters, digits, _). Default `parley_ledger`. */
  schema?: string;
  /** Open an existing ledger without creating anything. Default false. */
  readonly?: boolean;
}

const ENTRY_SELECT =
  'seq, entry, leaf_hash, job_id, computation_id, outcome, reason, parties::text as parties, ' +
  'input_commitments::text as input_commitments, output_hashes::text as output_hashes, transcript_hash, ' +
  'started_at, finished_at, app_data_json::text as app_data_json, app_data_bytes';

function schemaSql(s: string): string {
  return `
create schema if not exists ${s};
create table if not exists ${s}.ledger_entries (
  seq bigint primary key check (seq >= 0),
  entry bytea not null,
  leaf_hash bytea not null,
  job_id text not null,
  computation_id text not null,
  outcome text not null,
  reason text,
  parties jsonb not null,
  input_commitments jsonb not null,
  output_hashes jsonb not null,
  transcript_hash text not null,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  app_data_json jsonb,
  app_data_bytes bytea
);
create index if not exists ledger_entries_job_id on ${s}.ledger_entries (job_id);
create index if not exists ledger_entries_computation_id on ${s}.ledger_entries (computation_id);
create table if not exists ${s}.tree_heads (
  size bigint primary key check (size >= 0),
  timestamp bigint not null,
  root text not null,
  signatures jsonb not null
);
create table if not exists ${s}.store_meta (key text primary key, value text not null);
insert into ${s}.store_meta (key, value) values ('format', '${POSTGRES_FORMAT}') on conflict (key) do nothing;
`;
}

interface HeadRow {
  size: string;
  timestamp: string;
  root: string;
  signatures: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: pg rows are untyped
function rowToStored(r: any): StoredEntry {
  return { seq: Number(r.seq), bytes: r.entry, leafHash: r.leaf_hash, columns: readColumns(r) };
}

export class PostgresStore implements LedgerStore {
  readonly description: string;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    where: string,
  ) {
    this.description = `postgres:${where} schema ${schema}`;
  }

  /** Connects, creating the schema and tables unless `readonly`. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError(`PostgreSQL schema "${schema}" must be lowercase letters, digits and _`, {
        field: 'schema',
      });
    }
    let where = 'database';
    try {
      const u = new URL(options.connectionString);
      where = `${u.hostname}:${u.port || '5432'}${u.pathname}`;
    } catch {
      throw new ConfigError(
        'PostgreSQL connection string is not a URL (postgres://user:password@host:port/db)',
        {
          field: 'connectionString',
        },
      );
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 4,
      connectionTimeoutMillis: 10_000,
    });
    pool.on('error', () => {
      // An idle client lost its connection; the next query reports the failure.
    });
    const store = new PostgresStore(pool, schema, where);
    try {
      const client = await pool.connect();
      try {
        if (options.readonly !== true) {
          await client.query('begin');
          // Serialise schema creation between processes (CREATE … IF NOT EXISTS can race).
          await client.query("select pg_advisory_xact_lock(hashtext('parley-ledger-schema'))");
          await client.query(schemaSql(schema));
          await client.query('commit');
        }
        const r = await client.query(`select value from ${schema}.store_meta where key = 'format'`);
        if (r.rows[0]?.value !== POSTGRES_FORMAT) {
          throw new ConfigError(`schema ${schema} at ${where} is not a Parley ledger`, { field: 'schema' });
        }
      } catch (e) {
        await client.query('rollback').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    } catch (e) {
      await pool.end().catch(() => {});
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`cannot open the PostgreSQL ledger at ${where}: ${(e as Error).message}`, {
        field: 'connectionString',
      });
    }
    return store;
  }

  /** Drops a ledger schema and everything in it (tests and benchmarks clean up with this). */
  static async dropSchema(connectionString: string, schema: string): Promise<void> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new ConfigError(`bad schema name "${schema}"`, { field: 'schema' });
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  }

  /** Runs a query, turning a failure into a typed error that says what was being read. */
  private async read<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ParleyError) throw e;
      const why = safeText(e instanceof Error ? e.message : String(e), 200).replace(/\s+/g, ' ');
      const code = (e as { code?: unknown } | null)?.code;
      // SQLSTATE class XX: data_corrupted (XX001), index_corrupted (XX002).
      if (code === 'XX001' || code === 'XX002') {
        throw new LedgerTampered(
          `ledger database is corrupt: ${this.description}: ${why} (${what})`,
          {},
          {
            cause: e,
          },
        );
      }
      throw new ConfigError(`cannot read the ledger ${this.description}: ${why} (${what})`, {}, { cause: e });
    }
  }

  async nextSeq(): Promise<number> {
    const r = await this.read('reading the next sequence number', () =>
      this.pool.query(`select coalesce(max(seq) + 1, 0) as n from ${this.schema}.ledger_entries`),
    );
    return Number(r.rows[0].n);
  }

  async append(entries: readonly EntryRecord[], head: SignedTreeHead): Promise<void> {
    const s = this.schema;
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local synchronous_commit = on');
      // One writer at a time; readers are not blocked.
      await client.query(`lock table ${s}.ledger_entries in exclusive mode`);
      const next = await client.query(`select coalesce(max(seq) + 1, 0) as n from ${s}.ledger_entries`);
      const latest = await client.query(`select max(size) as n from ${s}.tree_heads`);
      const latestSize = latest.rows[0].n === null ? undefined : Number(latest.rows[0].n);
      const problem = appendProblem(Number(next.rows[0].n), latestSize, entries, head);
      if (problem !== undefined) throw new InvalidArgument(`ledger store ${this.description}: ${problem}`);
      if (entries.length > 0) {
        const cols = entries.map((r) => columnValues(r.entry));
        await client.query(
          `insert into ${s}.ledger_entries (seq, entry, leaf_hash, job_id, computation_id, outcome, reason, parties,
             input_commitments, output_hashes, transcript_hash, started_at, finished_at, app_data_json, app_data_bytes)
           select * from unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::text[],
             $8::jsonb[], $9::jsonb[], $10::jsonb[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::jsonb[],
             $15::bytea[])`,
          [
            entries.map((r) => r.seq),
            entries.map((r) => Buffer.from(r.bytes)),
            entries.map((r) => Buffer.from(r.leafHash)),
            cols.map((c) => c.jobId),
            cols.map((c) => c.computationId),
            cols.map((c) => c.outcome),
            cols.map((c) => c.reason),
            cols.map((c) => c.parties),
            cols.map((c) => c.inputCommitments),
            cols.map((c) => c.outputHashes),
            cols.map((c) => c.transcriptHash),
            cols.map((c) => c.startedAt),
            cols.map((c) => c.finishedAt),
            cols.map((c) => c.appDataJson),
            cols.map((c) => (c.appDataBytes === null ? null : Buffer.from(c.appDataBytes))),
          ],
        );
      }
      const sigs: Record<string, string> = {};
      for (const [name, sig] of Object.entries(head.signatures))
        sigs[name] = Buffer.from(sig).toString('hex');
      await client.query(
        `insert into ${s}.tree_heads (size, timestamp, root, signatures) values ($1, $2, $3, $4)`,
        [head.size, head.timestamp, Buffer.from(head.root).toString('hex'), JSON.stringify(sigs)],
      );
      await client.query('commit');
    } catch (e) {
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async readEntries(fromSeq: number, limit: number): Promise<StoredEntry[]> {
    const r = await this.read(`reading entries from seq ${fromSeq}`, () =>
      this.pool.query(
        `select ${ENTRY_SELECT} from ${this.schema}.ledger_entries where seq >= $1 order by seq limit $2`,
        [fromSeq, limit],
      ),
    );
    return r.rows.map(rowToStored);
  }

  async readLeafHashes(fromSeq: number, limit: number): Promise<{ seq: number; leafHash: Uint8Array }[]> {
    const r = await this.read(`reading leaf hashes from seq ${fromSeq}`, () =>
      this.pool.query(
        `select seq, leaf_hash from ${this.schema}.ledger_entries where seq >= $1 order by seq limit $2`,
        [fromSeq, limit],
      ),
    );
    return r.rows.map((row) => ({ seq: Number(row.seq), leafHash: row.leaf_hash as Uint8Array }));
  }

  async readEntry(seq: number): Promise<StoredEntry | undefined> {
    const r = await this.read(`reading entry ${seq}`, () =>
      this.pool.query(`select ${ENTRY_SELECT} from ${this.schema}.ledger_entries where seq = $1`, [seq]),
    );
    return r.rows.length === 0 ? undefined : rowToStored(r.rows[0]);
  }

  async readHeads(fromSize: number, limit: number): Promise<StoredTreeHead[]> {
    const r = await this.read(`reading tree heads from size ${fromSize}`, () =>
      this.pool.query(
        `select size, timestamp, root, signatures from ${this.schema}.tree_heads where size >= $1 order by size limit $2`,
        [fromSize, limit],
      ),
    );
    return (r.rows as HeadRow[]).map(headFromColumns);
  }

  async latestHead(): Promise<StoredTreeHead | undefined> {
    const r = await this.read('reading the latest tree head', () =>
      this.pool.query(
        `select size, timestamp, root, signatures from ${this.schema}.tree_heads order by size desc limit 1`,
      ),
    );
    return r.rows.length === 0 ? undefined : headFromColumns(r.rows[0] as HeadRow);
  }

  async tableSummary(): Promise<StoreSummary> {
    // As text: a bigint beyond 2^53 stays exact.
    const range = async (key: string, table: string): Promise<KeyRange> => {
      const r = await this.pool.query(
        `select count(*)::text as rows, min(${key})::text as min, max(${key})::text as max from ${this.schema}.${table}`,
      );
      const row = r.rows[0] as { rows: string; min: string | null; max: string | null };
      return { rows: Number(row.rows), min: row.min, max: row.max };
    };
    return this.read('counting rows', async () => ({
      entries: await range('seq', 'ledger_entries'),
      heads: await range('size', 'tree_heads'),
    }));
  }

  /** PostgreSQL checks its pages as it reads them (a damaged one fails the read): nothing more to ask. */
  async integrityProblems(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
