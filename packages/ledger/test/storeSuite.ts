/**
 * The compliance suite every LedgerStore runs (memory, SQLite, PostgreSQL):
 * appends and reads, atomic refusal, persistence, and every tampering an
 * administrator of one node could do to the database — each must be found by
 * verifyLedger and reported with its sequence number — including rows the
 * walk from seq 0 cannot reach and keys beyond 2^53 − 1.
 */
import { hasCode } from '@parley/interface';
import {
  encodeEntry,
  Ledger,
  type LedgerEntry,
  type LedgerReport,
  type LedgerStore,
  leafHash,
  type SignedTreeHead,
  treeHeadFromJSON,
  treeHeadToJSON,
  verifyLedger,
} from '@parley/ledger';
import { afterAll, describe, expect, it } from 'vitest';
import { makeConsortium, makeEntry } from './helpers.js';

/** What a test may do to the stored rows, bypassing the store (as a database administrator). */
export interface StoreTamper {
  /** Overwrites the entry bytes of row `seq`, and the stored leaf hash when given. */
  setEntry(seq: number, bytes: Uint8Array, leaf?: Uint8Array): Promise<void>;
  /** Rewrites row `seq` consistently: the entry's bytes, its leaf hash and every relational column. */
  rewriteEntry(seq: number, entry: LedgerEntry): Promise<void>;
  /** Overwrites the job id column of row `seq`. */
  setJobIdColumn(seq: number, jobId: string): Promise<void>;
  deleteEntry(seq: number): Promise<void>;
  /** Exchanges everything but the seq column between rows a and b. */
  swapEntries(a: number, b: number): Promise<void>;
  /** Deletes entries with seq >= fromSeq, and heads with size > fromSeq when `heads`. */
  truncate(fromSeq: number, heads: boolean): Promise<void>;
  /** Overwrites one member's signature (hex) in the head of `size`. */
  setSignature(size: number, member: string, signatureHex: string): Promise<void>;
  /** Overwrites timestamp, root and signatures of the head row of `size` with those of `older`. */
  overwriteHead(size: number, older: SignedTreeHead): Promise<void>;
  deleteHead(size: number): Promise<void>;
  /**
   * Copies row `fromSeq` to the key `seq` (negative, or beyond 2^53 − 1): a
   * row the log cannot have, forged by an administrator who bypasses a CHECK
   * that would refuse it, as they can.
   */
  copyEntryRow(fromSeq: number, seq: bigint): Promise<void>;
  /** The same for the head row of `fromSize`, copied to the size `size`. */
  copyHeadRow(fromSize: number, size: bigint): Promise<void>;
  /** Overwrites the text of the root column of the head of `size` (stores that keep hex text). */
  setRootColumn?(size: number, text: string): Promise<void>;
  /** Sets the app_data_bytes column of row `seq` (stores with relational columns). */
  setAppDataBytesColumn?(seq: number, bytes: Uint8Array): Promise<void>;
}

export interface StoreHarness {
  /** A fresh, empty store. */
  open(): Promise<LedgerStore>;
  /** Closes `store` and opens the same storage again. */
  reopen(store: LedgerStore): Promise<LedgerStore>;
  tamper(store: LedgerStore): StoreTamper;
  cleanup?(): Promise<void>;
  /** The store keeps roots, signatures and app data in SQL columns of their own (their tamper has the setters). */
  sqlColumns?: boolean;
}

const { consortium, signers } = makeConsortium(3);
/** Batches of these sizes: heads at 3, 4, 8, 10, 12. */
const BATCHES = [3, 1, 4, 2, 2];

async function filled(
  h: StoreHarness,
): Promise<{ store: LedgerStore; ledger: Ledger; heads: SignedTreeHead[] }> {
  const store = await h.open();
  const ledger = await Ledger.open(store, consortium);
  const heads: SignedTreeHead[] = [];
  let i = 0;
  for (const [b, n] of BATCHES.entries()) {
    const inputs = Array.from({ length: n }, () => {
      const seq = i++;
      return makeEntry(seq, seq === 6 ? { appData: { kind: 'json', json: { k: [1] } } } : {});
    });
    heads.push((await ledger.append(inputs, signers, 1_760_000_000_000 + b)).head);
  }
  return { store, ledger, heads };
}

/** `store`, with reads that fail once called more than `max` times (a walk that never ends). */
function readCounting(store: LedgerStore, max = 100): LedgerStore {
  const s = Object.create(store) as LedgerStore;
  let reads = 0;
  const count = (): void => {
    if (++reads > max) throw new Error(`more than ${max} reads: the verifier's walk does not end`);
  };
  s.readHeads = (from, limit) => {
    count();
    return store.readHeads(from, limit);
  };
  s.readEntries = (from, limit) => {
    count();
    return store.readEntries(from, limit);
  };
  return s;
}

function expectProblem(r: LedgerReport, seq: number, kind: string, message: RegExp): void {
  expect(r.ok).toBe(false);
  const text = r.problems.map((p) => `${p.seq} ${p.kind} ${p.message}`).join('\n');
  expect(
    r.problems.some((p) => p.seq === seq && p.kind === kind && message.test(p.message)),
    text,
  ).toBe(true);
  expect(r.firstBadSeq, text).toBe(seq);
}

export function describeStoreCompliance(name: string, h: StoreHarness): void {
  describe(`LedgerStore compliance: ${name}`, () => {
    if (h.cleanup) afterAll(h.cleanup);

    it('appends co-signed batches, reads them back and keeps them across a reopen', async () => {
      const { store, ledger, heads } = await filled(h);
      expect(await store.nextSeq()).toBe(12);
      const rows = await store.readEntries(0, 100);
      expect(rows.map((r) => r.seq)).toEqual([...Array(12).keys()]);
      expect((await store.readEntries(5, 2)).map((r) => r.seq)).toEqual([5, 6]);
      expect((await store.readLeafHashes(10, 10)).map((r) => r.seq)).toEqual([10, 11]);
      expect((await store.readEntry(5))?.columns?.jobId).toBe('job-5');
      expect((await store.readEntry(6))?.columns?.appData).toEqual({ json: { k: [1] } });
      expect(await store.readEntry(12)).toBeUndefined();
      expect((await store.readHeads(0, 100)).map((x) => x.size)).toEqual([3, 4, 8, 10, 12]);
      expect((await store.readHeads(5, 1)).map((x) => x.size)).toEqual([8]);
      expect(treeHeadToJSON((await store.latestHead())!)).toEqual(treeHeadToJSON(heads[4]));

      const again = await h.reopen(store);
      const l2 = await Ledger.open(again, consortium);
      expect(l2.size).toBe(12);
      expect(Buffer.from(l2.root()).toString('hex')).toBe(Buffer.from(ledger.root()).toString('hex'));
      expect((await l2.entry(6)).appData).toEqual({ kind: 'json', json: { k: [1] } });
      const report = await verifyLedger(again, consortium);
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ ok: true, entries: 12, heads: 5, latestHead: { size: 12 } });
      await again.close();
    });

    it('refuses, writing nothing, a batch that does not continue the log', async () => {
      const store = await h.open();
      const ledger = await Ledger.open(store, consortium);
      await ledger.append([makeEntry(0), makeEntry(1)], signers);
      const p = ledger.prepare([makeEntry(2)]);
      const head = { ...p.head, signatures: {} };
      const rec = p.records[0];
      const gap = { ...rec, seq: 3 };
      const cases: [() => Promise<void>, RegExp][] = [
        [() => store.append([gap], { ...head, size: 4 }), /entry 3 does not continue/],
        [() => store.append([{ ...rec, seq: 1 }], { ...head, size: 2 }), /entry 1 does not continue/],
        [() => store.append([rec], { ...head, size: 4 }), /does not cover exactly/],
        [() => store.append([], { ...head, size: 2 }), /not newer/],
      ];
      for (const [f, why] of cases) await expect(f()).rejects.toThrow(why);
      expect(await store.nextSeq()).toBe(2);
      expect((await store.readHeads(0, 10)).map((x) => x.size)).toEqual([2]);
      expect(() => ledger.prepare([])).toThrow(/a batch holds 1 to 10000 entries/);
      // A head not signed by everyone is refused by the ledger before the store sees it.
      await expect(ledger.commit(p, {})).rejects.toThrow(/missing signature of bankA/);
      expect(await store.nextSeq()).toBe(2);
      expect((await verifyLedger(store, consortium)).ok).toBe(true);
      await store.close();
    });

    it("finds an entry's bytes changed in the database", async () => {
      const { store, ledger } = await filled(h);
      const t = h.tamper(store);
      const bytes = (await store.readEntry(5))!.bytes.slice();
      bytes[bytes.length >> 1] ^= 1;
      await t.setEntry(5, bytes);
      const r = await verifyLedger(store, consortium);
      expectProblem(r, 5, 'leaf-hash-mismatch', /^entry 5: the stored leaf hash does not match/);
      expect(
        r.problems.some((p) => p.kind === 'root-mismatch' && /tree head of size 8/.test(p.message)),
      ).toBe(true);
      await expect(ledger.entry(5)).rejects.toThrow(/entry 5: the stored bytes do not match/);

      // A careful administrator re-hashes the leaf: the co-signed root still gives it away.
      const forged = encodeEntry({ ...(await ledger.entry(6)), jobId: 'job-forged' } as LedgerEntry);
      await t.setEntry(6, forged, leafHash(forged));
      const r2 = await verifyLedger(store, consortium);
      expect(
        r2.problems.some((p) => p.seq === 6 && p.kind === 'column-mismatch' && /jobId/.test(p.message)),
      ).toBe(true);
      await store.close();
    });

    it('finds an entry rewritten consistently (bytes, leaf hash and columns) by its head', async () => {
      const { store, ledger } = await filled(h);
      await h.tamper(store).rewriteEntry(9, { ...(await ledger.entry(9)), transcriptHash: 'e'.repeat(64) });
      const r = await verifyLedger(store, consortium);
      expectProblem(
        r,
        8,
        'root-mismatch',
        /^tree head of size 10: its root does not match the entries \(an entry between seq 8 and 9 differs\)/,
      );
      await store.close();
    });

    it('finds an entry deleted', async () => {
      const { store } = await filled(h);
      await h.tamper(store).deleteEntry(5);
      const r = await verifyLedger(store, consortium);
      expectProblem(r, 5, 'missing-entry', /^entry 5: missing/);
      await expect(Ledger.open(store, consortium)).rejects.toSatisfy((e) => hasCode(e, 'LEDGER_TAMPERED'));
      await store.close();
    });

    it('finds two entries swapped', async () => {
      const { store } = await filled(h);
      await h.tamper(store).swapEntries(5, 6);
      const r = await verifyLedger(store, consortium);
      expectProblem(r, 5, 'seq-mismatch', /^entry 5: its bytes say it is entry 6/);
      expect(
        r.problems.some((p) => p.seq === 6 && /entry 6: its bytes say it is entry 5/.test(p.message)),
      ).toBe(true);
      expect(r.problems.some((p) => p.kind === 'root-mismatch' && p.seq === 5)).toBe(true);
      await store.close();
    });

    it('finds the log truncated, and a whole-replica rollback against a trusted head', async () => {
      const { store, heads } = await filled(h);
      await h.tamper(store).truncate(9, false);
      expectProblem(
        await verifyLedger(store, consortium),
        9,
        'truncated',
        /^tree head of size 10: the log ends at entry 8/,
      );
      await store.close();

      // Entries and heads cut back to the head of size 8: consistent in itself, but a receipt's head says more.
      const second = await filled(h);
      await h.tamper(second.store).truncate(8, true);
      expect((await verifyLedger(second.store, consortium)).ok).toBe(true);
      const anchor = treeHeadFromJSON(JSON.parse(JSON.stringify((await second.ledger.receipt(1)).treeHead)));
      expect(anchor.size).toBe(heads[4].size);
      const r = await verifyLedger(second.store, consortium, { anchors: [anchor] });
      expectProblem(r, 8, 'truncated', /^trusted tree head of size 12: the log ends at entry 7/);
      await second.store.close();
    });

    it('finds a signature replaced', async () => {
      const { store, heads } = await filled(h);
      const other = Buffer.from(heads[3].signatures.bankA).toString('hex');
      await h.tamper(store).setSignature(8, 'bankB', other);
      const r = await verifyLedger(store, consortium);
      expectProblem(r, 7, 'bad-signature', /^tree head of size 8: signature of bankB does not verify/);
      expect(r.problems).toHaveLength(1);
      await store.close();
    });

    it('finds a tree head swapped for an older one', async () => {
      const { store, heads } = await filled(h);
      await h.tamper(store).overwriteHead(12, heads[3]);
      const r = await verifyLedger(store, consortium);
      expectProblem(r, 10, 'root-mismatch', /^tree head of size 12: its root does not match/);
      expect(
        r.problems.some((p) => p.seq === 11 && /size 12: signature of bankA does not verify/.test(p.message)),
      ).toBe(true);
      await store.close();

      // The newest head removed, so that an older one is the latest: its entries are vouched for by no one.
      const second = await filled(h);
      await h.tamper(second.store).deleteHead(12);
      const r2 = await verifyLedger(second.store, consortium);
      expectProblem(r2, 10, 'uncovered-entries', /^entry 10: entries 10-11 are not covered/);
      await expect(Ledger.open(second.store, consortium)).rejects.toThrow(
        /latest tree head covers 10 entries but 12/,
      );
      await second.store.close();
    });

    it('finds rows the walk from seq 0 cannot reach: an entry at seq -1 and a head at size -5', async () => {
      const { store } = await filled(h);
      expect((await store.tableSummary()).entries).toEqual({ rows: 12, min: '0', max: '11' });
      const t = h.tamper(store);
      await t.copyEntryRow(0, -1n);
      await t.copyHeadRow(3, -5n);
      const r = await verifyLedger(store, consortium);
      // The log itself (entries 0-11, heads 3-12) still verifies: the rows outside it are reported at its end.
      // (A store whose own check sees such rows, SQLite's quick_check of a CHECK, reports them too, at seq 0.)
      expect(r.ok).toBe(false);
      expect(
        r.problems.filter((p) => p.kind !== 'database-check').map((p) => `${p.seq} ${p.kind} ${p.message}`),
      ).toEqual([
        expect.stringMatching(
          /^12 unread-rows entry rows: the database holds 13 \(seq -1 to 11\) but walking the log from seq 0 read 12; .*below 0/,
        ),
        expect.stringMatching(/^12 unread-rows tree head rows: the database holds 6 \(size -5 to 12\) but/),
      ]);
      await store.close();
    });

    it('stops at, and reports, entry and head rows with a key beyond 2^53 − 1 (the walk ends)', async () => {
      const { store } = await filled(h);
      const t = h.tamper(store);
      await t.copyEntryRow(11, 2n ** 53n + 1n);
      await t.copyHeadRow(12, 2n ** 62n);
      // One row per page: a cursor that does not advance past such a row would read it for ever.
      const r = await verifyLedger(readCounting(store), consortium, { pageSize: 1 });
      expect(r.problems.map((p) => `${p.seq} ${p.kind} ${p.message}`)).toEqual([
        expect.stringMatching(
          /^12 malformed-row tree head row of size 4611686018427387904 \(as read\): not a size the log can have/,
        ),
        expect.stringMatching(
          /^12 malformed-row entry row with seq 9007199254740992 \(as read\): not a sequence number the log can have/,
        ),
      ]);
      expect(r).toMatchObject({ ok: false, entries: 12, heads: 5, firstBadSeq: 12 });
      await store.close();
    });

    // Only for stores that keep these as SQL columns: a memory store has none to tamper with (registered, never skipped).
    if (h.sqlColumns) {
      it('reads root and signature columns strictly (lowercase hex of their exact length)', async () => {
        const { store, heads } = await filled(h);
        const t = h.tamper(store);
        const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
        // Each still parses to the right bytes with Buffer.from(…, 'hex'), which stops at the first non-hex character.
        await t.setRootColumn!(8, hex(heads[2].root).toUpperCase());
        await t.setRootColumn!(12, `${hex(heads[4].root)}NOT-A-ROOT`);
        await t.setSignature(4, 'bankA', `${hex(heads[1].signatures.bankA)}zz`);
        const r = await verifyLedger(store, consortium);
        expectProblem(
          r,
          3,
          'malformed-row',
          /^tree head of size 4: the signature of "bankA" is not 128 lowercase hex characters$/,
        );
        const text = r.problems.map((p) => `${p.seq} ${p.kind} ${p.message}`);
        expect(text).toContain(
          '7 malformed-row tree head of size 8: the root column is not 64 lowercase hex characters',
        );
        expect(text).toContain(
          '11 malformed-row tree head of size 12: the root column is not 64 lowercase hex characters',
        );
        await expect(Ledger.open(store, consortium)).rejects.toThrow(
          /latest tree head \(size 12\): the root column is not 64 lowercase hex/,
        );
        await store.close();
      });

      it('requires the unused app data column to be NULL', async () => {
        const { store } = await filled(h);
        const t = h.tamper(store);
        // Entry 6 holds JSON app data, entry 3 none: bytes in either column are not what the entry says.
        await t.setAppDataBytesColumn!(6, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
        await t.setAppDataBytesColumn!(3, new Uint8Array([1]));
        const r = await verifyLedger(store, consortium);
        expectProblem(r, 3, 'column-mismatch', /^entry 3: the appData column does not match the entry bytes/);
        expect(r.problems.map((p) => `${p.seq} ${p.kind} ${p.message}`)).toEqual([
          '3 column-mismatch entry 3: the appData column does not match the entry bytes',
          '6 column-mismatch entry 6: the appData column does not match the entry bytes',
        ]);
        await store.close();
      });
    }

    it('finds a relational column that disagrees with the entry bytes', async () => {
      const { store } = await filled(h);
      await h.tamper(store).setJobIdColumn(3, 'job-renamed');
      expectProblem(
        await verifyLedger(store, consortium),
        3,
        'column-mismatch',
        /^entry 3: the jobId column/,
      );
      await store.close();
    });
  });
}
