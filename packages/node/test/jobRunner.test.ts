/**
 * What a job's failure tells the other parties (the ABORT of its sessions)
 * and what it records (the proposer's record is the reason on the shared
 * ledger): a data source's failure only by source, party and code, a runtime
 * error only as 'internal error'; this node's log keeps the whole error. The
 * sessions are fakes that keep what they were aborted with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CircuitBuilder, type Program, uint } from '@parley/circuit';
import { InvalidArgument, type ParleyError } from '@parley/interface';
import type { Session, WsEndpoint } from '@parley/transport';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EnginePool,
  type JobBindings,
  JobRunner,
  JobStore,
  jobErrorForPeers,
  type NodeConfig,
} from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function program(input = 'balance'): Program {
  const b = new CircuitBuilder(['bankA', 'bankB']);
  b.output('s', b.input('bankA', 'x', uint(8), 1).add(b.input('bankB', input, uint(8), 1)), [
    'bankA',
    'bankB',
  ]);
  return b.build();
}

/** Runs an approved job on bankB until it fails; returns what its sessions were aborted with, its record and the log. */
async function failedRun(
  file: string,
  dataSources: NodeConfig['dataSources'],
  bindings: JobBindings,
  run = program(),
) {
  const aborted: ParleyError[] = [];
  const endpoint = {
    async openSession(id: string): Promise<Session> {
      return {
        id,
        ended: new Promise(() => {}),
        abort: (e: ParleyError) => aborted.push(e),
        close: async () => {},
      } as unknown as Session;
    },
  } as unknown as WsEndpoint;
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const store = JobStore.open(join(dir, file));
  const job = store.create({
    id: 'a'.repeat(32),
    computationId: 'c'.repeat(64),
    name: 'test',
    parties: ['bankA', 'bankB'],
    proposer: 'bankB',
  });
  store.transition(job.id, 'approved');
  const runner = new JobRunner({
    self: 'bankB',
    dir,
    config: { dataSources } as NodeConfig,
    store,
    endpoint,
    log: pino({ level: 'info' }, sink),
    engines: {} as EnginePool,
  });
  await runner.run(store.get(job.id), 'garbled', run, bindings);
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

  it('shares a ParleyError that is not internal as it is', () => {
    const e = new InvalidArgument('input x: 5 values, not 4', { field: 'x' });
    expect(jobErrorForPeers(e, 'bankB')).toBe(e);
  });
});
