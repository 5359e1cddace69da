/** Job records: the flow's transitions only, an event per transition, in-flight jobs failed at start-up, durable on disk. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@parley/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobState, JobStore } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-jobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job = (id: string) => ({
  id,
  computationId: 'ab'.repeat(32),
  name: 'fraud',
  parties: ['bankA', 'bankB'],
  proposer: 'bankA',
});

describe('JobStore', () => {
  it('walks a job through the flow and records every step', () => {
    const s = JobStore.open(join(dir, 'a.db'));
    s.create(job('j1'), 1);
    for (const [i, state] of (
      ['approved', 'inputs-committed', 'computing', 'delivered', 'recorded'] as const
    ).entries()) {
      expect(s.transition('j1', state, { now: 2 + i }).state).toBe(state);
    }
    expect(s.events('j1').map((e) => e.state)).toEqual([
      'proposed',
      'approved',
      'inputs-committed',
      'computing',
      'delivered',
      'recorded',
    ]);
    expect(s.get('j1')).toMatchObject({
      state: 'recorded',
      createdAt: 1,
      updatedAt: 6,
      parties: ['bankA', 'bankB'],
    });
    s.close();
  });

  it('refuses transitions the flow does not allow, and unknown or repeated jobs', () => {
    const s = JobStore.open(join(dir, 'b.db'));
    s.create(job('j2'));
    expect(() => s.transition('j2', 'computing')).toThrow(/cannot go from proposed to computing/);
    s.transition('j2', 'refused', {
      error: { code: 'POLICY_REFUSED', message: 'bankB: computation not allowed' },
    });
    expect(s.get('j2').error).toEqual({ code: 'POLICY_REFUSED', message: 'bankB: computation not allowed' });
    expect(() => s.transition('j2', 'approved')).toThrow(/cannot go from refused/);
    expect(() => s.get('nope')).toThrow(expect.toSatisfy((e) => hasCode(e, 'NOT_FOUND')));
    expect(() => s.create(job('j2'))).toThrow(/exists already/);
    s.close();
  });

  it('after a restart, jobs that were in flight are failed with the reason; finished ones stay', () => {
    const file = join(dir, 'c.db');
    const s = JobStore.open(file);
    s.create(job('done'));
    s.transition('done', 'cancelled', { error: { code: 'CANCELLED', message: 'by the operator' } });
    s.create(job('running'));
    s.transition('running', 'approved');
    s.transition('running', 'inputs-committed');
    s.transition('running', 'computing');
    s.create(job('delivered'));
    for (const state of ['approved', 'inputs-committed', 'computing', 'delivered'] as const)
      s.transition('delivered', state);
    s.close();
    const again = JobStore.open(file);
    const failed = again.failInFlight({
      code: 'NODE_RESTARTED',
      message: 'the node restarted during the job',
    });
    expect(failed.map((j) => j.id)).toEqual(['running']);
    expect(again.get('running')).toMatchObject({ state: 'failed', error: { code: 'NODE_RESTARTED' } });
    expect(again.get('done').state).toBe('cancelled');
    // A delivered job's outputs are with every party: it only waits for its ledger entry.
    expect(again.get('delivered').state).toBe('delivered');
    expect(
      again
        .list()
        .map((j) => j.id)
        .sort(),
    ).toEqual(['delivered', 'done', 'running']);
    expect(again.list({ state: 'failed' }).map((j) => j.id)).toEqual(['running']);
    again.close();
  });

  it('lists the jobs a proposer has to put on the ledger: ended or delivered, with no entry yet', () => {
    const s = JobStore.open(join(dir, 'd.db'));
    const to = (id: string, states: JobState[]) => {
      s.create(job(id));
      for (const state of states) s.transition(id, state);
    };
    const running: JobState[] = ['approved', 'inputs-committed', 'computing'];
    to('refused', ['refused']);
    to('computing', running);
    to('delivered', [...running, 'delivered']);
    to('recorded', [...running, 'delivered', 'recorded']);
    to('failed', ['failed']);
    to('noted', ['cancelled']);
    s.setLedger('recorded', { seq: 0 });
    s.setLedger('noted', { seq: 1 });
    s.setLedger('failed', { error: 'the sequencer bankA is unreachable' });
    expect(
      s
        .notOnLedger(job('x').proposer)
        .map((j) => j.id)
        .sort(),
    ).toEqual(['delivered', 'failed', 'refused']);
    expect(s.notOnLedger('someone-else')).toEqual([]);
    // An entry is final: a later failure (a second submission, refused) does not replace it.
    expect(s.setLedger('recorded', { error: 'job recorded is on the ledger already (entry 0)' })).toBe(false);
    expect(s.get('recorded').ledger).toEqual({ seq: 0 });
    expect(s.setLedger('failed', { seq: 2 })).toBe(true);
    expect(s.get('failed').ledger).toEqual({ seq: 2 });
    s.close();
  });

  it('records a delivered job and notes its ledger entry in one step, or neither', () => {
    const s = JobStore.open(join(dir, 'noted.db'));
    s.create(job('n1'), 1);
    for (const state of ['approved', 'inputs-committed', 'computing', 'delivered'] as const)
      s.transition('n1', state);
    s.setLedger('n1', { error: 'the sequencer is down' });
    const recorded = s.transition('n1', 'recorded', { detail: 'ledger entry 7', ledgerSeq: 7 });
    expect(recorded).toMatchObject({ state: 'recorded', ledger: { seq: 7 } });
    // A transition the flow refuses notes no seq either.
    s.create(job('n2'), 1);
    expect(() => s.transition('n2', 'recorded', { ledgerSeq: 8 })).toThrow(
      /cannot go from proposed to recorded/,
    );
    expect(s.get('n2').ledger).toBeUndefined();
    s.close();
  });
});
