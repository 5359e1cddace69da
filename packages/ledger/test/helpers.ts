/** Shared test fixtures: a deterministic consortium and job entries. */

import { ed25519KeyPair, toHex } from '@parley/crypto';
import type { Consortium } from '@parley/interface';
import type { LedgerEntryInput, LedgerSigner } from '@parley/ledger';

export const hex64 = (c: string): string => c.repeat(64).slice(0, 64);

/** Members bankA, bankB, … with keys derived from fixed seeds (so files written by one test read in another). */
export function makeConsortium(n = 3, offset = 0): { consortium: Consortium; signers: LedgerSigner[] } {
  const signers = Array.from({ length: n }, (_, i) => {
    const kp = ed25519KeyPair(new Uint8Array(32).fill(i + 1 + offset));
    return { name: `bank${String.fromCharCode(65 + i)}`, secretKey: kp.secretKey, publicKey: kp.publicKey };
  });
  const consortium: Consortium = {
    name: 'test-consortium',
    parties: signers.map((s, i) => ({
      name: s.name,
      publicKey: toHex(s.publicKey),
      address: `127.0.0.1:${7000 + i}`,
    })),
  };
  return { consortium, signers: signers.map(({ name, secretKey }) => ({ name, secretKey })) };
}

/** A plausible job record; `i` varies the job id, the hashes and the times. */
export function makeEntry(i: number, overrides: Partial<LedgerEntryInput> = {}): LedgerEntryInput {
  const d = (k: number): string => `${((i * 7 + k) % 16).toString(16)}f`.repeat(32);
  return {
    jobId: `job-${i}`,
    computationId: d(1),
    parties: ['bankA', 'bankB', 'bankC'],
    inputCommitments: { bankA: d(2), bankB: d(3), bankC: d(4) },
    outputHashes: { score: d(5) },
    transcriptHash: d(6),
    outcome: 'succeeded',
    startedAt: 1_760_000_000_000 + i * 1000,
    finishedAt: 1_760_000_000_000 + i * 1000 + 250,
    ...overrides,
  };
}

/** A deterministic PRNG for test choices (mulberry32); every random test prints its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
