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
 * long (the party links' heartbeats and the API run on it): a CSV or JSON
 * file is parsed as it streams in (csvSource.ts, jsonSource.ts), a
 * PostgreSQL query's rows come through a cursor in batches
 * (postgresSource.ts), and the loops over a source's rows let the event loop
 * turn every `SLICE_MS` (_reading.ts).
 *
 * A source is read only up to the rows its job can use: the job gives each
 * source its limit before the first read (`DataSourceReads`, the most rows
 * any of the job's inputs and tables on it can take), and a source with more
 * stops being read there: a CSV file past the limit's record, a JSON file
 * past the limit's row or column value (jsonSource.ts), a query past the
 * limit's row. The read then fails with the job's error for the input or
 * table (`readDataSource`'s `tooManyRows`, made with `dataFitError`). A source's rows are held in memory for the job, so what
 * the job holds follows the computation's size, not the source's.
 */
import { isAbsolute, join } from 'node:path';
import { type Column, encodeValue, newColumn, typeToString, type ValueType, widthOf } from '@parley/circuit';
import { errorFromJSON, InternalError, InvalidInput, own, ParleyError } from '@parley/interface';
import type { DataSourceConfig } from '../setup/nodeConfig.js';
import { type Row, rowsPastLimit, Slices, SourceColumns, type SourceData } from './_reading.js';
import { csvRows } from './csvSource.js';
import { jsonData } from './jsonSource.js';
import { postgresRows } from './postgresSource.js';

export { rowsPastLimit };

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

/**
 * One job's reads of its data sources: each source's rows are read once,
 * however many of the job's inputs and tables it feeds. Made for one job run
 * and never shared across jobs (a source's data may change between them);
 * `clear()` drops the rows once the job's inputs are read. `signal` (the
 * job's cancel switch) stops a read under way. `rowLimits`, known before the
 * first read since it is read once: by source name, the most rows the job
 * can use of it (the largest any of its inputs or tables on the source
 * takes); a source with more fails its read there (`rowsPastLimit`). A
 * source without a limit is read whole.
 */
export class DataSourceReads {
  private readonly data = new Map<string, Promise<SourceData>>();

  constructor(
    readonly signal?: AbortSignal,
    private readonly rowLimits: ReadonlyMap<string, number> = new Map(),
  ) {}

  /** The rows or columns of source `name`: read on the first call, the same promise on the next. */
  dataOf(name: string, source: DataSourceConfig, dir: string): Promise<SourceData> {
    let data = this.data.get(name);
    if (!data) {
      data = sourceData(name, source, dir, this.signal, this.rowLimits.get(name));
      this.data.set(name, data);
    }
    return data;
  }

  clear(): void {
    this.data.clear();
  }
}

/**
 * Reads the requested columns of source `name`; paths are relative to the
 * node directory `dir`. Throws a ParleyError naming the source (a runtime
 * error only by its name: its text may quote a connection string or a value).
 * `reads`: the job's reads, so that a source is read once per job, and only
 * up to its row limit there. Past it the read fails with
 * `tooManyRows('more than N')`, the caller's error for its input or table,
 * when given (else `pastRowLimit`'s error: `rowsPastLimit` gives the limit).
 */
export async function readDataSource(
  name: string,
  source: DataSourceConfig,
  dir: string,
  requests: readonly ColumnRequest[],
  options: {
    keyColumn?: string;
    reads?: DataSourceReads;
    tooManyRows?: (rows: string) => ParleyError;
  } = {},
): Promise<TableData> {
  try {
    return await readColumns(name, source, dir, requests, options);
  } catch (e) {
    // The job's cancel (its error, e.g. JobCancelled) stopped the read: it is no failure of the source.
    const signal = options.reads?.signal;
    if (signal?.aborted && e === signal.reason) throw e;
    // The read stopped past the job's limit for the source: its true count is unknown.
    const limit = rowsPastLimit(e);
    if (limit !== undefined && options.tooManyRows) throw options.tooManyRows(`more than ${limit}`);
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

/**
 * The rows (or columns) of source `name`, as its kind of source gives them;
 * the read stops, and fails (`pastRowLimit`), past `maxRows` rows.
 */
async function sourceData(
  name: string,
  source: DataSourceConfig,
  dir: string,
  signal: AbortSignal | undefined,
  maxRows = Number.POSITIVE_INFINITY,
): Promise<SourceData> {
  return source.type === 'csv'
    ? await csvRows(name, dirOf(source.path, dir), signal, maxRows)
    : source.type === 'json'
      ? await jsonData(name, dirOf(source.path, dir), signal, maxRows)
      : await postgresRows(name, source.url, source.query, signal, maxRows);
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
  const data = reads ? await reads.dataOf(name, source, dir) : await sourceData(name, source, dir, undefined);
  const rows = data instanceof SourceColumns ? data.rows : data.length;
  // Where the source's column names are: its first row, or its columns.
  const first: Row = data instanceof SourceColumns ? data.values : data[0];
  /** Column `column`'s value on row `i` (own properties only, as `has`). */
  const readerOf = (column: string): ((i: number) => unknown) => {
    if (!(data instanceof SourceColumns)) return (i) => own(data[i], column);
    const values = own(data.values, column) ?? [];
    return (i) => values[i];
  };
  const slices = new Slices(reads?.signal);
  const columns = new Map<string, Column>();
  const noColumn = (column: string) => {
    const names = Object.keys(first);
    const listed = names.slice(0, LISTED_COLUMNS).map(clipName).join(', ');
    const more = names.length > LISTED_COLUMNS ? ` and ${names.length - LISTED_COLUMNS} more` : '';
    return new InvalidInput(`${where}: no column '${column}' (columns: ${listed}${more})`, {
      source: name,
      column,
    });
  };
  // Own properties only: a column named `constructor` or `toString` is one the source has, or none.
  const has = (column: string) => Object.hasOwn(first, column);
  let keys: string[] | undefined;
  if (options.keyColumn !== undefined) {
    const column = options.keyColumn;
    if (rows > 0 && !has(column)) throw noColumn(column);
    const valueAt = readerOf(column);
    keys = new Array<string>(rows);
    for (let i = 0; i < rows; i++) {
      if (slices.due(i)) await slices.pause();
      const v = valueAt(i);
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
    if (rows > 0 && !has(column)) throw noColumn(column);
    const valueAt = readerOf(column);
    const col = newColumn(widthOf(type), rows);
    for (let i = 0; i < rows; i++) {
      if (slices.due(i)) await slices.pause();
      const value = valueAt(i);
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
  return { rows, columns, ...(keys ? { keys } : {}) };
}

function dirOf(path: string, dir: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}
