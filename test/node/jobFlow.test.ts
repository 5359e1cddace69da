/** Three node processes: jobs proposed, approved or refused by policy, inputs committed, computed, delivered, or failed on every party alike. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CircuitBuilder, encodeProgram, uint } from '@parley/circuit';
import { verifyReceipt } from '@parley/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './_cluster.js';

const BANKS = ['bankA', 'bankB', 'bankC'];
let cluster: Cluster;

const rule = (minRows: number, computation = 'sum-test', source = 'accounts') => ({
  computation,
  dataSources: [source],
  inputs: { balance: { source, column: 'balance' } },
  outputRecipients: BANKS,
  minRows,
});

beforeAll(async () => {
  cluster = await Cluster.start(BANKS, async (bank, dir, config) => {
    // bankC allows 'sum-test' only over at least 100 rows; 'sum-short' reads bankA's one-row table
    // where the computation wants five rows.
    const short = rule(1, 'sum-short', bank === 'bankA' ? 'short' : 'accounts');
    await writeFile(
      join(dir, 'policy.json'),
      JSON.stringify({ version: 1, allow: [rule(bank === 'bankC' ? 100 : 1), short, rule(1, 'sum-three')] }),
    );
    const rows = Array.from({ length: 5 }, (_, i) => `acct-${i},${(BANKS.indexOf(bank) + 1) * 1000 + i}`);
    await writeFile(join(dir, 'accounts.csv'), `account,balance\n${rows.join('\n')}\n`);
    await writeFile(join(dir, 'short.csv'), 'account,balance\nacct-0,1\n');
    config.dataSources = {
      accounts: { type: 'csv', path: 'accounts.csv' },
      short: { type: 'csv', path: 'short.csv' },
    };
  });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function program(rows: number, ...banks: string[]): string {
  const b = new CircuitBuilder(banks);
  const parts = banks.map((bank) => b.input(bank, 'balance', uint(32), rows).sum());
  b.output(
    'total',
    parts.reduce((x, y) => x.add(y)),
    banks,
  );
  return Buffer.from(encodeProgram(b.build())).toString('base64');
}

const api = (...args: Parameters<Cluster['api']>) => cluster.api(...args);
const stateOn = (bank: string, id: string, until: (s: string) => boolean) =>
  cluster.waitFor(bank, id, (j) => until(j.state as string));

describe('job proposal and approval across three nodes', () => {
  it('two parties that both allow the job approve it, commit their inputs, compute it and record it', async () => {
    const r = await api('bankA', '/jobs', {
      method: 'POST',
      body: { name: 'sum-test', program: program(5, 'bankA', 'bankB') },
    });
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    const commitments = [];
    const receipts = [];
    for (const bank of ['bankA', 'bankB']) {
      const job = await stateOn(bank, id, (s) => ['recorded', 'failed'].includes(s));
      expect(job).toMatchObject({ state: 'recorded', proposer: 'bankA', parties: ['bankA', 'bankB'] });
      expect((job.events as Array<{ state: string }>).map((e) => e.state)).toEqual([
        'proposed',
        'approved',
        'inputs-committed',
        'computing',
        'delivered',
        'recorded',
      ]);
      commitments.push(job.commitments);
      // bankA holds 1000..1004, bankB 2000..2004.
      const out = await api(bank, `/jobs/${id}/outputs`);
      expect(out.body.outputs).toEqual({
        total: { type: 'uint(32)', values: ['15020'], salt: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
      const receipt = await api(bank, `/jobs/${id}/receipt`);
      expect(receipt.status).toBe(200);
      expect(verifyReceipt(receipt.body, cluster.consortium)).toMatchObject({ ok: true });
      receipts.push(receipt.body);
    }
    expect(commitments[0]).toEqual(commitments[1]);
    expect(Object.keys(commitments[0] as object)).toEqual(['bankA', 'bankB']);
    // Both parties hold the same entry: the computation, both commitments and the output's hash.
    const entries = receipts.map((r) => (r as { entry: Record<string, unknown> }).entry);
    expect(entries[0]).toEqual(entries[1]);
    expect(entries[0]).toMatchObject({ jobId: id, outcome: 'succeeded', parties: ['bankA', 'bankB'] });
    // bankC is not a party: it has no record of the job, but it co-signed the ledger entry.
    expect((await api('bankC', `/jobs/${id}`)).status).toBe(404);
  });

  it("one node's policy refuses: the job is refused on every node, with that node's reason", async () => {
    const r = await api('bankB', '/jobs', {
      method: 'POST',
      body: { name: 'sum-test', program: program(5, ...BANKS) },
    });
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    for (const bank of BANKS) {
      const job = await stateOn(bank, id, (s) => s !== 'proposed');
      expect(job.state).toBe('refused');
      expect(job.error).toEqual({
        code: 'POLICY_REFUSED',
        message: "bankC: an aggregate over 5 rows is below the policy's minimum of 100",
      });
      expect(job.commitments).toEqual({});
    }
    // The refusal is recorded on the ledger too, with the reason.
    expect(await cluster.ledgerOf('bankB', id)).toMatchObject({ seq: expect.any(Number) });
    const receipt = await api('bankA', `/jobs/${id}/receipt`);
    expect(receipt.body).toMatchObject({ entry: { outcome: 'refused', inputCommitments: {} } });
  });

  for (const protocol of ['sharing', 'replicated'] as const) {
    it(`three parties compute a job on the secret-sharing engine (${protocol})`, async () => {
      const r = await api('bankC', '/jobs', {
        method: 'POST',
        body: { name: 'sum-three', protocol, program: program(5, ...BANKS) },
      });
      expect(r.status).toBe(202);
      const id = r.body.id as string;
      for (const bank of BANKS) {
        const job = await stateOn(bank, id, (s) => ['recorded', 'failed'].includes(s));
        expect(job.state, JSON.stringify(job.error)).toBe('recorded');
        // 1000..1004 + 2000..2004 + 3000..3004
        expect((await api(bank, `/jobs/${id}/outputs`)).body.outputs).toEqual({
          total: { type: 'uint(32)', values: ['30030'], salt: expect.stringMatching(/^[0-9a-f]{64}$/) },
        });
      }
    });
  }

  it("a party's data that does not fit fails the job on every party with the same typed error", async () => {
    const r = await api('bankB', '/jobs', {
      method: 'POST',
      body: { name: 'sum-short', program: program(5, 'bankA', 'bankB') },
    });
    const id = r.body.id as string;
    for (const bank of ['bankA', 'bankB']) {
      const job = await stateOn(bank, id, (s) => ['recorded', 'failed'].includes(s));
      expect(job.state).toBe('failed');
      expect(job.error).toEqual({
        code: 'INVALID_INPUT',
        // The row count and the source are the party's own: neither reaches the others or the ledger.
        message: 'input balance: the data does not fit the computation',
      });
    }
  });

  it('refuses bad submissions with a typed error, and requests without the token', async () => {
    const bad = await api('bankA', '/jobs', { method: 'POST', body: { name: 'sum-test', program: 'e30=' } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('CIRCUIT_FORMAT');
    const missing = await api('bankA', '/jobs', { method: 'POST', body: { name: 'sum-test' } });
    expect(missing.status).toBe(400);
    const stranger = await api('bankA', '/jobs', {
      method: 'POST',
      body: { name: 'x', program: program(1, 'bankA', 'bankZ') },
    });
    expect(stranger.body).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'parties not in the consortium: bankZ',
    });
    const notBase64 = await api('bankA', '/jobs', { method: 'POST', body: { name: 'x', program: '!!!' } });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('program'),
    });
    expect((await api('bankA', '/jobs', { token: null })).status).toBe(401);
    const list = await api('bankA', '/jobs');
    expect((list.body.jobs as unknown[]).length).toBe(5);
    expect(((await api('bankA', '/jobs?limit=2')).body.jobs as unknown[]).length).toBe(2);
    const recorded = (await api('bankA', '/jobs?state=recorded')).body.jobs as Array<{ state: string }>;
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.every((j) => j.state === 'recorded')).toBe(true);
    // An unknown state or a limit out of range is refused, naming the parameter (it used to list every job).
    for (const query of ['state=bogus', 'limit=-5', 'limit=1001', 'limit=many']) {
      const r = await api('bankA', `/jobs?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body, query).toMatchObject({
        code: 'INVALID_REQUEST',
        message: expect.stringContaining(query.split('=')[0]),
      });
    }
  });
});
