/**
 * The compliance suite on SQLite (tampering through a second connection, as
 * an administrator with the sqlite3 shell would), plus SQLite specifics: the
 * pragmas that make an append durable, the read-only verifier, and the
 * tampering the node acceptance test does (one flipped byte in the newest
 * row's blob of a table named like a ledger).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@parley/interface';
import { encodeEntry, Ledger, type LedgerStore, leafHash, SqliteStore, verifyLedger } from '@parley/ledger';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
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
  sqlColumns: true,
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
          // Parked at a seq far beyond the log (the CHECK refuses a negative one), as on PostgreSQL.
          const parked = 2 ** 40;
          db.transaction(() => {
            db.prepare('update ledger_entries set seq = ? where seq = ?').run(parked, a);
            db.prepare('update ledger_entries set seq = ? where seq = ?').run(a, b);
            db.prepare('update ledger_entries set seq = ? where seq = ?').run(b, parked);
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
      async copyEntryRow(fromSeq, seq) {
        const db = admin(store);
        try {
          // The CHECK (seq >= 0) of new stores, bypassed as an administrator can.
          db.pragma('ignore_check_constraints = 1');
          db.prepare(
            `insert into ledger_entries select ?, entry, leaf_hash, job_id, computation_id, outcome, reason, parties,
               input_commitments, output_hashes, transcript_hash, started_at, finished_at, app_data_json, app_data_bytes
             from ledger_entries where seq = ?`,
          ).run(seq, fromSeq);
        } finally {
          db.close();
        }
      },
      async copyHeadRow(fromSize, size) {
        const db = admin(store);
        try {
          db.pragma('ignore_check_constraints = 1');
          db.prepare(
            'insert into tree_heads select ?, timestamp, root, signatures from tree_heads where size = ?',
          ).run(size, fromSize);
        } finally {
          db.close();
        }
      },
      async setRootColumn(size, text) {
        run(store, 'update tree_heads set root = ? where size = ?', text, size);
      },
      async setAppDataBytesColumn(seq, bytes) {
        run(store, 'update ledger_entries set app_data_bytes = ? where seq = ?', bytes, seq);
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
      /entry 1: the bytes are not a valid entry[\s\S]*entry 1: the stored leaf hash[\s\S]*tree head of size 3: the signatures column is not a JSON object/,
    );
    await expect(Ledger.open(store, consortium)).rejects.toThrow(/entry 1 has a malformed leaf hash/);
    await store.close();
  });

  it('refuses a negative seq or size in a new store (CHECK constraints)', async () => {
    const path = join(dir, 'checks.db');
    const store = SqliteStore.open(path);
    await (await Ledger.open(store, consortium)).append([makeEntry(0)], signers);
    expect(() => run(store, 'update ledger_entries set seq = -1 where seq = 0')).toThrow(
      /CHECK constraint failed: seq >= 0/,
    );
    expect(() => run(store, "insert into tree_heads values (-5, 0, 'aa', '{}')")).toThrow(
      /CHECK constraint failed: size >= 0/,
    );
    await store.close();
  });

  it('makes the schema in one transaction: a crash part-way leaves a file that opens', async () => {
    const path = join(dir, 'half-made.db');
    const exec = Database.prototype.exec;
    // The process dies after the first statement of the schema, before the others (store_meta among them).
    const crash = vi.spyOn(Database.prototype, 'exec').mockImplementationOnce(function (
      this: Database.Database,
      sql: string,
    ) {
      exec.call(this, `${sql.split(';')[0]};`);
      throw new Error('simulated crash between two statements of the schema');
    });
    expect(() => SqliteStore.open(path)).toThrow(/simulated crash/);
    crash.mockRestore();
    const store = SqliteStore.open(path);
    await (await Ledger.open(store, consortium)).append([makeEntry(0)], signers);
    expect((await verifyLedger(store, consortium)).ok).toBe(true);
    await store.close();
  });

  /** A ledger of 80 entries in 40 heads, its WAL folded into the file, and the file's pages by table. */
  async function onDisk(name: string): Promise<{ path: string; rootPage: Record<string, number> }> {
    const path = join(dir, name);
    const store = SqliteStore.open(path);
    const ledger = await Ledger.open(store, consortium);
    for (let b = 0; b < 40; b++) await ledger.append([makeEntry(2 * b), makeEntry(2 * b + 1)], signers);
    await store.close();
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = db.prepare('select name, rootpage from sqlite_master').all() as {
      name: string;
      rootpage: number;
    }[];
    db.close();
    return { path, rootPage: Object.fromEntries(rows.map((r) => [r.name, r.rootpage])) };
  }

  /** Overwrites the header of page `page` (1-based), as a failing disk or a careless edit would. */
  function clobberPage(path: string, page: number): void {
    const buf = readFileSync(path);
    buf.fill(0x41, (page - 1) * 4096, (page - 1) * 4096 + 64);
    writeFileSync(path, buf);
  }

  it('reports what PRAGMA quick_check finds, even where the reads do not go (an index page)', async () => {
    const { path, rootPage } = await onDisk('bad-index.db');
    clobberPage(path, rootPage.ledger_entries_job_id);
    const ro = SqliteStore.open(path, { readonly: true });
    const r = await verifyLedger(ro, consortium);
    await ro.close();
    expect(r).toMatchObject({ ok: false, entries: 80, heads: 40, firstBadSeq: 0 });
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems) {
      expect(p.kind).toBe('database-check');
      expect(p.message).toMatch(/^database: its integrity check reports: /);
    }
  });

  it('throws a typed error of one line, not a SqliteError, when a table page the walk reads is damaged', async () => {
    const { path, rootPage } = await onDisk('bad-table.db');
    clobberPage(path, rootPage.ledger_entries);
    const ro = SqliteStore.open(path, { readonly: true });
    const e = await verifyLedger(ro, consortium).then(
      () => expect.fail('verified a damaged file'),
      (x: unknown) => x,
    );
    await ro.close();
    expect(hasCode(e, 'LEDGER_TAMPERED'), String(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /^ledger database is corrupt: .*bad-table\.db: database disk image is malformed \(/,
    );
    expect((e as Error).message).not.toContain('\n');
  });

  it('says a file whose format row is lost to damage is corrupt, not "not a Parley ledger"', async () => {
    const { path, rootPage } = await onDisk('bad-meta.db');
    clobberPage(path, rootPage.store_meta);
    try {
      SqliteStore.open(path, { readonly: true });
      expect.fail('opened a damaged file');
    } catch (e) {
      expect(hasCode(e, 'LEDGER_TAMPERED'), String(e)).toBe(true);
      expect((e as Error).message).toMatch(/^ledger database is corrupt: .*bad-meta\.db: .*\(opening it\)$/);
    }
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
