/**
 * The compliance suite on PostgreSQL (tampering with plain SQL, as a database
 * administrator would). Each store gets its own schema, dropped afterwards.
 * The server is the one .ci/services.sh starts: PARLEY_TEST_PG_URL, default
 * postgres://parley:parley@127.0.0.1:5432/parley_test. When it cannot be
 * reached the suite fails under CI (CI=true) and is skipped, with a warning,
 * only outside CI.
 */
import { randomBytes } from 'node:crypto';
import {
  encodeEntry,
  entryToJSON,
  Ledger,
  type LedgerStore,
  leafHash,
  PostgresStore,
  verifyLedger,
} from '@parley/ledger';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_URL, usePostgres } from '../../../test/postgres.js';
import { makeConsortium, makeEntry } from './helpers.js';
import { describeStoreCompliance } from './storeSuite.js';

const url = PG_URL;
const run = await usePostgres('its ledger tests');

const schemas: string[] = [];
const schemaOf = new Map<LedgerStore, string>();

async function sql(text: string, params: unknown[] = []): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text, params);
  } finally {
    await c.end();
  }
}

async function openStore(schema: string): Promise<LedgerStore> {
  const s = await PostgresStore.open({ connectionString: url, schema });
  schemaOf.set(s, schema);
  return s;
}

describe.skipIf(!run)('PostgreSQL', () => {
  describeStoreCompliance('postgres', {
    sqlColumns: true,
    async open() {
      const schema = `parley_t_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return openStore(schema);
    },
    async reopen(store) {
      await store.close();
      return openStore(schemaOf.get(store)!);
    },
    async cleanup() {
      for (const s of schemas) await sql(`drop schema if exists ${s} cascade`);
    },
    tamper(store) {
      const s = schemaOf.get(store)!;
      return {
        async setEntry(seq, bytes, leaf) {
          await sql(`update ${s}.ledger_entries set entry = $1 where seq = $2`, [Buffer.from(bytes), seq]);
          if (leaf)
            await sql(`update ${s}.ledger_entries set leaf_hash = $1 where seq = $2`, [
              Buffer.from(leaf),
              seq,
            ]);
        },
        async rewriteEntry(seq, entry) {
          const bytes = encodeEntry(entry);
          const j = entryToJSON(entry);
          await sql(
            `update ${s}.ledger_entries set entry = $1, leaf_hash = $2, job_id = $3, transcript_hash = $4 where seq = $5`,
            [Buffer.from(bytes), Buffer.from(leafHash(bytes)), j.jobId, j.transcriptHash, seq],
          );
        },
        async setJobIdColumn(seq, jobId) {
          await sql(`update ${s}.ledger_entries set job_id = $1 where seq = $2`, [jobId, seq]);
        },
        async deleteEntry(seq) {
          await sql(`delete from ${s}.ledger_entries where seq = $1`, [seq]);
        },
        async swapEntries(a, b) {
          const parked = 2 ** 40;
          await sql(`update ${s}.ledger_entries set seq = $1 where seq = $2`, [parked, a]);
          await sql(`update ${s}.ledger_entries set seq = $1 where seq = $2`, [a, b]);
          await sql(`update ${s}.ledger_entries set seq = $1 where seq = $2`, [b, parked]);
        },
        async truncate(fromSeq, heads) {
          await sql(`delete from ${s}.ledger_entries where seq >= $1`, [fromSeq]);
          if (heads) await sql(`delete from ${s}.tree_heads where size > $1`, [fromSeq]);
        },
        async setSignature(size, member, hex) {
          await sql(
            `update ${s}.tree_heads set signatures = jsonb_set(signatures, $1, to_jsonb($2::text)) where size = $3`,
            [`{${member}}`, hex, size],
          );
        },
        async overwriteHead(size, older) {
          const sigs = Object.fromEntries(
            Object.entries(older.signatures).map(([k, v]) => [k, Buffer.from(v).toString('hex')]),
          );
          await sql(`update ${s}.tree_heads set timestamp = $1, root = $2, signatures = $3 where size = $4`, [
            older.timestamp,
            Buffer.from(older.root).toString('hex'),
            JSON.stringify(sigs),
            size,
          ]);
        },
        async deleteHead(size) {
          await sql(`delete from ${s}.tree_heads where size = $1`, [size]);
        },
        async copyEntryRow(fromSeq, seq) {
          // The CHECK (seq >= 0), dropped as an administrator can.
          await sql(`alter table ${s}.ledger_entries drop constraint if exists ledger_entries_seq_check`);
          await sql(
            `insert into ${s}.ledger_entries select $1::bigint, entry, leaf_hash, job_id, computation_id, outcome,
               reason, parties, input_commitments, output_hashes, transcript_hash, started_at, finished_at,
               app_data_json, app_data_bytes
             from ${s}.ledger_entries where seq = $2`,
            [String(seq), fromSeq],
          );
        },
        async copyHeadRow(fromSize, size) {
          await sql(`alter table ${s}.tree_heads drop constraint if exists tree_heads_size_check`);
          await sql(
            `insert into ${s}.tree_heads select $1::bigint, timestamp, root, signatures
             from ${s}.tree_heads where size = $2`,
            [String(size), fromSize],
          );
        },
        async setRootColumn(size, text) {
          await sql(`update ${s}.tree_heads set root = $1 where size = $2`, [text, size]);
        },
        async setAppDataBytesColumn(seq, bytes) {
          await sql(`update ${s}.ledger_entries set app_data_bytes = $1 where seq = $2`, [
            Buffer.from(bytes),
            seq,
          ]);
        },
      };
    },
  });

  it('keeps entries in relational tables that SQL can query', async () => {
    const schema = `parley_t_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const { consortium, signers } = makeConsortium(3);
    const store = await openStore(schema);
    const ledger = await Ledger.open(store, consortium);
    await ledger.append(
      [makeEntry(0), makeEntry(1, { outcome: 'refused', reason: 'policy: group too small' }), makeEntry(2)],
      signers,
    );
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query(
        `select seq, job_id, outcome, reason, parties ? 'bankB' as has_b, finished_at > started_at as ordered
         from ${schema}.ledger_entries where outcome <> 'succeeded' order by seq`,
      );
      expect(r.rows).toEqual([
        {
          seq: '1',
          job_id: 'job-1',
          outcome: 'refused',
          reason: 'policy: group too small',
          has_b: true,
          ordered: true,
        },
      ]);
      const heads = await c.query(
        `select size, jsonb_object_keys(signatures) as signer from ${schema}.tree_heads`,
      );
      expect(heads.rows.map((x) => x.signer).sort()).toEqual(['bankA', 'bankB', 'bankC']);
    } finally {
      await c.end();
    }
    expect((await verifyLedger(store, consortium)).ok).toBe(true);
    await store.close();
    await sql(`drop schema if exists ${schema} cascade`);
  });
});
