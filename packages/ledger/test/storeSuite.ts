/**
 * The compliance suite every LedgerStore runs (memory, SQLite, PostgreSQL):
 * appends and reads, atomic refusal, persistence, and every tampering an
 * administrator of one node could do to the database — each must be found by
 * verifyLedger and reported with its sequence number.
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
}

export interface StoreHarness {
  /** A fresh, empty store. */
  open(): Promise<LedgerStore>;
  /** Closes `store` and opens the same storage again. */
  reopen(store: LedgerStore): Promise<LedgerStore>;
  tamper(store: LedgerStore): StoreTamper;
  cleanup?(): Promise<void>;
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
