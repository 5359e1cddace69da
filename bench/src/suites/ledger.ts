/**
 * Suite `ledger`: the shared tamper-evident ledger.
 *
 * - ledger.appends_per_s.sqlite / .postgres: durable co-signed appends per
 *   second, batched: each batch of APPEND_BATCH entries is one transaction
 *   (SQLite WAL + synchronous=FULL; PostgreSQL synchronous_commit=on) with one
 *   tree head signed by 3 members, every signature verified before the append.
 *   The PostgreSQL figure is recorded when PARLEY_TEST_PG_URL (default
 *   postgres://parley:parley@127.0.0.1:5432/parley_test) answers.
 * - ledger.verify_entries_per_s: verifyLedger over a SQLite ledger of
 *   VERIFY_ENTRIES entries (100k quick, 1M full) in batches of 1,000 entries per
 *   co-signed head: every leaf re-hashed, every entry decoded and compared with
 *   its columns, every head's root recomputed and all its signatures checked.
 * - ledger.receipt_verify_per_s: verifyReceipt (decode, audit path, 3 signatures).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consortium } from '@parley/interface';
import {
  Ledger,
  type LedgerEntryInput,
  type LedgerSigner,
  type LedgerStore,
  PostgresStore,
  type ReceiptJSON,
  SqliteStore,
  verifyLedger,
  verifyReceipt,
} from '@parley/ledger';
import type { BenchContext, BenchSuite } from '../harness.js';

const APPEND_BATCH = 100;
const VERIFY_BATCH = 1000;

function members(n: number): { consortium: Consortium; signers: LedgerSigner[] } {
  const signers: LedgerSigner[] = [];
  const parties = [];
  for (let i = 0; i < n; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const secretKey = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32));
    const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const name = `bank${String.fromCharCode(65 + i)}`;
    signers.push({ name, secretKey });
    parties.push({ name, publicKey: pub.toString('hex'), address: `127.0.0.1:${7000 + i}` });
  }
  return { consortium: { name: 'bench', parties }, signers };
}

function entry(i: number): LedgerEntryInput {
  const d = (k: number): string => `${((i * 7 + k) % 16).toString(16)}e`.repeat(32);
  return {
    jobId: `job-${i}`,
    computationId: d(1),
    parties: ['bankA', 'bankB', 'bankC'],
    inputCommitments: { bankA: d(2), bankB: d(3), bankC: d(4) },
    outputHashes: { score: d(5) },
    transcriptHash: d(6),
    outcome: 'succeeded',
    startedAt: 1_760_000_000_000 + i,
    finishedAt: 1_760_000_000_000 + i + 40,
  };
}

async function fill(ledger: Ledger, signers: LedgerSigner[], batches: number, batch: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const base = ledger.size;
    await ledger.append(
      Array.from({ length: batch }, (_, i) => entry(base + i)),
      signers,
    );
  }
}

/** Appends/s over `batches` batches after one warm-up batch. */
async function appendRate(
  ctx: BenchContext,
  store: LedgerStore,
  metric: string,
  batches: number,
): Promise<void> {
  const { consortium, signers } = members(3);
  const ledger = await Ledger.open(store, consortium);
  await fill(ledger, signers, 1, APPEND_BATCH);
  const t0 = performance.now();
  await fill(ledger, signers, batches, APPEND_BATCH);
  const seconds = (performance.now() - t0) / 1000;
  // One timing over all the batches: one sample.
  ctx.record(
    metric,
    'appends/s',
    (batches * APPEND_BATCH) / seconds,
    1,
    `${batches} batches of ${APPEND_BATCH}`,
  );
  await ledger.close();
}

/**
 * A PostgreSQL URL fit to print: without its user name and password (the
 * default one holds both). Like the ledger CLI, nothing of a URL that does not
 * parse is repeated.
 */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return 'the URL in PARLEY_TEST_PG_URL (not repeated: it does not parse)';
  }
}

/** `message` with the URL's password (and the URL itself) taken out, should the driver repeat them. */
function withoutSecret(message: string, url: string): string {
  let out = message.split(url).join(withoutCredentials(url));
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) out = out.split(password).join('***');
  } catch {
    // a URL that does not parse has no password to find
  }
  return out;
}

const suite: BenchSuite = {
  name: 'ledger',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-ledger-'));
    try {
      await appendRate(
        ctx,
        SqliteStore.open(join(dir, 'appends.db')),
        'ledger.appends_per_s.sqlite',
        ctx.quick ? 20 : 100,
      );

      const url = process.env.PARLEY_TEST_PG_URL ?? 'postgres://parley:parley@127.0.0.1:5432/parley_test';
      const schema = `parley_bench_${process.pid}`;
      let pgStore: LedgerStore | undefined;
      try {
        pgStore = await PostgresStore.open({ connectionString: url, schema });
      } catch (e) {
        console.error(
          `  (no PostgreSQL at ${withoutCredentials(url)}: ledger.appends_per_s.postgres not measured: ${withoutSecret((e as Error).message, url)})`,
        );
      }
      if (pgStore !== undefined) {
        try {
          await appendRate(ctx, pgStore, 'ledger.appends_per_s.postgres', ctx.quick ? 20 : 100);
        } finally {
          await PostgresStore.dropSchema(url, schema);
        }
      }

      const n = ctx.quick ? 100_000 : 1_000_000;
      const { consortium, signers } = members(3);
      const store = SqliteStore.open(join(dir, 'verify.db'));
      const ledger = await Ledger.open(store, consortium);
      await fill(ledger, signers, n / VERIFY_BATCH, VERIFY_BATCH);
      const t0 = performance.now();
      const report = await verifyLedger(store, consortium);
      const seconds = (performance.now() - t0) / 1000;
      if (!report.ok || report.entries !== n)
        throw new Error(`bench ledger did not verify: ${report.problems[0]?.message}`);
      ctx.record('ledger.verify_entries_per_s', 'entries/s', n / seconds, 1);

      const count = ctx.quick ? 200 : 1000;
      const receipts: ReceiptJSON[] = [];
      for (let i = 0; i < 50; i++)
        receipts.push(await ledger.receipt(Math.floor(((i * 7919) % 50) * (n / 50))));
      for (const r of receipts.slice(0, 5)) verifyReceipt(r, consortium);
      const t1 = performance.now();
      for (let i = 0; i < count; i++) {
        if (!verifyReceipt(receipts[i % receipts.length], consortium).ok)
          throw new Error('bench receipt did not verify');
      }
      ctx.record(
        'ledger.receipt_verify_per_s',
        'receipts/s',
        count / ((performance.now() - t1) / 1000),
        1,
        `${count} receipts in one timing`,
      );
      await ledger.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
