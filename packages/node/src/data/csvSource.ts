/**
 * A CSV data source (node.json `"type": "csv"`): a header line naming the
 * columns, then one record per row (csv-parse: fields trimmed, empty lines
 * skipped). Errors name the source, the file and the line, never a field.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInput } from '@parley/interface';
import { CsvError, parse } from 'csv-parse';
import { fileError, pastRowLimit, type Row, rowsPastLimit } from './_reading.js';

/**
 * The file's rows, parsed as the file streams in (64 KiB chunks): parsing a
 * chunk takes milliseconds, and the event loop turns between chunks (the
 * whole text at once held it for over a second per million rows, long
 * enough for the party links to drop). The parser drops a UTF-8 byte order
 * mark (`bom`), which spreadsheet exports put first. The record after the
 * first `maxRows` fails the read (`pastRowLimit`): the pipeline's streams
 * are destroyed, and the file is read no further.
 */
export async function csvRows(
  name: string,
  file: string,
  signal: AbortSignal | undefined,
  maxRows: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  const collect = new Writable({
    objectMode: true,
    write(row: Row, _encoding, done) {
      if (rows.length >= maxRows) {
        done(pastRowLimit(name, maxRows));
        return;
      }
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
    if (rowsPastLimit(e) !== undefined) throw e;
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
