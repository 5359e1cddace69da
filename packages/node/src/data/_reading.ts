/**
 * What the readers of a node's data sources share (dataSources.ts,
 * jsonSource.ts): the rows or columns they give, the clock that makes a long
 * loop let the event loop turn (the party links' heartbeats and the API run
 * on it), the error of a file that cannot be read, and the error of a source
 * with more rows than its job can use (a read stops there: `pastRowLimit`).
 */
import { ConfigError, InvalidInput, NotFound, type ParleyError } from '@parley/interface';

/** One row of a source: its values by column name (own properties only). */
export type Row = Record<string, unknown>;

/**
 * A source read column by column: a JSON object of equally long column
 * arrays, kept as the file has it. An object per row doubled the memory, and
 * building them took 2 to 7 s for 5.5 million rows, with holds of the event
 * loop of up to 0.9 s. `values` holds each column's array, of `rows` values
 * each.
 */
export class SourceColumns {
  constructor(
    readonly values: Record<string, unknown[]>,
    readonly rows: number,
  ) {}
}

/** A source's data as read: its rows, or its columns. */
export type SourceData = Row[] | SourceColumns;

/** How long a loop over a source's rows or text runs before it lets the event loop turn (ms). */
const SLICE_MS = 20;

/** Rows a loop goes through between two looks at the clock. */
const ROWS_PER_LOOK = 1024;

/**
 * A long loop's clock: `due(i)` says when step `i` of a loop that looks at
 * the clock every `every` steps has run for `SLICE_MS` and should
 * `await pause()`, which lets the event loop turn (setImmediate: timers and
 * I/O first) and throws once `signal` is aborted.
 */
export class Slices {
  private start = performance.now();

  constructor(private readonly signal?: AbortSignal) {}

  due(i: number, every = ROWS_PER_LOOK): boolean {
    return i % every === 0 && performance.now() - this.start >= SLICE_MS;
  }

  async pause(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
    this.start = performance.now();
  }
}

/** The typed error of source `name`'s file that could not be opened or read (`e`, a system error). */
export function fileError(name: string, file: string, e: unknown): ParleyError {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
    return new NotFound(`data source ${name}: ${file} does not exist`, { source: name, file });
  }
  return new ConfigError(`data source ${name}: ${file} cannot be read`, { source: name, file });
}

/** The errors `pastRowLimit` made, by the row limit their source went past. */
const pastLimit = new WeakMap<ParleyError, number>();

/**
 * The error of source `name` whose read stopped past `maxRows`, the most rows
 * its job can use: the source's true row count is unknown, only that it is
 * more. The job's error names the input or table (`rowsPastLimit`).
 */
export function pastRowLimit(name: string, maxRows: number): ParleyError {
  const message = `data source ${name} has more than ${maxRows} rows, more than the job can use`;
  const err = new InvalidInput(message, { source: name, maxRows });
  pastLimit.set(err, maxRows);
  return err;
}

/** The row limit a source went past when `e` is `pastRowLimit`'s error; otherwise undefined. */
export function rowsPastLimit(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null ? pastLimit.get(e as ParleyError) : undefined;
}
