/**
 * `parley job …` through the built CLI against a fake node API (the SDK's
 * fakeNode.ts): a node directory whose node.run.json points at it. The jobs
 * on real nodes are tested in test/node.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CircuitBuilder, encodeProgram, uint } from '@parley/circuit';
import { verifyReceipt } from '@parley/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeNode } from '../../packages/sdk/test/fakeNode.js';
import { parley } from '../helpers.js';

const TOKEN = 'k'.repeat(43);
let fake: FakeNode;
let root: string;
let dir: string;
let programFile: string;

beforeAll(async () => {
  fake = await FakeNode.start(TOKEN);
  root = await mkdtemp(join(tmpdir(), 'parley-cli-job-'));
  dir = join(root, 'bankA');
  await mkdir(dir);
  await writeFile(
    join(dir, 'node.json'),
    JSON.stringify({ version: 1, name: 'bankA', api: { host: '127.0.0.1', port: 0, token: TOKEN } }),
  );
  await writeFile(
    join(dir, 'node.run.json'),
    JSON.stringify({ pid: process.pid, api: fake.url, startedAt: 1 }),
  );
  const b = new CircuitBuilder(['bankA', 'bankB']);
  b.output(
    'total',
    b
      .input('bankA', 'a', uint(32), 4)
      .add(b.input('bankB', 'b', uint(32), 4))
      .sum(),
    ['bankA', 'bankB'],
  );
  programFile = join(root, 'total.json');
  await writeFile(programFile, encodeProgram(b.build()));
});
afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

const job = (...args: string[]) => parley(['job', ...args, '--node', dir]);

describe('parley job', () => {
  it('submit --wait follows a job to its ledger entry, with progress on standard error', async () => {
    const r = await job('submit', programFile, '--wait', '--protocol', 'garbled');
    expect(r.code).toBe(0);
    const id = /^job (\S+) submitted: total, parties bankA, bankB$/m.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect(r.stdout).toContain(`job ${id} recorded (ledger entry 0)`);
    expect(fake.jobs.get(id!)!.protocol).toBe('garbled');
    // Not a terminal: one line per state and per tenth of the work.
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `job ${id}: proposed`,
      `job ${id}: approved`,
      `job ${id}: inputs-committed`,
      `job ${id}: computing 0% 0/4 AND layers`,
      `job ${id}: computing 50% 2/4 AND layers`,
      `job ${id}: computing 100% 4/4 AND layers`,
      `job ${id}: delivered`,
      `job ${id}: recorded`,
    ]);

    const outputs = await job('outputs', id!);
    expect(outputs).toMatchObject({ code: 0, stdout: 'total=311\n', stderr: '' });
    expect(JSON.parse((await job('outputs', id!, '--json')).stdout)).toEqual({
      job: id,
      outputs: { total: '311' },
    });

    const status = await job('status', id!);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^state +recorded$/m);
    expect(status.stdout).toMatch(/^ledger +entry 0$/m);
    expect(status.stdout).toMatch(/^commitments +bankA +a{64}$/m);
    expect(JSON.parse((await job('status', id!, '--json')).stdout)).toMatchObject({ id, state: 'recorded' });
  });

  it('receipt writes the receipt, verified against DIR/consortium.json when it is there', async () => {
    const submitted = await job('submit', programFile, '--name', 'for-receipt', '--wait');
    const id = /^job (\S+) submitted/m.exec(submitted.stdout)![1];
    const out = join(root, 'receipt.json');
    const unverified = await job('receipt', id, '-o', out);
    expect(unverified.code).toBe(0);
    expect(unverified.stdout).toContain(`not verified: ${join(dir, 'consortium.json')} does not exist`);

    await writeFile(join(dir, 'consortium.json'), JSON.stringify(fake.consortium));
    const verified = await job('receipt', id, '-o', out);
    expect(verified.stdout).toBe(
      `receipt of job ${id} (ledger entry 0, tree size 1) written to ${out}; verified: co-signed by bankA, bankB\n`,
    );
    const receipt = JSON.parse(await readFile(out, 'utf8'));
    expect(verifyReceipt(receipt, fake.consortium).ok).toBe(true);
    const printed = await job('receipt', id);
    expect(JSON.parse(printed.stdout)).toEqual(receipt);

    const notYet = await job('receipt', (await fresh('slow-me')).id);
    expect(notYet.code).toBe(2);
    expect(notYet.stderr).toMatch(/^parley: NOT_FOUND: job \S+ is not on the ledger yet$/m);
  });

  it('exits 1 with the typed error when the job is refused or failed', async () => {
    const refused = await job('submit', programFile, '--name', 'refuse-me', '--wait');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^job \S+ refused$/m);
    expect(refused.stderr).toContain('parley: POLICY_REFUSED: bankB: no rule allows this computation');

    const failed = await fresh('fail-me');
    const followed = await job('status', failed.id, '--follow');
    expect(followed.code).toBe(1);
    expect(followed.stderr).toContain('parley: PEER_DISCONNECTED: bankB disconnected');
    expect(followed.stdout).toMatch(/^state +failed$/m);
    expect(followed.stdout).toMatch(/^error +PEER_DISCONNECTED: bankB disconnected$/m);
  });

  it('cancel cancels a running job and refuses a finished one; --timeout gives up waiting', async () => {
    const slow = await fresh('slow-me');
    const waited = await job('status', slow.id, '--follow', '--timeout', '0.3');
    expect(waited.code).toBe(2);
    expect(waited.stderr).toMatch(/parley: TIMEOUT: job \S+ is still computing after 300 ms/);
    const cancelled = await job('cancel', slow.id);
    expect(cancelled).toMatchObject({ code: 0, stdout: `job ${slow.id} cancelled\n` });
    const again = await job('cancel', slow.id);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`parley: CONFLICT: job ${slow.id} has already ended (cancelled)`);
  });

  it('outputs prints an output given per row of the node’s table by key, its rows without a key left out', async () => {
    fake.addJob('job-rows', [{ state: 'recorded' }], {
      scores: { type: 'fixed(32,16)', values: ['0.5', '0', '0.75'], keys: ['cust-1', null, 'cust-3'] },
      flagged: { type: 'uint(32)', values: ['2'] },
    });
    const r = await job('outputs', 'job-rows');
    expect(r).toMatchObject({ code: 0, stdout: 'flagged=2\nscores[cust-1]=0.5\nscores[cust-3]=0.75\n' });
    expect(JSON.parse((await job('outputs', 'job-rows', '--json')).stdout)).toMatchObject({
      byKey: { scores: { 'cust-1': '0.5', 'cust-3': '0.75' } },
    });
    fake.jobs.delete('job-rows'); // the list test counts the jobs
  });

  it('list shows jobs newest first, filtered by state', async () => {
    const all = await job('list');
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.length).toBe(fake.jobs.size);
    expect(lines[0]).toMatch(new RegExp(`^job-${fake.jobs.size} `));
    const refused = await job('list', '--state', 'refused', '--json');
    expect(JSON.parse(refused.stdout).jobs.map((j: { name: string }) => j.name)).toEqual(['refuse-me']);
    const bad = await job('list', '--state', 'done');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state done: expected one of proposed');
  });

  it('names a refused token, a missing node directory and a bad program file', async () => {
    const other = join(root, 'wrong-token');
    await mkdir(other);
    const secret = 'z'.repeat(43);
    await writeFile(
      join(other, 'node.json'),
      JSON.stringify({ api: { host: '127.0.0.1', port: 0, token: secret } }),
    );
    await writeFile(join(other, 'node.run.json'), JSON.stringify({ pid: process.pid, api: fake.url }));
    const refused = await parley(['job', 'list', '--node', other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('parley: UNAUTHORIZED: the node at');
    expect(refused.stderr + refused.stdout).not.toContain(secret);

    const none = await parley(['job', 'list', '--node', join(root, 'nowhere')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`NOT_FOUND: ${join(root, 'nowhere', 'node.json')} does not exist`);

    const badFile = join(root, 'bad.json');
    await writeFile(badFile, '{"format":"parley-program-v1"}');
    const bad = await job('submit', badFile);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^parley: CIRCUIT_FORMAT: ${badFile}: `, 'm'));
  });
});

/** Submits a job following the script `name` through the SDK's fake, without the CLI. */
async function fresh(name: string): Promise<{ id: string }> {
  const r = await job('submit', programFile, '--name', name, '--json');
  return JSON.parse(r.stdout) as { id: string };
}
