/** The compliance suite on the in-memory store (tampering through its raw rows). */
import { encodeEntry, entryToJSON, type LedgerStore, leafHash, MemoryStore } from '@parley/ledger';
import { describeStoreCompliance } from './storeSuite.js';

const raw = (s: LedgerStore) => (s as MemoryStore).raw;
const at = (s: LedgerStore, seq: number) => raw(s).entries.findIndex((e) => e.seq === seq);

describeStoreCompliance('memory', {
  async open() {
    return new MemoryStore();
  },
  async reopen(store) {
    return store;
  },
  tamper(store) {
    return {
      async setEntry(seq, bytes, leaf) {
        const e = raw(store).entries[at(store, seq)];
        e.bytes = bytes;
        if (leaf) e.leafHash = leaf;
      },
      async rewriteEntry(seq, entry) {
        const bytes = encodeEntry(entry);
        raw(store).entries[at(store, seq)] = {
          seq,
          bytes,
          leafHash: leafHash(bytes),
          columns: entryToJSON(entry),
        };
      },
      async setJobIdColumn(seq, jobId) {
        raw(store).entries[at(store, seq)].columns!.jobId = jobId;
      },
      async deleteEntry(seq) {
        raw(store).entries.splice(at(store, seq), 1);
      },
      async swapEntries(a, b) {
        const rows = raw(store).entries;
        const [x, y] = [rows[at(store, a)], rows[at(store, b)]];
        rows[at(store, a)] = { ...y, seq: a };
        rows[at(store, b)] = { ...x, seq: b };
      },
      async truncate(fromSeq, heads) {
        const r = raw(store);
        r.entries = r.entries.filter((e) => e.seq < fromSeq);
        if (heads) r.heads = r.heads.filter((h) => h.size <= fromSeq);
      },
      async setSignature(size, member, hex) {
        raw(store).heads.find((h) => h.size === size)!.signatures[member] = new Uint8Array(
          Buffer.from(hex, 'hex'),
        );
      },
      async overwriteHead(size, older) {
        const r = raw(store);
        r.heads[r.heads.findIndex((h) => h.size === size)] = { ...older, size };
      },
      async deleteHead(size) {
        const r = raw(store);
        r.heads = r.heads.filter((h) => h.size !== size);
      },
      async copyEntryRow(fromSeq, seq) {
        const rows = raw(store).entries;
        rows.push({ ...rows[at(store, fromSeq)], seq: Number(seq) });
        rows.sort((a, b) => a.seq - b.seq);
      },
      async copyHeadRow(fromSize, size) {
        const heads = raw(store).heads;
        heads.push({ ...heads.find((x) => x.size === fromSize)!, size: Number(size) });
        heads.sort((a, b) => a.size - b.size);
      },
    };
  },
});
