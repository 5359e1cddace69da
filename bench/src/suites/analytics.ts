/**
 * Suite `analytics`: private joins and analytics on secret-shared tables.
 *
 * - analytics.psi_ms.100k: the ECDH private join (@parley/psi) of two
 *   parties with 100,000 keys each (half of them shared), each party in its
 *   own worker thread with its own TLS WebSocket endpoint on 127.0.0.1, from
 *   the first message to the joined rows at both parties (connection set-up
 *   excluded). The work is 200,000 X25519 multiplications per party, in
 *   OpenSSL through node:crypto. Also the 10k figure, and the plaintext
 *   baseline (a Set intersection of the same keys) for the ratio.
 * - analytics.fraud_e2e_ms.10k / .100k: the three-bank fraud score
 *   (@parley/circuits fraudScore.ts: the banks' account tables privately
 *   joined on hashed customer ids, the customers at two or more banks scored
 *   by the logistic model in the 3-party replicated engine, each bank's own
 *   flagged scores and the public counts out) with 10k / 100k accounts per
 *   bank, on three real `parley node start` processes over mutual TLS on
 *   127.0.0.1: from submit to the receipt in hand (node start-up excluded).
 *   The job's outputs are checked against the plaintext reference.
 * - analytics.groupby_sum_ms.1m: group-by with small-group suppression
 *   (@parley/sdk groupBy, 8 groups, minGroupSize 50) summing a uint(32)
 *   column over 1M rows pooled from three parties' tables (333,334 rows
 *   each), in the 3-party replicated engine, the three parties in this
 *   process over the in-memory network (no TLS); the counts and sums are
 *   checked against the plaintext reference, whose time gives the ratio.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FRAUD_BANKS,
  FRAUD_TABLES,
  fraudScoreComputation,
  fraudTables,
  sameFlaggedScores,
  syntheticFraudBanks,
} from '@parley/circuits';
import { fraudJobTimeoutMs, NodeProcesses, setUpDemo } from '@parley/cli';
import { WorkerPair } from '@parley/node';
import { connect, defineComputation, groupBy, layOutTables, uint } from '@parley/sdk';
import { runSharingLocally } from '@parley/sharing';
import type { BenchSuite } from '../harness.js';

/** Two key sets of `n` 16-byte keys each, sharing n/2. */
function keySets(n: number): [Uint8Array[], Uint8Array[]] {
  const shared = Array.from({ length: n >> 1 }, () => randomBytes(16));
  const own = () => Array.from({ length: n - shared.length }, () => randomBytes(16));
  return [
    [...shared, ...own()].map((b) => new Uint8Array(b)),
    [...own(), ...shared].map((b) => new Uint8Array(b)),
  ];
}

function plaintextIntersectionMs(keys: [Uint8Array[], Uint8Array[]]): number {
  const t0 = performance.now();
  const a = new Set(keys[0].map((k) => Buffer.from(k).toString('latin1')));
  let rows = 0;
  for (const k of keys[1]) if (a.has(Buffer.from(k).toString('latin1'))) rows++;
  if (rows !== keys[0].length >> 1) throw new Error(`plaintext intersection: ${rows} rows`);
  return performance.now() - t0;
}

/** One fraud-score job on three fresh nodes: milliseconds from submit to receipt. */
async function fraudEndToEndMs(accounts: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-fraud-'));
  const nodes = new NodeProcesses();
  try {
    const data = syntheticFraudBanks(accounts, 3);
    const computation = fraudScoreComputation(accounts);
    const banks = await setUpDemo(dir, computation, data);
    await Promise.all(banks.map((b) => nodes.start(b.name, b.dir)));
    const clients = banks.map((b) => connect({ node: b.dir }));
    const t0 = performance.now();
    const job = await clients[0].submit(computation);
    await job.wait({ timeoutMs: fraudJobTimeoutMs(accounts) });
    await job.receipt();
    const ms = performance.now() - t0;
    // The result must be right for the time to count.
    const want = computation.evaluateTables(fraudTables(data));
    for (const [i, bank] of FRAUD_BANKS.entries()) {
      const output = FRAUD_TABLES[bank].output;
      const got = (await clients[i].job(job.id).outputsByKey())[output] ?? {};
      if (!sameFlaggedScores(got, want.byKey[output])) {
        throw new Error(`fraud ${accounts}: ${bank}'s scores differ from the plaintext reference`);
      }
    }
    return ms;
  } finally {
    await nodes.stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Milliseconds of a group-by sum over `rows` rows (three parties' tables) in the replicated engine, and of its plaintext. */
async function groupBySumMs(rows: number): Promise<{ ms: number; plainMs: number }> {
  const parties = ['h1', 'h2', 'h3'];
  const per = Math.ceil(rows / 3);
  const c = defineComputation({
    name: 'groupby-sum-bench',
    parties,
    protocol: 'replicated',
    tables: Object.fromEntries(
      parties.map((p) => [`t${p}`, { party: p, columns: { group: uint(8), amount: uint(32) }, rows: per }]),
    ),
    outputs: { count: 'all', sum: 'all' },
    compute: (t, b) => {
      const tables = parties.map((p) => t[`t${p}`]);
      const g = groupBy({
        group: b.concat(...tables.map((x) => x.column('group'))),
        present: b.concat(...tables.map((x) => x.present)),
        groups: 8,
        minGroupSize: 50,
      });
      return { count: g.count, sum: g.sum(b.concat(...tables.map((x) => x.column('amount')))) };
    },
  });
  let seed = 7;
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  const data = Object.fromEntries(
    parties.map((p) => [
      `t${p}`,
      {
        columns: {
          group: Array.from({ length: per }, () => rnd() % 9),
          amount: Array.from({ length: per }, () => rnd() % 100_000),
        },
      },
    ]),
  );
  const t0 = performance.now();
  const want = c.evaluateTables(data);
  const plainMs = performance.now() - t0;
  const inputs = layOutTables(c.tables as NonNullable<typeof c.tables>, data).inputs;
  const r = await runSharingLocally(c.circuit, inputs, { protocol: 'replicated' });
  for (const name of ['count', 'sum']) {
    const got = Array.from(r.outputs.h1[name]).join();
    if (got !== (want.outputs[name] as bigint[]).join())
      throw new Error(`groupby ${name} differs from plaintext`);
  }
  return { ms: r.ms, plainMs };
}

const suite: BenchSuite = {
  name: 'analytics',
  async run(ctx) {
    const g = await groupBySumMs(1_000_000);
    ctx.record('analytics.groupby_sum_ms.1m', 'ms', g.ms);
    ctx.record('analytics.groupby_sum_vs_plaintext.1m', 'x', g.ms / g.plainMs);
    for (const [tag, accounts] of [
      ['10k', 10_000],
      ['100k', 100_000],
    ] as const) {
      ctx.record(`analytics.fraud_e2e_ms.${tag}`, 'ms', await fraudEndToEndMs(accounts));
    }
    const pair = await WorkerPair.start(['bankA', 'bankB']);
    try {
      for (const [tag, n] of [
        ['10k', 10_000],
        ['100k', 100_000],
      ] as const) {
        const keys = keySets(n);
        const r = await pair.privateJoin(keys);
        if (r.rows !== n >> 1) throw new Error(`psi ${tag}: ${r.rows} rows, expected ${n >> 1}`);
        ctx.record(`analytics.psi_ms.${tag}`, 'ms', r.ms);
        if (tag === '100k') {
          ctx.record('analytics.psi_keys_per_s.100k', 'keys/s', (2 * n) / (r.ms / 1000));
          ctx.record('analytics.psi_vs_plaintext.100k', 'x', r.ms / plaintextIntersectionMs(keys));
        }
      }
    } finally {
      await pair.close();
    }
  },
};

export default suite;
