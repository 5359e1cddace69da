/**
 * A job reads each of its data sources once, however many of its inputs and
 * tables the source feeds (a large source took seconds to read, once per
 * input); the next job reads it again. The file system is the real one,
 * wrapped to count the reads of each file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bit, CircuitBuilder, uint } from '@parley/circuit';
import type { ParleyError } from '@parley/interface';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkTableLayout } from '../src/jobs/tableLayout.js';
import { approvedJob, bankBRunner, silentEndpoint } from './_helpers.js';

/** The files read (opened for reading) since the test began, by path. */
const reads = vi.hoisted(() => [] as string[]);

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const createReadStream = ((path: string, ...rest: unknown[]) => {
    reads.push(String(path));
    return (fs.createReadStream as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.createReadStream;
  return { ...fs, createReadStream };
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-reads-'));
  await writeFile(join(dir, 'accounts.csv'), 'id,x,y\nk1,1,2\nk2,3,4\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('JobRunner reads', () => {
  it('reads a source feeding two inputs and a table once per job', async () => {
    // bankB's inputs a and b and its table T, all from the source `accounts`.
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const a = b.input('bankB', 'a', uint(8), 2);
    const c = b.input('bankB', 'b', uint(8), 2);
    const t = b.input('bankB', 'T.x', uint(8), 2);
    b.input('bankB', 'T.$present', bit, 2);
    b.output(
      's',
      a
        .sum()
        .add(c.sum())
        .add(t.sum())
        .add(b.input('bankA', 'z', uint(8), 1)),
      ['bankA', 'bankB'],
    );
    const program = b.build();
    const layout = checkTableLayout(
      { tables: { T: { party: 'bankB', columns: ['x'], rows: 2, key: 'id' } } },
      program,
    );
    const bindings = {
      inputs: { a: { source: 'accounts', column: 'x' }, b: { source: 'accounts', column: 'y' } },
      tables: { T: { source: 'accounts', columns: {} } },
      minRows: 1,
    };
    // Sessions that take no message: the job fails once its inputs are read, when it sends its commitment.
    const aborted: ParleyError[] = [];
    const endpoint = silentEndpoint(aborted);
    const dataSources = { accounts: { type: 'csv' as const, path: 'accounts.csv' } };
    const { store, runner } = bankBRunner({ dir, file: 'node.db', endpoint, dataSources });
    const file = join(dir, 'accounts.csv');
    for (const [n, id] of ['a', 'b'].map((c, n) => [n, c.repeat(32)] as const)) {
      await runner.run(approvedJob(store, id, 'bankB'), 'garbled', program, bindings, layout);
      // It got past its inputs (a failure reading them would be INVALID_INPUT or a data source's).
      expect(store.get(id)).toMatchObject({ state: 'failed', error: { code: 'INTERNAL' } });
      expect(reads.filter((p) => p === file)).toHaveLength(n + 1);
    }
    expect(aborted.length).toBeGreaterThan(0);
    store.close();
  });
});
