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
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
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
import { parse } from 'csv-parse/sync';
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

/**
 * What the other parties of a job hear of `e` when it is an error of one of
 * party `party`'s data sources (thrown by `readDataSource`): the source's
 * name, the party and the error's code, and for a value that is not valid
 * the column the policy bound and the row (which the operators need to find
 * it); never the source's file, its other columns, or a value. Undefined for
 * any other error.
 */
export function dataSourceErrorForPeers(e: unknown, party: string): ParleyError | undefined {
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

/**
 * Reads the requested columns of source `name`; paths are relative to the
 * node directory `dir`. Throws a ParleyError naming the source (a runtime
 * error only by its name: its text may quote a connection string or a value).
 */
export async function readDataSource(
  name: string,
  source: DataSourceConfig,
  dir: string,
  requests: readonly ColumnRequest[],
  options: { keyColumn?: string } = {},
): Promise<TableData> {
  try {
    return await readColumns(name, source, dir, requests, options);
  } catch (e) {
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

async function readColumns(
  name: string,
  source: DataSourceConfig,
  dir: string,
  requests: readonly ColumnRequest[],
  options: { keyColumn?: string },
): Promise<TableData> {
  const where =
    source.type === 'postgres'
      ? `data source ${name} (PostgreSQL query)`
      : `data source ${name} (${source.path})`;
  const rows =
    source.type === 'csv'
      ? await csvRows(name, dirOf(source.path, dir))
      : source.type === 'json'
        ? await jsonRows(name, dirOf(source.path, dir))
        : await postgresRows(name, source.url, source.query);
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
    keys = rows.map((row, i) => {
      const v = own(row, column);
      const key =
        typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
      if (key.length === 0) {
        throw new InvalidInput(`${where}: key column '${column}', row ${i + 1}: no key`, {
          source: name,
          column,
          row: i + 1,
        });
      }
      return key;
    });
  }
  for (const { column, type } of requests) {
    if (rows.length > 0 && !has(rows[0], column)) throw noColumn(column);
    const col = newColumn(widthOf(type), rows.length);
    for (let i = 0; i < rows.length; i++) {
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
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFound(`data source ${name}: ${file} does not exist`, { source: name, file });
    }
    throw new ConfigError(`data source ${name}: ${file} cannot be read`, { source: name, file });
  }
}

async function csvRows(name: string, file: string): Promise<Row[]> {
  try {
    return parse(await text(name, file), { columns: true, skip_empty_lines: true, trim: true }) as Row[];
  } catch (e) {
    if (e instanceof NotFound || e instanceof ConfigError) throw e;
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
