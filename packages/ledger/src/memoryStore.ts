/**
 * An in-memory LedgerStore for tests and short-lived tools. Not durable: an
 * "append" is complete when the arrays are updated. `raw` exposes the rows so
 * that tests can tamper with them as an administrator could with a database.
 */
import { InvalidArgument } from '@parley/interface';
import { entryToJSON } from './entry.js';
import { appendProblem, type EntryRecord, type LedgerStore, type StoredEntry } from './store.js';
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

  async close(): Promise<void> {}
}
