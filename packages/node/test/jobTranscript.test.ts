/**
 * The job's public record: outputs named like members of Object.prototype
 * agree like any other; the ledger entry's reason is clean text; a job still
 * running here signs no entry, whatever outcome it claims.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CircuitBuilder, uint } from '@parley/circuit';
import { hasUnsafeText } from '@parley/interface';
import { compareEntryWithJob, type LedgerEntry } from '@parley/ledger';
import { MemoryNetwork } from '@parley/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../src/jobs/jobStore.js';
import { agreeOnOutputs, ledgerEntryFor, ledgerViewOf } from '../src/jobs/jobTranscript.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-transcript-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const consortium = {
  parties: [
    { name: 'bankA', publicKey: '11'.repeat(32), address: '127.0.0.1:1' },
    { name: 'bankB', publicKey: '22'.repeat(32), address: '127.0.0.1:2' },
  ],
};

describe('agreeOnOutputs', () => {
  for (const name of ['total', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`agrees on an output named ${name}`, async () => {
      const b = new CircuitBuilder(['a', 'b']);
      const x = b.input('a', 'x', uint(32), 1);
      const y = b.input('b', 'y', uint(32), 1);
      b.output(name, x.add(y), ['a', 'b']);
      const program = b.build();
      const net = new MemoryNetwork(['a', 'b']);
      const [sa, sb] = await Promise.all(['a', 'b'].map((p) => net.endpoint(p).openSession('s', ['a', 'b'])));
      const column = new BigUint64Array([5n]);
      const [ra, rb] = await Promise.all([
        agreeOnOutputs(sa, 'a', 'job1', program, { [name]: column }),
        agreeOnOutputs(sb, 'b', 'job1', program, { [name]: column }),
      ]);
      expect(Object.keys(ra.outputHashes)).toEqual([name]);
      expect(ra.outputHashes).toEqual(rb.outputHashes);
      expect(Object.hasOwn(ra.salts, name)).toBe(true);
    });
  }
});

describe('ledger entry and view of a job', () => {
  it("cleans a peer's control characters out of the reason, and a job still running here signs nothing", () => {
    const store = JobStore.open(join(dir, 'a.db'));
    const base = {
      computationId: 'ab'.repeat(32),
      name: 'fraud',
      parties: ['bankA', 'bankB'],
      proposer: 'bankA',
    };
    store.create({ id: 'j1', ...base }, 1);
    store.transition('j1', 'refused', {
      error: { code: 'POLICY_REFUSED', message: 'bankB: x\u0000\u001b]52;c;Zm9v\u0007 \ud800' },
      now: 2,
    });
    const entry = ledgerEntryFor(store.get('j1'), store);
    expect(entry.reason).toBeDefined();
    expect(hasUnsafeText(entry.reason as string)).toBe(false);
    expect(entry.reason).toMatch(/^POLICY_REFUSED: bankB: x/);

    // bankB's job is still computing: an entry claiming it failed is refused, and so is one claiming success.
    store.create({ id: 'j2', ...base }, 3);
    for (const state of ['approved', 'inputs-committed', 'computing'] as const) store.transition('j2', state);
    const view = ledgerViewOf(store.get('j2'), store, 'bankB');
    const claim = (outcome: 'failed' | 'succeeded'): LedgerEntry => ({
      seq: 0,
      jobId: 'j2',
      computationId: base.computationId,
      parties: base.parties,
      inputCommitments: {},
      outputHashes: {},
      transcriptHash: 'cd'.repeat(32),
      outcome,
      ...(outcome === 'failed' ? { reason: 'TIMEOUT: made up' } : {}),
      startedAt: 3,
      finishedAt: 4,
    });
    for (const outcome of ['failed', 'succeeded'] as const) {
      expect(compareEntryWithJob(claim(outcome), view, 'bankB', consortium)).toContain(
        'job j2 has not ended on bankB',
      );
    }
    store.close();
  });

  it('a member outside the job signs no entry that names a single party', () => {
    const entry: LedgerEntry = {
      seq: 0,
      jobId: 'made-up',
      computationId: 'ab'.repeat(32),
      parties: ['bankA'],
      inputCommitments: {},
      outputHashes: {},
      transcriptHash: 'cd'.repeat(32),
      outcome: 'succeeded',
      startedAt: 1,
      finishedAt: 2,
    };
    expect(compareEntryWithJob(entry, undefined, 'bankB', consortium)).toEqual([
      'job made-up names one party, and a job has two or more',
    ]);
    expect(
      compareEntryWithJob({ ...entry, parties: ['bankA', 'bankB'] }, undefined, 'bankB', consortium),
    ).toEqual(['bankB has no record of job made-up']);
  });
});
