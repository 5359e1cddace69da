/**
 * What a job's failure tells the other parties (the ABORT of its sessions)
 * and what it records (the proposer's record is the reason on the shared
 * ledger): a data source's failure only by source, party and code, a runtime
 * error only as 'internal error', data that does not fit the computation only
 * by input; this node's log keeps the whole error. A source is read only up
 * to the most rows any of the job's inputs and tables on it takes: past
 * that, its true count is unknown ("more than N"). The sessions are fakes
 * that keep what they were aborted with. A cancel, or a session failing to
 * open, while the job's sessions are still opening aborts every one of them,
 * also those that open later.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { bit, CircuitBuilder, type Program, uint } from '@parley/circuit';
import { InvalidArgument, type ParleyError, type TableLayout, Timeout } from '@parley/interface';
import type { Session, WsEndpoint } from '@parley/transport';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobBindings, jobErrorForPeers, type NodeConfig } from '../src/index.js';
import { checkTableLayout } from '../src/jobs/tableLayout.js';
import { approvedJob, bankBRunner, silentEndpoint } from './_helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-runner-'));
  // 3 rows: the computation's input `balance` takes 1.
  await writeFile(join(dir, 'three.csv'), 'balance\n7\n8\n9\n');
  await writeFile(join(dir, 'keyed3.csv'), 'id,balance\nk1,7\nk2,8\nk3,9\n');
  await writeFile(join(dir, 'keyed4.csv'), 'id,balance\nk1,7\nk2,8\nk3,9\nk4,1\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function program(input = 'balance', length = 1): Program {
  const b = new CircuitBuilder(['bankA', 'bankB']);
  const mine = b.input('bankB', input, uint(8), length);
  b.output('s', b.input('bankA', 'x', uint(8), 1).add(length === 1 ? mine : mine.sum()), ['bankA', 'bankB']);
  return b.build();
}

/** Runs an approved job on bankB until it fails; returns what its sessions were aborted with, its record and the log. */
async function failedRun(
  file: string,
  dataSources: NodeConfig['dataSources'],
  bindings: JobBindings,
  run = program(),
  tables?: TableLayout,
) {
  const aborted: ParleyError[] = [];
  const endpoint = silentEndpoint(aborted);
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const { store, runner } = bankBRunner({
    dir,
    file,
    endpoint,
    dataSources,
    log: pino({ level: 'info' }, sink),
  });
  const job = approvedJob(store, 'a'.repeat(32), 'bankB');
  await runner.run(job, 'garbled', run, bindings, tables);
  await new Promise((r) => setImmediate(r));
  const record = store.get(job.id);
  store.close();
  return { aborted, record, lines };
}

const bound: JobBindings = {
  inputs: { balance: { source: 'accounts', column: 'balance' } },
  tables: {},
  minRows: 1,
};

describe('JobRunner failures', () => {
  it('tells the parties of a data source that cannot be read only its name, party and code, not its file', async () => {
    const file = join(dir, 'private', 'accounts.csv');
    const { aborted, record, lines } = await failedRun(
      'missing.db',
      { accounts: { type: 'csv', path: file } },
      bound,
    );
    const shared = "data source 'accounts' of party bankB could not be read: NOT_FOUND";
    expect(aborted).toHaveLength(2);
    for (const e of aborted) {
      expect(e.code).toBe('NOT_FOUND');
      expect(e.message).toBe(shared);
      expect(e.details).toEqual({ source: 'accounts', party: 'bankB' });
      expect(JSON.stringify(e.toJSON())).not.toContain(dir);
    }
    expect(record).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND', message: shared } });
    // This node's log names the file.
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'job failed', err: expect.stringContaining(file) }),
    );
  });

  it("tells the parties of a runtime error (even one with a `code`) only 'internal error'", async () => {
    // node.json's sources fail to be looked up with an error that has a code, as a system or SQLite error has.
    const fail = () => {
      throw Object.assign(new Error('disk I/O error at /srv/bankB/secret.db'), { code: 'SQLITE_IOERR' });
    };
    const sources = new Proxy({}, { get: fail, getOwnPropertyDescriptor: fail }) as NodeConfig['dataSources'];
    const { aborted, record, lines } = await failedRun('runtime.db', sources, bound);
    expect(aborted).toHaveLength(2);
    for (const e of aborted)
      expect(e.toJSON()).toMatchObject({ code: 'INTERNAL', message: 'internal error' });
    expect(record).toMatchObject({ state: 'failed', error: { code: 'INTERNAL', message: 'internal error' } });
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'job failed', err: expect.stringContaining('disk I/O error') }),
    );
  });

  it('looks up an input named constructor among its bindings as an own property only', async () => {
    const { aborted, record } = await failedRun(
      'unbound.db',
      { accounts: { type: 'csv', path: 'accounts.csv' } },
      { inputs: {}, tables: {}, minRows: 1 },
      program('constructor'),
    );
    expect(aborted[0]?.message).toBe('input constructor: the policy binds no data to it');
    expect(record.error).toEqual({
      code: 'INVALID_INPUT',
      message: 'input constructor: the policy binds no data to it',
    });
  });

  it('tells the parties and the ledger of an input whose source has another row count only its input, not the count or source', async () => {
    const { aborted, record, lines } = await failedRun(
      'rows.db',
      { 'branch-7-accounts': { type: 'csv', path: 'three.csv' } },
      { inputs: { balance: { source: 'branch-7-accounts', column: 'balance' } }, tables: {}, minRows: 1 },
    );
    const shared = 'input balance: the data does not fit the computation';
    expect(aborted).toHaveLength(2);
    for (const e of aborted) {
      expect(e.toJSON()).toMatchObject({
        code: 'INVALID_INPUT',
        message: shared,
        details: { field: 'balance', party: 'bankB' },
      });
      expect(JSON.stringify(e.toJSON())).not.toMatch(/branch-7|3 row|\b3\b/);
    }
    expect(record).toMatchObject({ state: 'failed', error: { code: 'INVALID_INPUT', message: shared } });
    // This node's log keeps the counts and the source: the read stopped past the 1 row the job can use.
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'job failed',
        err: 'input balance: the computation takes 1 value(s), data source branch-7-accounts has more than 1 row(s)',
      }),
    );
    // A source with fewer rows than the input takes: its count.
    const fewer = await failedRun(
      'fewer.db',
      { 'branch-7-accounts': { type: 'csv', path: 'three.csv' } },
      { inputs: { balance: { source: 'branch-7-accounts', column: 'balance' } }, tables: {}, minRows: 1 },
      program('balance', 5),
    );
    expect(fewer.record).toMatchObject({
      state: 'failed',
      error: { code: 'INVALID_INPUT', message: shared },
    });
    expect(fewer.lines).toContainEqual(
      expect.objectContaining({
        err: 'input balance: the computation takes 5 value(s), data source branch-7-accounts has 3 row(s)',
      }),
    );
  });

  it('reads a source up to the most rows any input or table on it takes, for all of them', async () => {
    // bankB's input balance (1 value) and table T (3 rows), both from source accounts.
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const v = b.input('bankB', 'T.v', uint(8), 3);
    b.input('bankB', 'T.$present', bit, 3);
    const x = b.input('bankA', 'x', uint(8), 1).add(b.input('bankB', 'balance', uint(8), 1));
    b.output('s', x.add(v.sum()), ['bankA', 'bankB']);
    const run = b.build();
    const layout = checkTableLayout(
      { tables: { T: { party: 'bankB', columns: ['v'], rows: 3, key: 'id' } } },
      run,
    );
    const bindings: JobBindings = {
      inputs: { balance: { source: 'accounts', column: 'balance' } },
      tables: { T: { source: 'accounts', columns: { v: 'balance' } } },
      minRows: 1,
    };
    const err = async (file: string) => {
      const { lines } = await failedRun(
        `shared-${file}.db`,
        { accounts: { type: 'csv', path: file } },
        bindings,
        run,
        layout,
      );
      return lines.find((l) => l.msg === 'job failed')?.err;
    };
    // Read up to 3 rows, the table's (not 1, the input's): the input sees all 3.
    expect(await err('keyed3.csv')).toBe(
      'input balance: the computation takes 1 value(s), data source accounts has 3 row(s)',
    );
    expect(await err('keyed4.csv')).toBe(
      'input balance: the computation takes 1 value(s), data source accounts has more than 3 row(s)',
    );
  });

  it('shares a ParleyError that is not internal as it is', () => {
    const e = new InvalidArgument('input x: 5 values, not 4', { field: 'x' });
    expect(jobErrorForPeers(e, 'bankB')).toBe(e);
  });
});

/** A session that keeps what it was aborted with and whether it was closed. */
interface FakeSession {
  id: string;
  aborted: ParleyError[];
  closed: boolean;
}

/**
 * An endpoint whose sessions open only when the test says: `open(id)` resolves
 * session `id`, `fail(id, e)` rejects its opening.
 */
function slowEndpoint() {
  const opening = new Map<string, { resolve: (s: Session) => void; reject: (e: Error) => void }>();
  const made: FakeSession[] = [];
  let asked: () => void = () => {};
  const endpoint = {
    openSession(id: string): Promise<Session> {
      return new Promise<Session>((resolve, reject) => {
        opening.set(id, { resolve, reject });
        asked();
      });
    },
  } as unknown as WsEndpoint;
  return {
    endpoint,
    made,
    /** Resolves once `n` sessions are being opened. */
    asked: (n: number) =>
      new Promise<void>((resolve) => {
        asked = () => opening.size >= n && resolve();
        asked();
      }),
    open(id: string): void {
      const fake: FakeSession = { id, aborted: [], closed: false };
      made.push(fake);
      opening.get(id)?.resolve({
        id,
        ended: new Promise(() => {}),
        abort: (e: ParleyError) => fake.aborted.push(e),
        close: async () => {
          fake.closed = true;
        },
      } as unknown as Session);
    },
    fail(id: string, e: Error): void {
      opening.get(id)?.reject(e);
    },
  };
}

/** A runner of bankB over `endpoint`, and an approved job of bankA and bankB in its store. */
function slowRunner(file: string, endpoint: WsEndpoint) {
  const { store, runner } = bankBRunner({ dir, file, endpoint });
  return { store, runner, job: approvedJob(store, 'b'.repeat(32), 'bankA') };
}

/** Lets every pending callback (a session's late opening, its close) run. */
const settle = () => new Promise((r) => setTimeout(r, 10));

describe('JobRunner sessions', () => {
  const id = 'b'.repeat(32);

  it('aborts with JobCancelled, and closes, the sessions that open after the job was cancelled', async () => {
    const net = slowEndpoint();
    const { store, runner, job } = slowRunner('cancel-opening.db', net.endpoint);
    const done = runner.run(job, 'garbled', program(), bound);
    await net.asked(2);
    runner.cancel(job, 'cancelled by the operator of bankB');
    await done;
    // The sessions open after the job ended here: each is aborted with the cancel, so the peers end it too.
    net.open(`job-${id}`);
    net.open(`job-${id}.ctl`);
    await settle();
    expect(store.get(id)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
    expect(net.made.map((s) => s.id)).toEqual([`job-${id}`, `job-${id}.ctl`]);
    for (const s of net.made) {
      expect(s.aborted.map((e) => e.code)).toEqual(['CANCELLED']);
      expect(s.aborted[0].message).toBe('cancelled by the operator of bankB');
      expect(s.closed).toBe(true);
    }
    store.close();
  });

  it('aborts a session already open when another is cancelled while opening', async () => {
    const net = slowEndpoint();
    const { store, runner, job } = slowRunner('cancel-half.db', net.endpoint);
    const done = runner.run(job, 'garbled', program(), bound);
    await net.asked(2);
    net.open(`job-${id}`);
    await settle();
    runner.cancel(job, 'cancelled by the operator of bankB');
    await done;
    net.open(`job-${id}.ctl`);
    await settle();
    for (const s of net.made) {
      expect(s.aborted.map((e) => e.code)).toEqual(['CANCELLED']);
      expect(s.closed).toBe(true);
    }
    expect(net.made).toHaveLength(2);
    store.close();
  });

  it('aborts the open sessions and the join session that opens late with the error of one that failed to open', async () => {
    // bankA's table A and bankB's table B, joined: bankB opens the engine, control and join sessions.
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const a = b.input('bankA', 'A.v', uint(8), 2);
    b.input('bankA', 'A.$present', bit, 2);
    const v = b.input('bankB', 'B.v', uint(8), 2);
    b.input('bankB', 'B.$present', bit, 2);
    b.output('s', a.sum().add(v.sum()), ['bankA', 'bankB']);
    const joined = b.build();
    const layout = checkTableLayout(
      {
        tables: {
          A: { party: 'bankA', columns: ['v'], rows: 2, key: 'id' },
          B: { party: 'bankB', columns: ['v'], rows: 2, key: 'id' },
        },
        join: { tables: ['A', 'B'], minTables: 2, rows: 2 },
      },
      joined,
    );
    const net = slowEndpoint();
    const { store, runner, job } = slowRunner('open-failed.db', net.endpoint);
    const done = runner.run(job, 'garbled', joined, { inputs: {}, tables: {}, minRows: 1 }, layout);
    await net.asked(3);
    net.open(`job-${id}`);
    await settle();
    net.fail(`job-${id}.ctl`, new Timeout('bankA did not connect within 10000 ms', { peer: 'bankA' }));
    await done;
    net.open(`job-${id}.join`);
    await settle();
    expect(store.get(id)).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT' } });
    expect(net.made.map((s) => s.id)).toEqual([`job-${id}`, `job-${id}.join`]);
    for (const s of net.made) {
      expect(s.aborted.map((e) => e.code)).toEqual(['TIMEOUT']);
      expect(s.closed).toBe(true);
    }
    store.close();
  });
});
