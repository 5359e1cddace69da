/**
 * A JSON data source (node.json `"type": "json"`): the file holds an array of
 * row objects, or an object of equally long column arrays
 * (`{ "balance": [..], "age": [..] }`), which is kept column by column.
 *
 * The file is parsed as it streams in, 64 KiB at a time (stream-json's
 * tokenizer and assembler: a few milliseconds a piece), and the event loop
 * turns every `SLICE_MS`, as for a CSV file. JSON.parse of the whole text held
 * the event loop for 0.16 to 0.34 s at 10 MB, 0.8 to 1.8 s at 50 MB and 3.7
 * to 7.7 s at 200 MB (either shape), long enough for the party links to drop;
 * streamed, the longest hold was 27 to 84 ms at every size (the party node's
 * V8 flags, a shared two-core machine). The streaming tokenizer runs at about
 * half JSON.parse's speed: a 200 MB file takes 6 to 7 s.
 *
 * The values are JSON.parse's (the tests compare the two on random texts):
 * numbers are doubles (an integer beyond 2^53, which the parse rounded, is
 * refused where the column is read), a `__proto__` key is an own property,
 * the last of duplicate keys wins. Errors name the source and the file, never
 * a value or the parser's message.
 *
 * A file is read only up to the rows its job can use (`maxRows`): the parse
 * stops, and the read fails (`pastRowLimit`), once the top-level array has
 * more than `maxRows` elements or an array straight under the top-level
 * object (a column) has more than `maxRows` values, looked at as each array
 * closes and after each 64 KiB piece. What the job holds then follows the
 * computation's size, not the file's: at most `maxRows` rows and a piece.
 */
import { createReadStream } from 'node:fs';
import { InvalidInput, type ParleyError } from '@parley/interface';
import { none } from 'stream-chain/defs.js';
import { Assembler } from 'stream-json/core/assembler.js';
import { jsonParser } from 'stream-json/core/parser.js';
import { fileError, pastRowLimit, type Row, Slices, SourceColumns, type SourceData } from './_reading.js';

/** Bytes read and parsed at a time. */
const CHUNK_BYTES = 64 * 1024;

/** What `parseJson` throws once the text has more rows than its limit. */
export class PastRowLimit extends Error {
  constructor(readonly maxRows: number) {
    super(`more than ${maxRows} rows`);
    this.name = 'PastRowLimit';
  }
}

/**
 * The rows (an array of row objects) or columns (an object of column arrays)
 * of source `name`'s JSON file `file`. Throws InvalidInput when the file is
 * not JSON or holds neither shape, or has more than `maxRows` rows
 * (`pastRowLimit`: the read stops there), NotFound or ConfigError when it
 * cannot be read, and `signal`'s reason once it is aborted.
 */
export async function jsonData(
  name: string,
  file: string,
  signal: AbortSignal | undefined,
  maxRows = Number.POSITIVE_INFINITY,
): Promise<SourceData> {
  const slices = new Slices(signal);
  const json = await jsonValue(name, file, slices, signal, maxRows);
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) {
      if (slices.due(i)) await slices.pause();
      if (!isObject(json[i])) throw neitherShape(name, file);
    }
    return json as Row[];
  }
  if (isObject(json)) return columns(name, file, json);
  throw neitherShape(name, file);
}

/** The columns of an object of column arrays, all of one length; `{}` has none and no rows. */
function columns(name: string, file: string, json: object): SourceColumns {
  const arrays = Object.values(json);
  const rows = arrays.length === 0 ? 0 : Array.isArray(arrays[0]) ? arrays[0].length : -1;
  if (!arrays.every((v) => Array.isArray(v) && v.length === rows)) throw neitherShape(name, file);
  return new SourceColumns(json as Record<string, unknown[]>, rows);
}

/** The file's JSON value, parsed as it streams in. */
async function jsonValue(
  name: string,
  file: string,
  slices: Slices,
  signal: AbortSignal | undefined,
  maxRows: number,
): Promise<unknown> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  try {
    signal?.throwIfAborted();
    return await parseJson(stream, slices, maxRows);
  } catch (e) {
    signal?.throwIfAborted();
    if (e instanceof PastRowLimit) throw pastRowLimit(name, e.maxRows);
    if (e instanceof SyntaxError) {
      throw new InvalidInput(`data source ${name}: ${file} is not valid JSON`, { source: name, file });
    }
    throw fileError(name, file, e);
  } finally {
    stream.destroy();
  }
}

/**
 * The JSON value of `text` (a file's text, piece by piece), as JSON.parse
 * gives it; a leading UTF-8 byte order mark, which spreadsheet exports put
 * first, is dropped. Between pieces, the event loop turns every `SLICE_MS`.
 * Throws a SyntaxError when the text is not JSON, PastRowLimit (and reads
 * no further) once the top-level array, or an array straight under the
 * top-level object, has more than `maxRows` elements, and what `text` throws.
 */
export async function parseJson(
  text: AsyncIterable<string>,
  slices: Slices,
  maxRows = Number.POSITIVE_INFINITY,
): Promise<unknown> {
  // Packed keys, strings and numbers only: the tokens the assembler reads.
  const tokenize = jsonParser({ streamValues: false });
  const assembler = new Assembler();
  const limited = maxRows !== Number.POSITIVE_INFINITY;
  /**
   * True once the rows read so far are more than `maxRows`: the elements of
   * the top-level array, or the values of the column being read (the array
   * straight under the top-level object). The assembler's stack holds each
   * open array or object under the one being filled (`current`), with its key.
   */
  const pastLimit = (): boolean => {
    const { stack, current } = assembler;
    const top: unknown = stack.length > 0 ? stack[0] : current;
    if (Array.isArray(top)) return top.length > maxRows;
    const column: unknown = stack.length === 2 ? current : stack[2];
    return Array.isArray(column) && column.length > maxRows;
  };
  /** Parses the next piece of the text, or its end (`none`, stream-chain's flush). */
  const parse = (piece: string | typeof none) => {
    let tokens: ReturnType<typeof tokenize>;
    try {
      tokens = tokenize(piece as string);
    } catch {
      // One message for every fault: the caller names the file, and nothing quotes its text.
      throw new SyntaxError('not valid JSON');
    }
    if (tokens === none) return;
    for (const token of tokens.values) {
      // A column is looked at as it closes (several may open and close in one piece), before it is stored.
      if (limited && token.name === 'endArray' && pastLimit()) throw new PastRowLimit(maxRows);
      assembler.consume(token);
    }
    if (limited && pastLimit()) throw new PastRowLimit(maxRows);
  };
  let pieces = 0;
  for await (const piece of text) {
    parse(pieces === 0 && piece.charCodeAt(0) === 0xfeff ? piece.slice(1) : piece);
    if (slices.due(pieces++, 1)) await slices.pause();
  }
  parse(none);
  return assembler.current;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function neitherShape(name: string, file: string): ParleyError {
  return new InvalidInput(
    `data source ${name}: ${file} must hold an array of row objects or an object of equally long column arrays`,
    { source: name, file },
  );
}
