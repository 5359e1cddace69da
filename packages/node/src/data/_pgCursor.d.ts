// pg-cursor (node-postgres's cursor, https://node-postgres.com/apis/cursor) ships no types; this declares
// what postgresSource.ts uses of it.
declare module 'pg-cursor' {
  import type { Connection, CustomTypesConfig, Submittable } from 'pg';

  export default class Cursor<Row = Record<string, unknown>> implements Submittable {
    constructor(
      text: string,
      values?: unknown[] | null,
      config?: { rowMode?: 'array'; types?: CustomTypesConfig },
    );
    submit(connection: Connection): void;
    /** The next `rows` rows at most: fewer, or none, once the result is at its end. */
    read(rows: number): Promise<Row[]>;
    close(): Promise<void>;
  }
}
