/**
 * Jobs that do not end well, on real node processes: cancelled by an
 * operator, a party killed with SIGKILL mid-job, a party restarted mid-job or
 * after delivery, a data source with a value of the wrong type. Every party ends the job the
 * same way, nothing hangs, and nothing is recorded as a success.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CircuitBuilder, encodeProgram, uint } from '@parley/circuit';
import { verifyReceipt } from '@parley/ledger';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './_cluster.js';

const BANKS = ['bankA', 'bankB', 'bankC'];
/** Rows of the long job: 2,000 64-bit products, about 8M AND gates on the garbled engine (seconds). */
const LONG_ROWS = 2_000;
let cluster: Cluster;

const rule = (computation: string, source: string, column: string) => ({
  computation,
  dataSources: [source],
  inputs: { x: { source, column } },
  outputRecipients: BANKS,
  minRows: 1,
});

beforeAll(async () => {
  cluster = await Cluster.start(BANKS, async (bank, dir, config) => {
    await writeFile(
      join(dir, 'policy.json'),
      JSON.stringify({
        version: 1,
        allow: [rule('long', 'long', 'x'), rule('short', 'short', 'x'), rule('typed', 'typed', 'amount')],
      }),
    );
    const long = Array.from({ length: LONG_ROWS }, (_, i) => `${i + 1}`);
    await writeFile(join(dir, 'long.csv'), `x\n${long.join('\n')}\n`);
    await writeFile(join(dir, 'short.csv'), 'x\n1\n2\n3\n');
    // bankB's third data row holds a word where the computation wants an integer.
    const amounts = bank === 'bankB' ? ['10', '20', 'twelve', '40'] : ['1', '2', '3', '4'];
    await writeFile(join(dir, 'typed.csv'), `id,amount\n${amounts.map((a, i) => `${i},${a}`).join('\n')}\n`);
    config.dataSources = {
      long: { type: 'csv', path: 'long.csv' },
      short: { type: 'csv', path: 'short.csv' },
      typed: { type: 'csv', path: 'typed.csv' },
    };
  });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Σ x_first · x_second over `rows` rows, to both parties. */
function program(rows: number, first: string, second: string): string {
  const b = new CircuitBuilder([first, second]);
  const x = b.input(first, 'x', uint(64), rows);
  const y = b.input(second, 'x', uint(64), rows);
  b.output('dot', x.mul(y).sum(), [first, second]);
  return Buffer.from(encodeProgram(b.build())).toString('base64');
}

const computing = (j: Record<string, unknown>) => j.state === 'computing';
const ended = ['recorded', 'delivered', 'failed', 'cancelled', 'refused'];

describe('jobs that fail', () => {
  it("an operator's cancel ends a running job as cancelled on every party; the ledger records it as failed", async () => {
    const id = await cluster.submit('bankA', { name: 'long', program: program(LONG_ROWS, 'bankA', 'bankB') });
    await cluster.waitFor('bankA', id, computing);
    await cluster.waitFor('bankB', id, computing);
    const r = await cluster.api('bankB', `/jobs/${id}/cancel`, { method: 'POST' });
    expect(r.status).toBe(200);
    // The answer is the job after the cancel, not as it was before it (`computing`).
    expect(r.body).toMatchObject({ id, state: 'cancelled', error: { code: 'CANCELLED' } });
    for (const bank of ['bankA', 'bankB']) {
      const job = await cluster.stateOn(bank, id, ended, 10_000);
      expect(job.state).toBe('cancelled');
      expect(job.error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('bankB') });
    }
    expect(await cluster.ledgerOf('bankA', id)).toMatchObject({ seq: expect.any(Number) });
    const receipt = await cluster.api('bankA', `/jobs/${id}/receipt`);
    expect(receipt.body).toMatchObject({ entry: { outcome: 'failed', outputHashes: {} } });
    // A job that has ended cannot be cancelled.
    expect((await cluster.api('bankA', `/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(409);
  }, 60_000);

  it('a party killed with SIGKILL mid-job: the other fails the job at once, nothing is recorded as success', async () => {
    const id = await cluster.submit('bankA', { name: 'long', program: program(LONG_ROWS, 'bankA', 'bankB') });
    await cluster.waitFor('bankA', id, computing);
    await cluster.waitFor('bankB', id, computing);
    const killedAt = Date.now();
    await cluster.kill('bankB');
    const job = await cluster.stateOn('bankA', id, ended, 15_000);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'PEER_DISCONNECTED' });
    // At once: the closed socket ends the job, not the transport's 5 s silence timeout (peerTimeoutMs).
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    // The ledger cannot take the entry while a member is down: the job says why, and has no receipt.
    expect(await cluster.ledgerOf('bankA', id, 40_000)).toMatchObject({ error: expect.any(String) });
    expect((await cluster.api('bankA', `/jobs/${id}/receipt`)).status).toBe(404);
    // Back up, bankB marks the job it was running as failed because it restarted; once bankB is back,
    // the proposer puts the entry forward again, and the ledger records the job as failed.
    await cluster.startNode('bankB');
    const onB = await cluster.stateOn('bankB', id, ended);
    expect(onB).toMatchObject({ state: 'failed', error: { code: 'NODE_RESTARTED' } });
    await cluster.waitFor(
      'bankA',
      id,
      (j) => (j.ledger as { seq?: number } | undefined)?.seq !== undefined,
      30_000,
    );
    const receipt = await cluster.api('bankA', `/jobs/${id}/receipt`);
    expect(receipt.body).toMatchObject({ entry: { outcome: 'failed', outputHashes: {} } });
  }, 90_000);

  it('a proposer restarted mid-job fails the job everywhere, records it as failed, and then works on', async () => {
    const id = await cluster.submit('bankB', { name: 'long', program: program(LONG_ROWS, 'bankB', 'bankC') });
    await cluster.waitFor('bankB', id, computing);
    await cluster.waitFor('bankC', id, computing);
    await cluster.kill('bankB');
    await cluster.startNode('bankB');
    expect(await cluster.stateOn('bankB', id, ended)).toMatchObject({
      state: 'failed',
      error: { code: 'NODE_RESTARTED' },
    });
    expect((await cluster.stateOn('bankC', id, ended)).state).toBe('failed');
    // The restarted proposer puts the failed job on the ledger.
    expect(await cluster.ledgerOf('bankB', id, 30_000)).toMatchObject({ seq: expect.any(Number) });
    const receipt = await cluster.api('bankB', `/jobs/${id}/receipt`);
    expect(receipt.body).toMatchObject({
      entry: { outcome: 'failed', reason: expect.stringContaining('NODE_RESTARTED') },
    });
    // The next job between the same parties succeeds: 1·1 + 2·2 + 3·3 = 14.
    const next = await cluster.submit('bankB', { name: 'short', program: program(3, 'bankB', 'bankC') });
    for (const bank of ['bankB', 'bankC']) {
      const job = await cluster.stateOn(bank, next, ['recorded', 'failed', 'cancelled']);
      expect(job.state, JSON.stringify(job.error)).toBe('recorded');
    }
  }, 90_000);

  it('a party restarted after delivery keeps the job and its outputs, and the job is recorded once the ledger can be reached', async () => {
    // With the sequencer (bankA) down, a job of bankB and bankC is delivered but cannot be recorded.
    await cluster.kill('bankA');
    const id = await cluster.submit('bankB', { name: 'short', program: program(3, 'bankB', 'bankC') });
    for (const bank of ['bankB', 'bankC']) await cluster.stateOn(bank, id, ['delivered', 'failed'], 30_000);
    expect(await cluster.ledgerOf('bankB', id, 30_000)).toMatchObject({
      error: expect.stringContaining('bankA'),
    });
    // bankC dies before the job is on the ledger; back up, its job is still delivered, with its output.
    await cluster.kill('bankC');
    await cluster.startNode('bankC');
    expect((await cluster.api('bankC', `/jobs/${id}`)).body.state).toBe('delivered');
    expect((await cluster.api('bankC', `/jobs/${id}/outputs`)).body.outputs).toMatchObject({
      dot: { type: 'uint(64)', values: ['14'] },
    });
    // Once the sequencer is back, the proposer puts the entry forward again and both parties record it.
    await cluster.startNode('bankA');
    for (const bank of ['bankB', 'bankC']) {
      const job = await cluster.stateOn(bank, id, ['recorded', 'failed'], 40_000);
      expect(job.state, JSON.stringify(job)).toBe('recorded');
    }
    const receipt = await cluster.api('bankC', `/jobs/${id}/receipt`);
    expect(receipt.body).toMatchObject({ entry: { jobId: id, outcome: 'succeeded' } });
    expect(verifyReceipt(receipt.body, cluster.consortium)).toMatchObject({ ok: true });
  }, 120_000);

  it.each([
    ['before noting a committed entry', false],
    ['after noting the entry but before recording the job (two writes in older versions)', true],
  ])(
    'a proposer that stopped %s notes it from its replica at start, and records nothing twice',
    async (_, keepSeq) => {
      const id = await cluster.submit('bankC', { name: 'short', program: program(3, 'bankC', 'bankB') });
      const done = await cluster.stateOn('bankC', id, ['recorded', 'failed'], 30_000);
      expect(done.state).toBe('recorded');
      const seq = (done.ledger as { seq: number }).seq;
      // bankC stops, and its job store is put back as it was between the commit and the noting of it
      // (or between the noting of its seq and the job's move to recorded).
      await cluster.kill('bankC');
      const db = new Database(join(cluster.nodes.bankC.dir, 'node.db'));
      db.prepare(
        `update jobs set state = 'delivered', ledger_seq = ${keepSeq ? 'ledger_seq' : 'null'}, ledger_error = null where id = ?`,
      ).run(id);
      db.prepare("delete from job_events where job_id = ? and state = 'recorded'").run(id);
      db.close();
      await cluster.startNode('bankC');
      // Put forward again, the entry would be refused by bankB (the job is on the ledger already).
      const job = await cluster.waitFor('bankC', id, (j) => j.state !== 'delivered', 20_000);
      expect(job).toMatchObject({ state: 'recorded', ledger: { seq } });
      const receipt = await cluster.api('bankB', `/jobs/${id}/receipt`);
      expect(receipt.body).toMatchObject({ entry: { jobId: id, outcome: 'succeeded' } });
      expect((await cluster.api('bankC', `/jobs/${id}/receipt`)).body.entryBytes).toBe(
        receipt.body.entryBytes,
      );
    },
    90_000,
  );

  it('a replica that lost its ledger catches up from the sequencer when it starts', async () => {
    const id = await cluster.submit('bankB', { name: 'short', program: program(3, 'bankB', 'bankC') });
    await cluster.stateOn('bankC', id, ['recorded', 'failed']);
    const before = (await cluster.api('bankC', `/jobs/${id}/receipt`)).body;
    await cluster.kill('bankC');
    for (const f of ['ledger.db', 'ledger.db-wal', 'ledger.db-shm']) {
      await rm(join(cluster.nodes.bankC.dir, f), { force: true });
    }
    await cluster.startNode('bankC');
    let receipt: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
    for (let i = 0; i < 100 && receipt.status !== 200; i++) {
      receipt = await cluster.api('bankC', `/jobs/${id}/receipt`);
      if (receipt.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(receipt.status).toBe(200);
    expect(receipt.body.entryBytes).toBe(before.entryBytes);
    expect(verifyReceipt(receipt.body, cluster.consortium)).toMatchObject({ ok: true });
  }, 60_000);

  it('a value of the wrong type in a CSV fails the job on every party, naming the column and row', async () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const x = b.input('bankA', 'x', uint(32), 4).sum();
    const y = b.input('bankB', 'x', uint(32), 4).sum();
    b.output('total', x.add(y), ['bankA', 'bankB']);
    const id = await cluster.submit('bankA', {
      name: 'typed',
      program: Buffer.from(encodeProgram(b.build())).toString('base64'),
    });
    for (const bank of ['bankA', 'bankB']) {
      const job = await cluster.stateOn(bank, id, ended);
      expect(job.state).toBe('failed');
      expect(job.error).toMatchObject({ code: 'INVALID_INPUT' });
      const message = (job.error as { message: string }).message;
      expect(message).toMatch(/amount/);
      expect(message).toMatch(/row 3/);
      // The bad value itself is never repeated.
      expect(message).not.toMatch(/twelve/);
      expect(job.commitments).toEqual({});
    }
  }, 30_000);
});
