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
 */
import { randomBytes } from 'node:crypto';
import { WorkerPair } from '@parley/node';
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

const suite: BenchSuite = {
  name: 'analytics',
  async run(ctx) {
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
