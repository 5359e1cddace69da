/**
 * An in-memory LedgerStore for tests and short-lived tools. Not durable: an
 * "append" is complete when the arrays are updated. `raw` exposes the rows so
 * that tests can tamper with them as an administrator could with a database.
 */
import { InvalidArgument } from '@parley/interface';
import { entryToJSON } from './entry.js';
import {
  appendProblem,
  type EntryRecord,
  type KeyRange,
  type LedgerStore,
  type StoredEntry,
  type StoreSummary,
} from './store.js';
import type { SignedTreeHead } from './treeHead.js';

export class MemoryStore implements LedgerStore {
  readonly description = 'memory';
  /** Rows in seq order (tests may edit them). */
  readonly raw: { entries: StoredEntry[]; heads: SignedTreeHead[] } = { entries: [], heads: [] };

  async nextSeq(): Promise<number> {
    const e = this.raw.entries;
    return e.length === 0 ? 0 : e[e.length - 1].seq + 1;
  }

  async append(entries: readonly EntryRecord[], head: SignedTreeHead): Promise<void> {
    const latest = this.raw.heads.at(-1);
    const problem = appendProblem(await this.nextSeq(), latest?.size, entries, head);
    if (problem !== undefined) throw new InvalidArgument(`ledger store: ${problem}`);
    // Every row is made before any is kept, so a failure leaves the store as it was (as a SQL transaction would).
    const rows = entries.map((r) => ({
      seq: r.seq,
      bytes: r.bytes.slice(),
      leafHash: r.leafHash.slice(),
      columns: entryToJSON(r.entry),
    }));
    for (const row of rows) this.raw.entries.push(row);
    this.raw.heads.push({ ...head, root: head.root.slice(), signatures: { ...head.signatures } });
  }

  async readEntries(fromSeq: number, limit: number): Promise<StoredEntry[]> {
    const rows = this.raw.entries;
    // Rows are kept in seq order: binary search for the first seq >= fromSeq.
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid].seq < fromSeq) lo = mid + 1;
      else hi = mid;
    }
    return rows.slice(lo, lo + limit);
  }

  async readLeafHashes(fromSeq: number, limit: number): Promise<{ seq: number; leafHash: Uint8Array }[]> {
    return (await this.readEntries(fromSeq, limit)).map((e) => ({ seq: e.seq, leafHash: e.leafHash }));
  }

  async readEntry(seq: number): Promise<StoredEntry | undefined> {
    return this.raw.entries.find((e) => e.seq === seq);
  }

  async readHeads(fromSize: number, limit: number): Promise<SignedTreeHead[]> {
    return this.raw.heads.filter((h) => h.size >= fromSize).slice(0, limit);
  }

  async latestHead(): Promise<SignedTreeHead | undefined> {
    return this.raw.heads.at(-1);
  }

  async tableSummary(): Promise<StoreSummary> {
    return {
      entries: keyRange(this.raw.entries.map((e) => e.seq)),
      heads: keyRange(this.raw.heads.map((h) => h.size)),
    };
  }

  async integrityProblems(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {}
}

/** Count, lowest and highest of keys a test may have set to anything (a key that is not a number counts, unranked). */
function keyRange(keys: number[]): KeyRange {
  let min: number | undefined;
  let max: number | undefined;
  for (const k of keys) {
    if (typeof k !== 'number' || Number.isNaN(k)) continue;
    if (min === undefined || k < min) min = k;
    if (max === undefined || k > max) max = k;
  }
  return {
    rows: keys.length,
    min: min === undefined ? null : String(min),
    max: max === undefined ? null : String(max),
  };
}
