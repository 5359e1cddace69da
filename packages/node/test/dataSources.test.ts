/**
 * Data sources: CSV, JSON and PostgreSQL columns checked against input types; errors name source, column and row,
 * never the value. A job's reads read each source once, and only up to the rows the job can use: a source with more
 * stops being read there (a file's far end, not valid, is never reached; a query's far row, a division by zero, is
 * never computed). A large CSV or JSON file is read without holding the event loop, and JSON parsed as it streams in
 * gives what JSON.parse gives, under a row limit too.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixed, int, uint } from '@parley/circuit';
import { JobCancelled, own } from '@parley/interface';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, usePostgres } from '../../../test/postgres.js';
import { Slices } from '../src/data/_reading.js';
import { PastRowLimit, parseJson } from '../src/data/jsonSource.js';
import { DataSourceReads, dataSourceErrorForPeers, readDataSource, rowsPastLimit } from '../src/index.js';
import { rejection } from './_helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-data-'));
  await writeFile(join(dir, 'accounts.csv'), 'account,balance,rate\nA1,1200,0.5\nA2,-35,1.25\n\nA3,0,-2\n');
  await writeFile(join(dir, 'bad.csv'), 'account,balance\nA1,12\nA2,secret-77\n');
  await writeFile(
    join(dir, 'rows.json'),
    JSON.stringify([
      { x: 1, y: '0x10' },
      { x: 2, y: 3 },
    ]),
  );
  await writeFile(join(dir, 'cols.json'), JSON.stringify({ x: [5, 6, 7] }));
  await writeFile(join(dir, 'ragged.json'), JSON.stringify({ x: [5, 6], y: [1] }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const values = (c: { length: number; [i: number]: bigint } | undefined) =>
  c ? Array.from({ length: c.length }, (_, i) => c[i]) : undefined;

/** A job's reads that may use at most `rows` rows of source `name`. */
const limited = (name: string, rows: number) => new DataSourceReads(undefined, new Map([[name, rows]]));

describe('CSV and JSON data sources', () => {
  it('reads typed columns (signed, fixed point), skipping blank lines', async () => {
    const t = await readDataSource('accounts', { type: 'csv', path: 'accounts.csv' }, dir, [
      { column: 'balance', type: int(32) },
      { column: 'rate', type: fixed(32, 8) },
    ]);
    expect(t.rows).toBe(3);
    expect(values(t.columns.get('balance'))).toEqual([1200n, BigInt.asUintN(32, -35n), 0n]);
    expect(values(t.columns.get('rate'))).toEqual([128n, 320n, BigInt.asUintN(32, -512n)]);
  });

  it('reads a spreadsheet export: a UTF-8 byte order mark (CSV and JSON), CRLF line ends, quoted fields', async () => {
    await writeFile(join(dir, 'excel.csv'), '\uFEFFaccount,balance\r\n"A1",12\r\n"A,2","-3"\r\n');
    const t = await readDataSource('excel', { type: 'csv', path: 'excel.csv' }, dir, [
      { column: 'account', type: uint(8) },
      { column: 'balance', type: int(16) },
    ]).catch((e) => e);
    // The first header is "account", not "\uFEFFaccount": the type check reaches the data.
    expect(String(t.message)).toMatch(/column 'account', row 1: not a valid uint\(8\) value/);
    const ok = await readDataSource('excel', { type: 'csv', path: 'excel.csv' }, dir, [
      { column: 'balance', type: int(16) },
    ]);
    expect(values(ok.columns.get('balance'))).toEqual([12n, BigInt.asUintN(16, -3n)]);
    await writeFile(join(dir, 'bom.json'), `\uFEFF${JSON.stringify({ x: [1, 2] })}`);
    const json = await readDataSource('bom', { type: 'json', path: 'bom.json' }, dir, [
      { column: 'x', type: uint(8) },
    ]);
    expect(values(json.columns.get('x'))).toEqual([1n, 2n]);
  });

  it('names the column and row of a bad value without quoting it', async () => {
    const e = await rejection(
      readDataSource('b', { type: 'csv', path: 'bad.csv' }, dir, [{ column: 'balance', type: uint(16) }]),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe("data source b (bad.csv): column 'balance', row 2: not a valid uint(16) value");
    expect(e.details).toMatchObject({ column: 'balance', row: 2 });
    expect(e.message).not.toContain('secret');
    const missing = await rejection(
      readDataSource('b', { type: 'csv', path: 'bad.csv' }, dir, [{ column: 'age', type: uint(8) }]),
    );
    expect(missing.message).toContain("no column 'age'");
    const gone = await rejection(readDataSource('g', { type: 'csv', path: 'nope.csv' }, dir, []));
    expect(gone.code).toBe('NOT_FOUND');
  });

  it('reads JSON rows or columns and refuses ragged columns', async () => {
    const rows = await readDataSource('r', { type: 'json', path: 'rows.json' }, dir, [
      { column: 'y', type: uint(8) },
    ]);
    expect(values(rows.columns.get('y'))).toEqual([16n, 3n]);
    const cols = await readDataSource('c', { type: 'json', path: join(dir, 'cols.json') }, '/elsewhere', [
      { column: 'x', type: uint(8) },
    ]);
    expect(values(cols.columns.get('x'))).toEqual([5n, 6n, 7n]);
    expect(
      (await rejection(readDataSource('j', { type: 'json', path: 'ragged.json' }, dir, []))).message,
    ).toContain('equally long column arrays');
  });

  it('refuses a JSON number past 2^53 (rounded by the parse) and reads the same value exactly as a string', async () => {
    await writeFile(join(dir, 'big.json'), '{"x": [1, 12345678901234567890]}');
    await writeFile(join(dir, 'bigText.json'), '{"x": [1, "12345678901234567890"]}');
    const e = await rejection(
      readDataSource('b', { type: 'json', path: 'big.json' }, dir, [{ column: 'x', type: uint(64) }]),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe(
      "data source b (big.json): column 'x', row 2: a JSON number beyond 2^53 cannot be read exactly; write it as a string",
    );
    const exact = await readDataSource('t', { type: 'json', path: 'bigText.json' }, dir, [
      { column: 'x', type: uint(64) },
    ]);
    expect(values(exact.columns.get('x'))).toEqual([1n, 12345678901234567890n]);
  });
});

describe('reading a large CSV file', () => {
  it('lets the event loop turn while it reads 500,000 rows (a party link misses no heartbeat)', async () => {
    const rows = 500_000;
    const lines = Array.from({ length: rows }, (_, i) => `k${i},${i % 60_000}`);
    await writeFile(join(dir, 'large.csv'), `id,amount\n${lines.join('\n')}\n`);
    const {
      value: t,
      longest,
      ticks,
    } = await heldWhile(() =>
      readDataSource(
        'large',
        { type: 'csv', path: 'large.csv' },
        dir,
        [{ column: 'amount', type: uint(16) }],
        {
          keyColumn: 'id',
        },
      ),
    );
    expect(t.rows).toBe(rows);
    expect(t.keys?.[rows - 1]).toBe(`k${rows - 1}`);
    expect(t.columns.get('amount')?.[rows - 1]).toBe(BigInt((rows - 1) % 60_000));
    // Parsing the whole text at once held the event loop for over half a second; in slices, a few tens of ms.
    expect(longest).toBeLessThan(250);
    expect(ticks).toBeGreaterThan(10);
  }, 60_000);

  it('names the line of a CSV file that is not valid, and refuses a path that is not a file', async () => {
    await writeFile(join(dir, 'ragged.csv'), 'a,b\n1,2\n3\n');
    const e = await rejection(readDataSource('r', { type: 'csv', path: 'ragged.csv' }, dir, []));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe(`data source r: ${join(dir, 'ragged.csv')} is not valid CSV (line 3)`);
    const folder = await rejection(readDataSource('f', { type: 'csv', path: '.' }, dir, []));
    expect(folder.code).toBe('CONFIG');
    expect(folder.message).toBe(`data source f: ${dir} cannot be read`);
  });
});

/** The longest the event loop was held (ms) and how often a 1 ms timer ran while `read` ran. */
async function heldWhile<T>(read: () => Promise<T>): Promise<{ value: T; longest: number; ticks: number }> {
  let ticks = 0;
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 1);
  try {
    const value = await read();
    return { value, longest: Math.max(longest, performance.now() - last), ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('reading a large JSON file', () => {
  // About 24 MB in each shape: JSON.parse of the whole text held the event loop for 0.5 to 1 s.
  const rows = 360_000;
  const columnRows = 640_000;
  const row = (i: number) => ({
    id: `k${i}`,
    amount: i % 60_000,
    rate: (i % 1000) / 8,
    name: `customer-${i % 9973}`,
  });
  beforeAll(async () => {
    await writeFile(
      join(dir, 'large-rows.json'),
      `[${Array.from({ length: rows }, (_, i) => JSON.stringify(row(i))).join(',\n')}]`,
    );
    const columns = Object.keys(row(0)).map(
      (k) =>
        `${JSON.stringify(k)}: [${Array.from({ length: columnRows }, (_, i) => JSON.stringify(own(row(i), k))).join(',')}]`,
    );
    await writeFile(join(dir, 'large-columns.json'), `{${columns.join(',\n')}}`);
  });

  it('lets the event loop turn while it reads rows and columns (a party link misses no heartbeat)', async () => {
    for (const [file, n] of [
      ['large-rows.json', rows],
      ['large-columns.json', columnRows],
    ] as const) {
      const {
        value: t,
        longest,
        ticks,
      } = await heldWhile(() =>
        readDataSource('large', { type: 'json', path: file }, dir, [{ column: 'amount', type: uint(16) }], {
          keyColumn: 'id',
          reads: new DataSourceReads(),
        }),
      );
      expect(t.rows).toBe(n);
      expect(t.keys?.[n - 1]).toBe(`k${n - 1}`);
      expect(t.columns.get('amount')?.[n - 1]).toBe(BigInt((n - 1) % 60_000));
      // Parsed as it streams in: a few tens of ms at most (a garbage collection on a loaded machine more).
      expect.soft(longest, file).toBeLessThan(250);
      expect.soft(ticks, file).toBeGreaterThan(10);
    }
  }, 60_000);

  it("stops at the job's cancel while it parses", async () => {
    const abort = new AbortController();
    const cancel = new JobCancelled('cancelled by the operator', { job: 'j' });
    setTimeout(() => abort.abort(cancel), 30);
    const e = await rejection(
      readDataSource('large', { type: 'json', path: 'large-rows.json' }, dir, [], {
        reads: new DataSourceReads(abort.signal),
      }),
    );
    expect(e).toBe(cancel);
  });
});

describe('JSON parsed as it streams in', () => {
  /** `text` in pieces cut at `cuts`. */
  async function* pieces(text: string, cuts: number[]): AsyncGenerator<string> {
    let at = 0;
    for (const cut of [...cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b), text.length]) {
      yield text.slice(at, cut);
      at = cut;
    }
  }
  /** What JSON.parse gives for `text`, or a SyntaxError; the same of parseJson on `text` cut at `cuts`. */
  const both = async (text: string, cuts: number[] = []) => {
    const parsed = (() => {
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (e) {
        return e;
      }
    })();
    const streamed = await parseJson(pieces(text, cuts), new Slices()).then(
      (value) => ({ value }),
      (e) => e,
    );
    return { parsed, streamed };
  };
  const seed = 20261125;

  it('gives what JSON.parse gives, however the text is cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.constantFrom(undefined, 1, '\t', ' \r\n'),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (value, indent, cuts) => {
          const { parsed, streamed } = await both(JSON.stringify(value, null, indent), cuts);
          expect(streamed).toStrictEqual(parsed);
        },
      ),
      { numRuns: 300, seed },
    );
  });

  it('gives what JSON.parse gives under a row limit the text keeps to, and stops past it', async () => {
    /** The rows of `value` as a limit counts them: a top-level array's elements, or its longest column. */
    const rowsOf = (value: unknown): number =>
      Array.isArray(value)
        ? value.length
        : typeof value === 'object' && value !== null
          ? Math.max(0, ...Object.values(value).map((v) => (Array.isArray(v) ? v.length : 0)))
          : 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(fc.jsonValue({ maxDepth: 2 })),
          fc.dictionary(fc.string(), fc.array(fc.jsonValue({ maxDepth: 1 }))),
          fc.jsonValue(),
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (value, cuts) => {
          const text = JSON.stringify(value);
          const rows = rowsOf(value);
          const exact = await parseJson(pieces(text, cuts), new Slices(), rows);
          expect(exact).toStrictEqual(JSON.parse(text));
          if (rows > 0) {
            const past = await parseJson(pieces(text, cuts), new Slices(), rows - 1).catch((e) => e);
            expect(past).toBeInstanceOf(PastRowLimit);
          }
        },
      ),
      { numRuns: 300, seed },
    );
  });

  it('refuses (SyntaxError) exactly the texts JSON.parse refuses', async () => {
    const edit = fc.constantFrom(...'{}[],:"\\ -+.0eEtrufalsn\u00a0\u0000\u001fu'.split(''));
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 3 }),
        fc.nat(),
        edit,
        fc.constantFrom('insert', 'delete', 'replace'),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (value, at, char, how, cuts) => {
          const json = JSON.stringify(value);
          const i = at % (json.length + 1);
          const text =
            json.slice(0, i) + (how === 'delete' ? '' : char) + json.slice(how === 'insert' ? i : i + 1);
          const { parsed, streamed } = await both(text, cuts);
          if (parsed instanceof SyntaxError) expect(streamed).toBeInstanceOf(SyntaxError);
          else expect(streamed).toStrictEqual(parsed);
        },
      ),
      { numRuns: 1000, seed },
    );
    for (const text of [
      '',
      ' ',
      '[1,]',
      '{"a":1,}',
      '01',
      '-',
      '1.',
      '.5',
      '1e+',
      '"\\u00"',
      'tru',
      'true1',
    ]) {
      for (const cut of [0, 1, 2])
        expect((await both(text, [cut])).streamed, text).toBeInstanceOf(SyntaxError);
    }
    expect((await both('[1] [2]')).streamed).toBeInstanceOf(SyntaxError);
  });

  it('gives the same numbers, strings and keys as JSON.parse, and drops a leading byte order mark', async () => {
    for (const text of [
      '[-0, 1e400, 12345678901234567890, 0.1, 5e-324, -1.5E+3]',
      '"\\ud800 \\u00e9 \\n \\"" ',
      '{"a": 1, "b": 2, "a": 3, "1": 4}',
      `${'['.repeat(500)}${']'.repeat(500)}`,
    ]) {
      for (const cut of [1, 2, 3, 7]) {
        const { parsed, streamed } = await both(text, [cut]);
        expect(streamed).toStrictEqual(parsed);
      }
    }
    const proto = (await parseJson(pieces('{"__proto__": [1]}', [5]), new Slices())) as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.hasOwn(proto, '__proto__')).toBe(true);
    expect(await parseJson(pieces('\uFEFF[1]', [2]), new Slices())).toEqual([1]);
  });
});

describe('JSON data source errors', () => {
  it('names the file of a JSON source that is not JSON, or holds neither shape; an empty object has no rows', async () => {
    const notJson = { 'truncated.json': '[{"x": 1}, {"x": 2}', 'empty.json': '', 'two.json': '[1] [2]' };
    const neither = { 'scalar.json': '5', 'mixed.json': '[{"x": 1}, [2]]', 'notArrays.json': '{"x": 1}' };
    for (const [file, text] of Object.entries({ ...notJson, ...neither })) {
      await writeFile(join(dir, file), text);
      const e = await rejection(readDataSource('j', { type: 'json', path: file }, dir, []));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.details).toEqual({ source: 'j', file: join(dir, file) });
      expect(e.message).toBe(
        file in notJson
          ? `data source j: ${join(dir, file)} is not valid JSON`
          : `data source j: ${join(dir, file)} must hold an array of row objects or an object of equally long column arrays`,
      );
    }
    await writeFile(join(dir, 'nothing.json'), '{}');
    const t = await readDataSource('n', { type: 'json', path: 'nothing.json' }, dir, [
      { column: 'x', type: uint(8) },
    ]);
    expect(t.rows).toBe(0);
    const gone = await rejection(readDataSource('g', { type: 'json', path: 'nope.json' }, dir, []));
    expect(gone.code).toBe('NOT_FOUND');
    expect(gone.message).toBe(`data source g: ${join(dir, 'nope.json')} does not exist`);
    const folder = await rejection(readDataSource('f', { type: 'json', path: '.' }, dir, []));
    expect(folder.code).toBe('CONFIG');
    expect(folder.message).toBe(`data source f: ${dir} cannot be read`);
  });

  it('reads a column named __proto__ in either shape, as JSON.parse does; finds no inherited column', async () => {
    await writeFile(join(dir, 'protoRows.json'), '[{"__proto__": 7, "x": 1}, {"__proto__": 8, "x": 2}]');
    await writeFile(join(dir, 'protoColumns.json'), '{"__proto__": [7, 8], "x": [1, 2]}');
    for (const path of ['protoRows.json', 'protoColumns.json']) {
      const t = await readDataSource(
        'p',
        { type: 'json', path },
        dir,
        [{ column: '__proto__', type: uint(8) }],
        {
          keyColumn: 'x',
        },
      );
      expect(values(t.columns.get('__proto__'))).toEqual([7n, 8n]);
      expect(t.keys).toEqual(['1', '2']);
      for (const column of ['constructor', 'toString']) {
        const e = await rejection(
          readDataSource('p', { type: 'json', path }, dir, [{ column, type: uint(8) }]),
        );
        expect(e.message).toBe(`data source p (${path}): no column '${column}' (columns: __proto__, x)`);
      }
    }
  });

  it("names the row of a bad value in a JSON object of columns, and stops at the job's cancel", async () => {
    await writeFile(join(dir, 'badColumns.json'), '{"x": [1, "secret-77", 3]}');
    const e = await rejection(
      readDataSource('b', { type: 'json', path: 'badColumns.json' }, dir, [{ column: 'x', type: uint(8) }]),
    );
    expect(e.message).toBe("data source b (badColumns.json): column 'x', row 2: not a valid uint(8) value");
    expect(dataSourceErrorForPeers(e, 'bankB')?.message).toBe(
      "data source 'b' of party bankB could not be read: INVALID_INPUT (column 'x', row 2)",
    );
    const abort = new AbortController();
    const cancel = new JobCancelled('cancelled by the operator', { job: 'j' });
    abort.abort(cancel);
    const cancelled = await rejection(
      readDataSource('c', { type: 'json', path: 'cols.json' }, dir, [], {
        reads: new DataSourceReads(abort.signal),
      }),
    );
    expect(cancelled).toBe(cancel);
  });
});

describe("a job's reads", () => {
  it('read each source once for all its inputs; another job reads it again', async () => {
    await writeFile(join(dir, 'changing.csv'), 'x,y\n1,2\n');
    const source = { type: 'csv', path: 'changing.csv' } as const;
    const reads = new DataSourceReads();
    const first = await readDataSource('c', source, dir, [{ column: 'x', type: uint(8) }], { reads });
    await writeFile(join(dir, 'changing.csv'), 'x,y\n5,6\n7,8\n');
    // The same job: the rows it read, whatever happened to the file since.
    const second = await readDataSource('c', source, dir, [{ column: 'y', type: uint(8) }], { reads });
    expect(values(first.columns.get('x'))).toEqual([1n]);
    expect(values(second.columns.get('y'))).toEqual([2n]);
    // Another job reads the file as it is now.
    const next = await readDataSource('c', source, dir, [{ column: 'y', type: uint(8) }], {
      reads: new DataSourceReads(),
    });
    expect(values(next.columns.get('y'))).toEqual([6n, 8n]);
  });

  it("stop at the job's cancel with its error, which is no failure of the source", async () => {
    const abort = new AbortController();
    const cancel = new JobCancelled('cancelled by the operator', { job: 'j' });
    abort.abort(cancel);
    const e = await rejection(
      readDataSource('a', { type: 'csv', path: 'accounts.csv' }, dir, [], {
        reads: new DataSourceReads(abort.signal),
      }),
    );
    expect(e).toBe(cancel);
    expect(dataSourceErrorForPeers(e, 'bankB')).toBeUndefined();
  });
});

describe("a source read up to the job's row limit", () => {
  // A few MB each, and none ends validly: a read that reached the end would fail as not valid CSV or JSON.
  const csvRows = 200_000;
  const jsonRows = 150_000;
  beforeAll(async () => {
    const lines = Array.from({ length: csvRows }, (_, i) => `k${i},${i % 60_000}`);
    await writeFile(join(dir, 'long.csv'), `id,amount\n${lines.join('\n')}\nragged\n`);
    const rows = Array.from({ length: jsonRows }, (_, i) =>
      JSON.stringify({ id: `k${i}`, amount: i % 60_000 }),
    );
    await writeFile(join(dir, 'long-rows.json'), `[${rows.join(',\n')},`);
    const ids = Array.from({ length: 2 * jsonRows }, (_, i) => `"k${i}"`);
    await writeFile(join(dir, 'long-columns.json'), `{"id": [${ids.join(',')}], "amount": [1, 2`);
    // Exactly 10 rows in each kind of file.
    const ten = Array.from({ length: 10 }, (_, i) => i);
    await writeFile(join(dir, 'ten.csv'), `id,amount\n${ten.map((i) => `k${i},${i}`).join('\n')}\n`);
    await writeFile(join(dir, 'ten-rows.json'), JSON.stringify(ten.map((i) => ({ id: `k${i}`, amount: i }))));
    await writeFile(
      join(dir, 'ten-columns.json'),
      JSON.stringify({ id: ten.map((i) => `k${i}`), amount: ten }),
    );
  });

  const request = [{ column: 'amount', type: uint(16) }];

  it('stops reading a CSV file, a JSON array of rows and a JSON object of columns past the limit', async () => {
    for (const [path, type] of [
      ['long.csv', 'csv'],
      ['long-rows.json', 'json'],
      ['long-columns.json', 'json'],
    ] as const) {
      const e = await rejection(
        readDataSource('big', { type, path }, dir, request, { keyColumn: 'id', reads: limited('big', 10) }),
      );
      // Not "not valid CSV/JSON": the read stopped long before the file's end.
      expect(e.code, path).toBe('INVALID_INPUT');
      expect(e.message, path).toBe('data source big has more than 10 rows, more than the job can use');
      expect(rowsPastLimit(e), path).toBe(10);
      // A peer would hear only the source and the code; the job turns it into its input's or table's error.
      expect(dataSourceErrorForPeers(e, 'bankB')?.message).toBe(
        "data source 'big' of party bankB could not be read: INVALID_INPUT",
      );
    }
  });

  it('reads a source of exactly the limit, and one without a limit whole', async () => {
    for (const [path, type] of [
      ['ten.csv', 'csv'],
      ['ten-rows.json', 'json'],
      ['ten-columns.json', 'json'],
    ] as const) {
      const t = await readDataSource('ten', { type, path }, dir, request, {
        keyColumn: 'id',
        reads: limited('ten', 10),
      });
      expect(t.rows, path).toBe(10);
      expect(t.keys?.[9], path).toBe('k9');
      expect(values(t.columns.get('amount')), path).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
      const fewer = await rejection(
        readDataSource('ten', { type, path }, dir, request, { reads: limited('ten', 9) }),
      );
      expect(rowsPastLimit(fewer), path).toBe(9);
      // Another source's limit is not this one's.
      const other = await readDataSource('ten', { type, path }, dir, request, { reads: limited('else', 1) });
      expect(other.rows, path).toBe(10);
    }
  });

  it('stops at a short column of a JSON object of columns that closes within one piece', async () => {
    await writeFile(join(dir, 'short-columns.json'), '{"a": [1, 2, 3], "b": [4, 5, 6], "c": [7');
    const e = await rejection(
      readDataSource('s', { type: 'json', path: 'short-columns.json' }, dir, [], { reads: limited('s', 2) }),
    );
    expect(e.message).toBe('data source s has more than 2 rows, more than the job can use');
    const ok = await rejection(
      readDataSource('s', { type: 'json', path: 'short-columns.json' }, dir, [], { reads: limited('s', 3) }),
    );
    expect(ok.message).toContain('is not valid JSON');
  });
});

describe('data source errors', () => {
  it('finds no column named constructor or toString in a source without one (own columns only)', async () => {
    for (const column of ['constructor', 'toString', '__proto__']) {
      const e = await rejection(
        readDataSource('a', { type: 'csv', path: 'accounts.csv' }, dir, [{ column, type: uint(8) }]),
      );
      expect(e.message).toBe(
        `data source a (accounts.csv): no column '${column}' (columns: account, balance, rate)`,
      );
      const key = await rejection(
        readDataSource('a', { type: 'json', path: 'rows.json' }, dir, [], { keyColumn: column }),
      );
      expect(key.message).toContain(`no column '${column}'`);
    }
  });

  it("lists at most 20 of a source's columns, each at most 64 characters, in this node's own error", async () => {
    const names = Array.from({ length: 500 }, (_, i) => `c${i}`.padEnd(100, 'x'));
    await writeFile(join(dir, 'wide.csv'), `${names.join(',')}\n${names.map(() => '1').join(',')}\n`);
    const e = await rejection(
      readDataSource('w', { type: 'csv', path: 'wide.csv' }, dir, [{ column: 'age', type: uint(8) }]),
    );
    expect(e.message).toContain(
      `(columns: ${names
        .slice(0, 20)
        .map((n) => `${n.slice(0, 64)}…`)
        .join(', ')} and 480 more)`,
    );
  });

  it('gives the other parties only the source, the party and the code: no path, no columns, no value', async () => {
    const absolute = join(dir, 'private', 'nope.csv');
    const gone = await rejection(readDataSource('g', { type: 'csv', path: absolute }, '/elsewhere', []));
    // This node's own error names the file.
    expect(gone.message).toBe(`data source g: ${absolute} does not exist`);
    const shared = dataSourceErrorForPeers(gone, 'bankB');
    expect(shared?.toJSON()).toEqual({
      name: 'NotFound',
      code: 'NOT_FOUND',
      family: 'user',
      message: "data source 'g' of party bankB could not be read: NOT_FOUND",
      details: { source: 'g', party: 'bankB' },
    });

    const missing = await rejection(
      readDataSource('b', { type: 'csv', path: join(dir, 'bad.csv') }, dir, [
        { column: 'age', type: uint(8) },
      ]),
    );
    expect(missing.message).toContain('(columns: account, balance)');
    const noColumn = JSON.stringify(dataSourceErrorForPeers(missing, 'bankB'));
    expect(noColumn).toContain("data source 'b' of party bankB could not be read: INVALID_INPUT");
    for (const leak of [dir, 'bad.csv', 'account', 'balance', "'age'"]) expect(noColumn).not.toContain(leak);

    // A value that is not valid: the column the policy bound and the row, never the value.
    const bad = await rejection(
      readDataSource('b', { type: 'csv', path: join(dir, 'bad.csv') }, dir, [
        { column: 'balance', type: uint(16) },
      ]),
    );
    const value = dataSourceErrorForPeers(bad, 'bankB');
    expect(value?.message).toBe(
      "data source 'b' of party bankB could not be read: INVALID_INPUT (column 'balance', row 2)",
    );
    expect(JSON.stringify(value)).not.toMatch(/secret|bad\.csv/);
    expect(value?.details).toEqual({ source: 'b', party: 'bankB' });
  });

  it('leaves errors that are not of a data source alone', () => {
    expect(dataSourceErrorForPeers(new Error('x'), 'bankB')).toBeUndefined();
    expect(dataSourceErrorForPeers(undefined, 'bankB')).toBeUndefined();
  });
});

const url = PG_URL;
const run = await usePostgres('its data source tests');

describe.skipIf(!run)('PostgreSQL data sources', () => {
  it('reads a query exactly (int8 beyond 2^53), and reports a failed query by SQLSTATE', async () => {
    const query = 'select * from (values (1, 9007199254740993::int8), (2, -5::int8)) as t(id, amount)';
    const t = await readDataSource('ledger', { type: 'postgres', url, query }, dir, [
      { column: 'amount', type: int(64) },
    ]);
    expect(values(t.columns.get('amount'))).toEqual([9007199254740993n, BigInt.asUintN(64, -5n)]);
    const e = await rejection(
      readDataSource(
        'ledger',
        { type: 'postgres', url, query: 'select * from no_such_table_for_parley' },
        dir,
        [],
      ),
    );
    expect(e.message).toBe('data source ledger: the PostgreSQL query failed (42P01)');
  });

  const amounts = [{ column: 'amount', type: uint(16) }];

  it('reads a query through a cursor, batch after batch: every row, also of exactly the limit', async () => {
    // 25,000 rows: three batches; the query as written, its trailing semicolon too.
    const query = 'select g::text as id, g % 60000 as amount from generate_series(1, 25000) as g order by g;';
    const source = { type: 'postgres', url, query } as const;
    for (const reads of [undefined, limited('pg', 25_000)]) {
      const t = await readDataSource('pg', source, dir, amounts, { keyColumn: 'id', reads });
      expect(t.rows).toBe(25_000);
      expect(t.keys?.[0]).toBe('1');
      expect(t.keys?.[24_999]).toBe('25000');
      expect(t.columns.get('amount')?.[24_999]).toBe(25_000n);
    }
    // One statement, as a cursor runs it: two are refused by SQLSTATE.
    const two = await rejection(
      readDataSource(
        'pg',
        { type: 'postgres', url, query: 'select 1 as amount; select 2 as amount' },
        dir,
        [],
      ),
    );
    expect(two.message).toBe('data source pg: the PostgreSQL query failed (42601)');
  });

  it("stops a query past the job's limit: its later rows are never computed", async () => {
    // The last row divides by zero: a read that fetches every row fails with SQLSTATE 22012.
    const query =
      'select g % 60000 as amount, 1 / (200000 - g) as inverse from generate_series(1, 200000) as g';
    const source = { type: 'postgres', url, query } as const;
    const whole = await rejection(readDataSource('pg', source, dir, amounts));
    expect(whole.message).toBe('data source pg: the PostgreSQL query failed (22012)');
    for (const limit of [0, 10, 20_000]) {
      const e = await rejection(readDataSource('pg', source, dir, amounts, { reads: limited('pg', limit) }));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toBe(`data source pg has more than ${limit} rows, more than the job can use`);
      expect(rowsPastLimit(e)).toBe(limit);
    }
  });

  it("stops a query at the job's cancel, with its error", async () => {
    const abort = new AbortController();
    const cancel = new JobCancelled('cancelled by the operator', { job: 'j' });
    abort.abort(cancel);
    const e = await rejection(
      readDataSource('pg', { type: 'postgres', url, query: 'select 1 as amount' }, dir, amounts, {
        reads: new DataSourceReads(abort.signal),
      }),
    );
    expect(e).toBe(cancel);
  });
});
