/**
 * A node's data sources (node.json `dataSources`): CSV files (csv-parse),
 * JSON files (an array of row objects, or an object of column arrays) and
 * PostgreSQL queries (pg). A job asks a source for named columns with the
 * types of the computation's inputs; every value is checked against its
 * type. An error names the source, the column and the row (1-based, data
 * rows) and the expected type, never the value. Its message and details
 * (the file, the source's columns) are for this node's operator: the other
 * parties of a job, and the shared ledger, get only the source, the party and
 * the error's code (`dataSourceErrorForPeers`).
 *
 * A job reads each source once (`DataSourceReads`), however many of its
 * inputs and tables the source feeds. Reading never holds the event loop for
 * long (the party links' heartbeats and the API run on it): a CSV file is
 * parsed as it streams in, and the loops over a source's rows let the event
 * loop turn every `SLICE_MS`. A JSON file is still parsed in one go
 * (JSON.parse): large data belongs in CSV or PostgreSQL.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Column, encodeValue, newColumn, typeToString, type ValueType, widthOf } from '@parley/circuit';
import {
  ConfigError,
  errorFromJSON,
  InternalError,
  InvalidInput,
  NotFound,
  own,
  ParleyError,
} from '@parley/interface';
import { CsvError, parse } from 'csv-parse';
import pg from 'pg';
import type { DataSourceConfig } from '../setup/nodeConfig.js';

export interface ColumnRequest {
  column: string;
  type: ValueType;
}

export interface TableData {
  rows: number;
  /** The requested columns, encoded as their types' bit patterns. */
  columns: Map<string, Column>;
  /** The key column's values as text, row by row, when one was asked for. */
  keys?: string[];
}

type Row = Record<string, unknown>;

/** Source columns a "no column" error lists, at most (a source may have any number). */
const LISTED_COLUMNS = 20;

/** A column name as an error quotes it: at most 64 characters, then an ellipsis. */
function clipName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/** The errors `readDataSource` threw, by the name of their source. */
const failedSource = new WeakMap<ParleyError, string>();

/** The errors `dataFitError` marked, by the input or table they are about. */
const unfitData = new WeakMap<ParleyError, { what: 'input' | 'table'; name: string }>();

/**
 * Marks `err`, an error saying how this node's data for input or table
 * `name` does not fit the job (a source's row count against the
 * computation's, or against the policy's minimum), as one whose message is
 * for this node's operator only: a source's size and name are this party's
 * own, so the other parties and the shared ledger get only the error's code
 * and the input or table (`dataSourceErrorForPeers`). Returns `err`.
 */
export function dataFitError<E extends ParleyError>(err: E, what: 'input' | 'table', name: string): E {
  unfitData.set(err, { what, name });
  return err;
}

/**
 * What the other parties of a job hear of `e` when it is an error of one of
 * party `party`'s data sources (thrown by `readDataSource`): the source's
 * name, the party and the error's code, and for a value that is not valid
 * the column the policy bound and the row (which the operators need to find
 * it); never the source's file, its other columns, or a value. For an error
 * marked by `dataFitError`, only its code and the input or table. Undefined
 * for any other error.
 */
export function dataSourceErrorForPeers(e: unknown, party: string): ParleyError | undefined {
  const unfit = e instanceof ParleyError ? unfitData.get(e) : undefined;
  if (unfit) return unfitDataForPeers(e as ParleyError, unfit.what, unfit.name, party);
  const source = e instanceof ParleyError ? failedSource.get(e) : undefined;
  if (source === undefined) return undefined;
  const { code, details } = e as ParleyError;
  const { column, row } = details;
  const where =
    typeof column === 'string' && typeof row === 'number'
      ? ` (column '${clipName(column)}', row ${row})`
      : '';
  return errorFromJSON({
    code,
    message: `data source '${source}' of party ${party} could not be read: ${code}${where}`,
    details: { source, party },
  });
}

/** `dataSourceErrorForPeers` of an error marked by `dataFitError`: no count, no source. */
function unfitDataForPeers(
  e: ParleyError,
  what: 'input' | 'table',
  name: string,
  party: string,
): ParleyError {
  const why =
    e.code === 'POLICY_REFUSED'
      ? 'the data does not meet the policy'
      : 'the data does not fit the computation';
  return errorFromJSON({
    code: e.code,
    message: `${what} ${clipName(name)}: ${why}`,
    details: { field: name, party },
  });
}

/** How long a loop over a source's rows runs before it lets the event loop turn (ms). */
const SLICE_MS = 20;

/** Rows a loop goes through between two looks at the clock. */
const ROWS_PER_LOOK = 1024;

/**
 * A long loop's clock: `due(i)` says when row `i`'s loop has run for
 * `SLICE_MS` and should `await pause()`, which lets the event loop turn
 * (setImmediate: timers and I/O first) and throws once `signal` is aborted.
 */
class Slices {
  private start = performance.now();

  constructor(private readonly signal?: AbortSignal) {}

  due(i: number): boolean {
    return i % ROWS_PER_LOOK === 0 && performance.now() - this.start >= SLICE_MS;
  }

  async pause(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
    this.start = performance.now();
  }
}

/**
 * One job's reads of its data sources: each source's rows are read once,
 * however many of the job's inputs and tables it feeds. Made for one job run
 * and never shared across jobs (a source's data may change between them);
 * `clear()` drops the rows once the job's inputs are read. `signal` (the
 * job's cancel switch) stops a read under way.
 */
export class DataSourceReads {
  private readonly rows = new Map<string, Promise<Row[]>>();

  constructor(readonly signal?: AbortSignal) {}

  /** The rows of source `name`: read on the first call, the same promise on the next. */
  rowsOf(name: string, source: DataSourceConfig, dir: string): Promise<Row[]> {
    let rows = this.rows.get(name);
    if (!rows) {
      rows = sourceRows(name, source, dir, this.signal);
      this.rows.set(name, rows);
    }
    return rows;
  }

  clear(): void {
    this.rows.clear();
  }
}

/**
 * Reads the requested columns of source `name`; paths are relative to the
 * node directory `dir`. Throws a ParleyError naming the source (a runtime
 * error only by its name: its text may quote a connection string or a value).
 * `reads`: the job's reads, so that a source is read once per job.
 */
export async function readDataSource(
  name: string,
  source: DataSourceConfig,
  dir: string,
  requests: readonly ColumnRequest[],
  options: { keyColumn?: string; reads?: DataSourceReads } = {},
): Promise<TableData> {
  try {
    return await readColumns(name, source, dir, requests, options);
  } catch (e) {
    // The job's cancel (its error, e.g. JobCancelled) stopped the read: it is no failure of the source.
    const signal = options.reads?.signal;
    if (signal?.aborted && e === signal.reason) throw e;
    const err =
      e instanceof ParleyError
        ? e
        : new InternalError(`data source ${name} could not be read: ${(e as Error)?.name ?? typeof e}`, {
            source: name,
          });
    failedSource.set(err, name);
    throw err;
  }
}

/** The rows of source `name`, as its kind of source gives them. */
async function sourceRows(
  name: string,
  source: DataSourceConfig,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<Row[]> {
  return source.type === 'csv'
    ? await csvRows(name, dirOf(source.path, dir), signal)
    : source.type === 'json'
      ? await jsonRows(name, dirOf(source.path, dir))
      : await postgresRows(name, source.url, source.query);
}

async function readColumns(
  name: string,
  source: DataSourceConfig,
  dir: string,
  requests: readonly ColumnRequest[],
  options: { keyColumn?: string; reads?: DataSourceReads },
): Promise<TableData> {
  const where =
    source.type === 'postgres'
      ? `data source ${name} (PostgreSQL query)`
      : `data source ${name} (${source.path})`;
  const { reads } = options;
  const rows = reads ? await reads.rowsOf(name, source, dir) : await sourceRows(name, source, dir, undefined);
  const slices = new Slices(reads?.signal);
  const columns = new Map<string, Column>();
  const noColumn = (column: string) => {
    const names = Object.keys(rows[0]);
    const listed = names.slice(0, LISTED_COLUMNS).map(clipName).join(', ');
    const more = names.length > LISTED_COLUMNS ? ` and ${names.length - LISTED_COLUMNS} more` : '';
    return new InvalidInput(`${where}: no column '${column}' (columns: ${listed}${more})`, {
      source: name,
      column,
    });
  };
  // Own properties only: a column named `constructor` or `toString` is one the source has, or none.
  const has = (row: Row, column: string) => Object.hasOwn(row, column);
  let keys: string[] | undefined;
  if (options.keyColumn !== undefined) {
    const column = options.keyColumn;
    if (rows.length > 0 && !has(rows[0], column)) throw noColumn(column);
    keys = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      if (slices.due(i)) await slices.pause();
      const v = own(rows[i], column);
      const key =
        typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
      if (key.length === 0) {
        throw new InvalidInput(`${where}: key column '${column}', row ${i + 1}: no key`, {
          source: name,
          column,
          row: i + 1,
        });
      }
      keys[i] = key;
    }
  }
  for (const { column, type } of requests) {
    if (rows.length > 0 && !has(rows[0], column)) throw noColumn(column);
    const col = newColumn(widthOf(type), rows.length);
    for (let i = 0; i < rows.length; i++) {
      if (slices.due(i)) await slices.pause();
      const value = own(rows[i], column);
      // A JSON number past 2^53 was rounded when the file was parsed: refuse it rather than use another value.
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new InvalidInput(
          `${where}: column '${column}', row ${i + 1}: a JSON number beyond 2^53 cannot be read exactly; write it as a string`,
          { source: name, column, row: i + 1 },
        );
      }
      try {
        col[i] = encodeValue(value, type, column);
      } catch {
        // Not encodeValue's message: it may quote the value.
        throw new InvalidInput(
          `${where}: column '${column}', row ${i + 1}: not a valid ${typeToString(type)} value`,
          {
            source: name,
            column,
            row: i + 1,
          },
        );
      }
    }
    columns.set(column, col);
  }
  return { rows: rows.length, columns, ...(keys ? { keys } : {}) };
}

function dirOf(path: string, dir: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}

/** The file's text, without the UTF-8 byte order mark that spreadsheet exports put first. */
async function text(name: string, file: string): Promise<string> {
  try {
    const t = await readFile(file, 'utf8');
    return t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
  } catch (e) {
    throw fileError(name, file, e);
  }
}

/** The typed error of a file that could not be opened or read (`e`, a system error). */
function fileError(name: string, file: string, e: unknown): ParleyError {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
    return new NotFound(`data source ${name}: ${file} does not exist`, { source: name, file });
  }
  return new ConfigError(`data source ${name}: ${file} cannot be read`, { source: name, file });
}

/**
 * The file's rows, parsed as the file streams in (64 KiB chunks): parsing a
 * chunk takes milliseconds, and the event loop turns between chunks (the
 * whole text at once held it for over a second per million rows, long
 * enough for the party links to drop). The parser drops a UTF-8 byte order
 * mark (`bom`), which spreadsheet exports put first.
 */
async function csvRows(name: string, file: string, signal: AbortSignal | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  const collect = new Writable({
    objectMode: true,
    write(row: Row, _encoding, done) {
      rows.push(row);
      done();
    },
  });
  try {
    await pipeline(
      createReadStream(file),
      parse({ columns: true, skip_empty_lines: true, trim: true, bom: true }),
      collect,
      { signal },
    );
    return rows;
  } catch (e) {
    signal?.throwIfAborted();
    if (!(e instanceof CsvError)) throw fileError(name, file, e);
    // csv-parse errors name the line; keep that, drop any quoted field.
    const line = (e as { lines?: number }).lines;
    throw new InvalidInput(`data source ${name}: ${file} is not valid CSV${line ? ` (line ${line})` : ''}`, {
      source: name,
      file,
      line,
    });
  }
}

async function jsonRows(name: string, file: string): Promise<Row[]> {
  let json: unknown;
  try {
    json = JSON.parse(await text(name, file));
  } catch (e) {
    if (e instanceof NotFound || e instanceof ConfigError) throw e;
    throw new InvalidInput(`data source ${name}: ${file} is not valid JSON`, { source: name, file });
  }
  if (Array.isArray(json) && json.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    return json as Row[];
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    // Columns: { "balance": [..], "age": [..] }, all of one length.
    const cols = Object.entries(json as Record<string, unknown>);
    const n = Array.isArray(cols[0]?.[1]) ? (cols[0][1] as unknown[]).length : -1;
    if (cols.every(([, v]) => Array.isArray(v) && v.length === n)) {
      return Array.from({ length: n }, (_, i) =>
        Object.fromEntries(cols.map(([k, v]) => [k, (v as unknown[])[i]])),
      );
    }
  }
  throw new InvalidInput(
    `data source ${name}: ${file} must hold an array of row objects or an object of equally long column arrays`,
    { source: name, file },
  );
}

async function postgresRows(name: string, url: string, query: string): Promise<Row[]> {
  // Numbers stay text (int8 and numeric exactly): encodeValue parses them for their type.
  let client: pg.Client | undefined;
  try {
    // In the try: a connection string pg cannot parse fails here, and its error may quote the URL.
    client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } });
    await client.connect();
    return (await client.query(query)).rows as Row[];
  } catch (e) {
    // The SQLSTATE only: a server message can quote data.
    const code = (e as { code?: string }).code ?? 'no SQLSTATE: connection failed';
    throw new InvalidInput(`data source ${name}: the PostgreSQL query failed (${code})`, {
      source: name,
      code,
    });
  } finally {
    await client?.end().catch(() => {});
  }
}
