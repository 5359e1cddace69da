/**
 * The storage contract of the ledger. A store keeps entries (their canonical
 * bytes, their leaf hash and a relational copy of their fields that SQL can
 * query, as SQL Database ledger tables do) and the co-signed tree heads. It
 * trusts nothing and checks nothing cryptographic: `Ledger` checks before it
 * appends and `verifyLedger` re-derives everything from the bytes.
 *
 * Every implementation (memory, SQLite, PostgreSQL) runs the same compliance
 * tests (test/storeSuite.ts).
 */
import type { LedgerEntry, LedgerEntryJSON } from './entry.js';
import type { SignedTreeHead } from './treeHead.js';

/** One entry to append: its decoded fields feed the relational columns. */
export interface EntryRecord {
  seq: number;
  bytes: Uint8Array;
  leafHash: Uint8Array;
  entry: LedgerEntry;
}

/**
 * The relational columns of an entry as a store read them back, in the shape
 * of the entry's JSON form (`entryToJSON`). Values are untrusted and may be
 * anything a tampered database holds; `verifyLedger` compares them with the
 * decoded bytes.
 */
export type EntryColumns = { [K in keyof LedgerEntryJSON]?: unknown };

/**
 * A tree head as a store read it back. `malformed` says, one line each, which
 * of its columns did not parse strictly (a root that is not 64 lowercase hex
 * characters, …): the verifier reports them, and such a head counts for nothing.
 */
export interface StoredTreeHead extends SignedTreeHead {
  malformed?: string[];
}

/** The keys of one table as the database itself counts them, whatever the reads return. */
export interface KeyRange {
  /** Rows in the table. */
  rows: number;
  /** The lowest and the highest key (seq, size) as the database's decimal text, exact; null when empty. */
  min: string | null;
  max: string | null;
}

/** What `verifyLedger` compares with the rows it walked. */
export interface StoreSummary {
  entries: KeyRange;
  heads: KeyRange;
}

/** One stored row, as read: nothing in it is trusted. */
export interface StoredEntry {
  /** The row's sequence number column. */
  seq: number;
  /** The canonical entry bytes. */
  bytes: Uint8Array;
  /** The stored leaf hash. */
  leafHash: Uint8Array;
  /** The relational columns, when the store keeps them. */
  columns?: EntryColumns;
}

export interface LedgerStore {
  /** A short description for messages, e.g. `sqlite:/path/ledger.db`. */
  readonly description: string;

  /** One more than the highest stored sequence number (0 when empty). */
  nextSeq(): Promise<number>;

  /**
   * Appends entries and the head that covers them in one transaction, durable
   * (synced to disk) before the promise resolves. Rejects, writing nothing,
   * unless `entries` continue the stored sequence without a gap and
   * `head.size` is the new size and larger than the latest stored head's.
   */
  append(entries: readonly EntryRecord[], head: SignedTreeHead): Promise<void>;

  /** Up to `limit` rows with seq >= `fromSeq`, ascending. */
  readEntries(fromSeq: number, limit: number): Promise<StoredEntry[]>;

  /** Up to `limit` stored leaf hashes with seq >= `fromSeq`, ascending (cheaper than readEntries). */
  readLeafHashes(fromSeq: number, limit: number): Promise<{ seq: number; leafHash: Uint8Array }[]>;

  /** The row with this seq, if any. */
  readEntry(seq: number): Promise<StoredEntry | undefined>;

  /** Up to `limit` tree heads with size >= `fromSize`, ascending by size. */
  readHeads(fromSize: number, limit: number): Promise<StoredTreeHead[]>;

  /** The head with the largest size, if any. */
  latestHead(): Promise<StoredTreeHead | undefined>;

  /**
   * How many entry and head rows the store holds and their lowest and highest
   * key, as the database counts them. `verifyLedger` compares them with what
   * it read going up from seq 0 and size 0, so that rows its reads cannot
   * reach (a negative seq, a key beyond 2^53 − 1) are reported, not missed.
   */
  tableSummary(): Promise<StoreSummary>;

  /**
   * What the database finds damaged in its own files, one line each (SQLite:
   * `PRAGMA quick_check`); empty when nothing is.
   */
  integrityProblems(): Promise<string[]>;

  close(): Promise<void>;
}

/** Checks an append batch against the store's state; returns why it must be refused, or undefined. */
export function appendProblem(
  nextSeq: number,
  latestHeadSize: number | undefined,
  entries: readonly EntryRecord[],
  head: SignedTreeHead,
): string | undefined {
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].seq !== nextSeq + i) {
      return `entry ${entries[i].seq} does not continue the log (next sequence number is ${nextSeq + i})`;
    }
  }
  if (head.size !== nextSeq + entries.length) {
    return `tree head of size ${head.size} does not cover exactly the log (${nextSeq + entries.length} entries)`;
  }
  if (latestHeadSize !== undefined && head.size <= latestHeadSize) {
    return `tree head of size ${head.size} is not newer than the stored head of size ${latestHeadSize}`;
  }
  return undefined;
}
