/**
 * The sequencer's limits on what one member can make it hold: entries queued
 * per member, and one catch-up served per member at a time. The rounds
 * themselves never start here (the transport session never opens), so the
 * queue only grows, as under a flood. A member takes the sequencer's word
 * that a recording failed only for a job that has its outcome and no entry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEntry } from '@parley/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobState, JobStore } from '../src/jobs/jobStore.js';
import { LedgerRecorder } from '../src/jobs/ledgerRecorder.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-recorder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const members = ['bankA', 'bankB', 'bankC'];

function recorder(store: JobStore, self = 'bankA') {
  const ignored: string[] = [];
  const sent: string[] = [];
  let sessions = 0;
  const log = {
    warn: (fields: { why?: string }, msg: string) => ignored.push(fields.why ?? msg),
    info: () => {},
  };
  const endpoint = {
    control: {
      send: async (to: string) => {
        sent.push(to);
      },
    },
    // A session that never opens: no round or catch-up ever finishes.
    openSession: () => {
      sessions++;
      return new Promise(() => {});
    },
    onEvent: () => () => {},
  };
  const r = new LedgerRecorder({
    self,
    consortium: {
      parties: members.map((name, i) => ({
        name,
        publicKey: `${i + 1}`.repeat(64),
        address: `127.0.0.1:${i + 1}`,
      })),
    },
    ledger: {} as never,
    signer: {} as never,
    endpoint: endpoint as never,
    store,
    log: log as never,
    retryEveryMs: 3_600_000,
  });
  return { r, ignored, sent, sessions: () => sessions };
}

const jobIdOf = (i: number) => i.toString(16).padStart(32, '0');

function record(i: number, parties: string[]) {
  const jobId = jobIdOf(i);
  const entry = encodeEntry({
    seq: 0,
    jobId,
    computationId: 'ab'.repeat(32),
    parties,
    inputCommitments: {},
    outputHashes: {},
    transcriptHash: 'cd'.repeat(32),
    outcome: 'failed',
    reason: 'TIMEOUT: test',
    startedAt: 1,
    finishedAt: 2,
  });
  return { t: 'record' as const, job: jobId, entry };
}

describe('LedgerRecorder (the sequencer) under a flood from one member', () => {
  it("holds at most 1,024 waiting entries of one member, and still takes another member's", () => {
    const store = JobStore.open(join(dir, 'a.db'));
    const { r, ignored } = recorder(store);
    // The first entry goes straight into a round (which never ends here); 1,024 more wait.
    for (let i = 0; i < 1100; i++) r.handle('bankB', record(i, ['bankB', 'bankC']));
    expect(ignored).toHaveLength(1100 - 1025);
    expect(ignored[0]).toBe('the sequencer holds 1024 entries of bankB already');
    // The same job twice waits once, and is not counted twice.
    r.handle('bankB', record(5, ['bankB', 'bankC']));
    expect(ignored).toHaveLength(1100 - 1025);
    r.handle('bankC', record(5000, ['bankB', 'bankC']));
    expect(ignored).toHaveLength(1100 - 1025);
    r.close();
    store.close();
  });

  it('serves one catch-up per member at a time', () => {
    const store = JobStore.open(join(dir, 'b.db'));
    const { r, ignored, sessions } = recorder(store);
    for (let i = 0; i < 50; i++)
      r.handle('bankB', { t: 'catch-up', round: i.toString(16).padStart(32, '0') });
    r.handle('bankC', { t: 'catch-up', round: 'f'.repeat(32) });
    expect(sessions()).toBe(2);
    expect(ignored).toHaveLength(49);
    expect(ignored[0]).toBe('a catch-up of this member is being served already');
    r.close();
    store.close();
  });
});

describe('LedgerRecorder (a member) on record-failed from the sequencer', () => {
  const refused = { error: { code: 'POLICY_REFUSED', message: 'bankC: computation not allowed' } };
  /** Job `i` of bankB and bankC proposed by `proposer`, moved through `states`. */
  function job(store: JobStore, i: number, proposer: string, states: JobState[]): string {
    const id = jobIdOf(i);
    store.create({
      id,
      computationId: 'ab'.repeat(32),
      name: 'fraud',
      parties: ['bankB', 'bankC'],
      proposer,
    });
    for (const state of states) store.transition(id, state, state === 'refused' ? refused : {});
    return id;
  }
  const failed = (id: string) => ({
    t: 'record-failed' as const,
    job: id,
    reason: 'bankC did not sign within 20000 ms',
  });
  const waitsNot = 'not a job of this node that waits for its ledger entry';
  const note = { error: 'bankC did not sign within 20000 ms' };

  it('notes the failure on a job that has its outcome here and no entry, whoever proposed it', () => {
    const store = JobStore.open(join(dir, 'c.db'));
    const { r, ignored, sent } = recorder(store, 'bankB');
    // bankB's job ends: its entry goes to the sequencer, bankA.
    const own = job(store, 1, 'bankB', ['refused']);
    expect(sent).toEqual(['bankA']);
    const theirs = job(store, 2, 'bankC', ['refused']);
    // From a member that is not the sequencer: ignored, as every round message is.
    r.handle('bankC', failed(own));
    expect(ignored).toEqual(['the sender is not the sequencer']);
    expect(store.get(own).ledger).toBeUndefined();
    r.handle('bankA', failed(own));
    r.handle('bankA', failed(theirs));
    expect(store.get(own).ledger).toEqual(note);
    expect(store.get(theirs).ledger).toEqual(note);
    expect(ignored).toHaveLength(1);
    r.close();
    store.close();
  });

  it('ignores it for a job still running, a recorded job and a job this node does not have', () => {
    const store = JobStore.open(join(dir, 'd.db'));
    const { r, ignored } = recorder(store, 'bankB');
    const running = job(store, 1, 'bankB', ['approved', 'inputs-committed', 'computing']);
    const recorded = job(store, 2, 'bankC', ['refused']);
    store.setLedger(recorded, { seq: 7 });
    for (const id of [running, recorded, jobIdOf(3)]) r.handle('bankA', failed(id));
    expect(ignored).toEqual([waitsNot, waitsNot, waitsNot]);
    expect(store.get(running).ledger).toBeUndefined();
    expect(store.get(recorded).ledger).toEqual({ seq: 7 });
    r.close();
    store.close();
  });
});
