/**
 * A PostgreSQL data source (node.json `"type": "postgres"`): the rows of one
 * query (pg, pg-cursor). Values come as the server's text; errors carry the
 * SQLSTATE only, never the server's message (it can quote data) or the URL.
 */
import { InvalidInput } from '@parley/interface';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { pastRowLimit, type Row, rowsPastLimit } from './_reading.js';

/** Rows a PostgreSQL query's cursor fetches at a time (the event loop turns between batches). */
const POSTGRES_BATCH_ROWS = 10_000;

/** Values as the server sends them: numbers stay text (int8 and numeric exactly), encodeValue parses them. */
const TEXT_VALUES = { getTypeParser: () => (v: string) => v };

/**
 * The query's rows, through a cursor (pg-cursor: the query as written, run
 * as one statement of the extended protocol) `POSTGRES_BATCH_ROWS` at a
 * time, the event loop turning between batches. The row after the first
 * `maxRows` fails the read (`pastRowLimit`), and the connection is closed
 * without fetching more; so does `signal` between batches.
 */
export async function postgresRows(
  name: string,
  url: string,
  query: string,
  signal: AbortSignal | undefined,
  maxRows: number,
): Promise<Row[]> {
  let client: pg.Client | undefined;
  try {
    // In the try: a connection string pg cannot parse fails here, and its error may quote the URL.
    client = new pg.Client({ connectionString: url, types: TEXT_VALUES });
    await client.connect();
    signal?.throwIfAborted();
    const cursor = client.query(new Cursor<Row>(query, null, { types: TEXT_VALUES }));
    const rows: Row[] = [];
    for (;;) {
      // One row past the limit at most: enough to know the source has more.
      const asked = Math.min(POSTGRES_BATCH_ROWS, maxRows + 1 - rows.length);
      const batch = await cursor.read(asked);
      signal?.throwIfAborted();
      for (const row of batch) rows.push(row);
      if (rows.length > maxRows) throw pastRowLimit(name, maxRows);
      if (batch.length < asked) return rows;
    }
  } catch (e) {
    signal?.throwIfAborted();
    if (rowsPastLimit(e) !== undefined) throw e;
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
