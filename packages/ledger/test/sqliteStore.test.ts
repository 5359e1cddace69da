/**
 * The compliance suite on SQLite (tampering through a second connection, as
 * an administrator with the sqlite3 shell would), plus SQLite specifics: the
 * pragmas that make an append durable, the read-only verifier, and the
 * tampering the node acceptance test does (one flipped byte in the newest
 * row's blob of a table named like a ledger).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@parley/interface';
import { encodeEntry, Ledger, type LedgerStore, leafHash, SqliteStore, verifyLedger } from '@parley/ledger';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { makeConsortium, makeEntry } from './helpers.js';
import { describeStoreCompliance } from './storeSuite.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-ledger-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A second connection to the store's file, as an administrator would open it. */
function admin(store: LedgerStore): Database.Database {
  return new Database((store as SqliteStore).path);
}
function run(store: LedgerStore, sql: string, ...params: unknown[]): void {
  const db = admin(store);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

describeStoreCompliance('sqlite', {
  async open() {
    return SqliteStore.open(join(dir, `l${n++}.db`));
  },
  async reopen(store) {
    await store.close();
    return SqliteStore.open((store as SqliteStore).path);
  },
  tamper(store) {
    return {
      async setEntry(seq, bytes, leaf) {
        run(store, 'update ledger_entries set entry = ? where seq = ?', bytes, seq);
        if (leaf) run(store, 'update ledger_entries set leaf_hash = ? where seq = ?', leaf, seq);
      },
      async rewriteEntry(seq, entry) {
        const bytes = encodeEntry(entry);
        run(
          store,
          'update ledger_entries set entry = ?, leaf_hash = ?, job_id = ?, transcript_hash = ? where seq = ?',
          bytes,
          leafHash(bytes),
          entry.jobId,
          entry.transcriptHash,
          seq,
        );
      },
      async setJobIdColumn(seq, jobId) {
        run(store, 'update ledger_entries set job_id = ? where seq = ?', jobId, seq);
      },
      async deleteEntry(seq) {
        run(store, 'delete from ledger_entries where seq = ?', seq);
      },
      async swapEntries(a, b) {
        const db = admin(store);
        try {
          db.transaction(() => {
            db.prepare('update ledger_entries set seq = -1 where seq = ?').run(a);
            db.prepare('update ledger_entries set seq = ? where seq = ?').run(a, b);
            db.prepare('update ledger_entries set seq = ? where seq = -1').run(b);
          })();
        } finally {
          db.close();
        }
      },
      async truncate(fromSeq, heads) {
        run(store, 'delete from ledger_entries where seq >= ?', fromSeq);
        if (heads) run(store, 'delete from tree_heads where size > ?', fromSeq);
      },
      async setSignature(size, member, hex) {
        run(
          store,
          "update tree_heads set signatures = json_set(signatures, '$.' || ?, ?) where size = ?",
          member,
          hex,
          size,
        );
      },
      async overwriteHead(size, older) {
        const sigs = Object.fromEntries(
          Object.entries(older.signatures).map(([k, v]) => [k, Buffer.from(v).toString('hex')]),
        );
        run(
          store,
          'update tree_heads set timestamp = ?, root = ?, signatures = ? where size = ?',
          older.timestamp,
          Buffer.from(older.root).toString('hex'),
          JSON.stringify(sigs),
          size,
        );
      },
      async deleteHead(size) {
        run(store, 'delete from tree_heads where size = ?', size);
      },
    };
  },
});

describe('SQLite specifics', () => {
  const { consortium, signers } = makeConsortium(3);

  it('runs in WAL mode with synchronous=FULL, and opens read-only for the verifier without creating files', async () => {
    const path = join(dir, 'pragmas.db');
    const store = SqliteStore.open(path);
    const ledger = await Ledger.open(store, consortium);
    await ledger.append([makeEntry(0)], signers);
    const db = admin(store);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // synchronous is per connection: read it from the store's own connection.
    expect((store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(
      2,
    );
    await store.close();
    const ro = SqliteStore.open(path, { readonly: true });
    expect((await verifyLedger(ro, consortium)).ok).toBe(true);
    await ro.close();
    expect(() => SqliteStore.open(join(dir, 'absent.db'), { readonly: true })).toThrow(/does not exist/);
    for (const suffix of ['', '-wal', '-shm', '-journal'])
      expect(existsSync(join(dir, `absent.db${suffix}`))).toBe(false);
    const notLedger = join(dir, 'other.db');
    new Database(notLedger).exec('create table t (x)');
    for (const readonly of [true, false]) {
      try {
        SqliteStore.open(notLedger, { readonly });
        expect.fail('opened');
      } catch (e) {
        expect(hasCode(e, 'CONFIG')).toBe(true);
        expect((e as Error).message).toMatch(/not a Parley ledger/);
      }
    }
  });

  it('reports, without crashing, columns that hold another type than they should', async () => {
    const path = join(dir, 'types.db');
    const store = SqliteStore.open(path);
    await (await Ledger.open(store, consortium)).append([makeEntry(0), makeEntry(1), makeEntry(2)], signers);
    run(store, "update ledger_entries set entry = 'not bytes', leaf_hash = 7 where seq = 1");
    run(store, "update tree_heads set signatures = '{broken' where size = 3");
    const r = await verifyLedger(store, consortium);
    expect(r.firstBadSeq).toBe(1);
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(
      /entry 1: the bytes are not a valid entry[\s\S]*entry 1: the stored leaf hash[\s\S]*missing signature of bankA/,
    );
    await expect(Ledger.open(store, consortium)).rejects.toThrow(/entry 1 has a malformed leaf hash/);
    await store.close();
  });

  it('finds one flipped byte in the newest blob of the first table named like a ledger (the node acceptance tamper)', async () => {
    const path = join(dir, 'node.db');
    const store = SqliteStore.open(path);
    const ledger = await Ledger.open(store, consortium);
    for (let b = 0; b < 3; b++) await ledger.append([makeEntry(2 * b), makeEntry(2 * b + 1)], signers);
    await store.close();
    // The same steps as the acceptance script of the node issue.
    const db = new Database(path);
    const tables = (
      db.prepare("select name from sqlite_master where type='table'").all() as { name: string }[]
    )
      .map((r) => r.name)
      .filter((t) => /ledger|entr|leaf|log/i.test(t));
    expect(tables[0]).toBe('ledger_entries');
    const cols = db.prepare(`pragma table_info("${tables[0]}")`).all() as { name: string }[];
    const row = db
      .prepare(`select rowid as _r, * from "${tables[0]}" order by rowid desc limit 1`)
      .get() as Record<string, unknown>;
    const c = cols.find((x) => Buffer.isBuffer(row[x.name]) && (row[x.name] as Buffer).length > 8)!;
    expect(c.name).toBe('entry');
    const v = Buffer.from(row[c.name] as Buffer);
    v[v.length >> 1] ^= 1;
    db.prepare(`update "${tables[0]}" set "${c.name}" = ? where rowid = ?`).run(v, row._r);
    db.close();
    const r = await verifyLedger(SqliteStore.open(path, { readonly: true }), consortium);
    expect(r.ok).toBe(false);
    expect(r.firstBadSeq).toBe(5);
    expect(r.problems[0].message).toMatch(/^entry 5: /);
  });
});
