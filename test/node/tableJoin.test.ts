/**
 * Three node processes run computations over tables: the private join of
 * the banks' accounts on their keys (@parley/psi), the columns laid out on
 * the joined rows, the engine, and each bank's row outputs by key — checked
 * against the computation's plaintext reference. A join over its bound fails
 * on every party alike; a table the policy does not bind is refused.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, defineComputation, type ParleyClient, uint, verifyReceipt } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './_cluster.js';

const BANKS = ['bankA', 'bankB', 'bankC'];
const BIG_ROWS = 30_000;
const TABLE_OF: Record<string, string> = { bankA: 'a', bankB: 'b', bankC: 'c' };

/** Each bank's accounts: 12 keys from a universe of 20, so pairs and triples overlap; a balance per account. */
function accounts(bank: string): { keys: string[]; balance: number[] } {
  const k = BANKS.indexOf(bank);
  const keys = Array.from({ length: 20 }, (_, i) => `acct-${String(i).padStart(3, '0')}`).filter(
    (_, i) => (i * (k + 3)) % 5 !== k,
  );
  return { keys, balance: keys.map((_, i) => (k + 1) * 100 + i) };
}

function joinedTotals(name: string, rows: number) {
  return defineComputation({
    name,
    parties: BANKS,
    tables: {
      a: { party: 'bankA', columns: { amount: uint(32) } },
      b: { party: 'bankB', columns: { amount: uint(32) } },
      c: { party: 'bankC', key: 'account', columns: { amount: uint(32) } },
    },
    join: { tables: ['a', 'b', 'c'], minTables: 2, rows },
    outputs: {
      totalA: { to: ['bankA'], rowsOf: 'a' },
      totalB: { to: ['bankB'], rowsOf: 'b' },
      joined: 'all',
      sum: 'all',
    },
    compute: ({ a, b, c }, _b, j) => {
      const total = a.column('amount').add(b.column('amount')).add(c.column('amount'));
      const joined = (j as NonNullable<typeof j>).present;
      return {
        totalA: a.present.select(total, 0),
        totalB: b.present.select(total, 0),
        joined: joined.cast(uint(32)).sum(),
        sum: total.sum(),
      };
    },
  });
}

let cluster: Cluster;
const client = (bank: string): ParleyClient =>
  connect({ url: `http://${cluster.nodes[bank].api}`, token: cluster.nodes[bank].token });

/** Waits until job `id` has ended on every bank, asserts it failed with INVALID_INPUT there, and returns the messages. */
async function invalidInputOnEveryBank(id: string): Promise<string[]> {
  const messages: string[] = [];
  for (const bank of BANKS) {
    const j = await cluster.stateOn(bank, id, ['failed', 'recorded', 'delivered'], 60_000);
    expect(j.state).toBe('failed');
    expect(j.error).toMatchObject({ code: 'INVALID_INPUT' });
    messages.push((j.error as { message: string }).message);
  }
  return messages;
}

beforeAll(async () => {
  cluster = await Cluster.start(BANKS, async (bank, dir, config) => {
    const { keys, balance } = accounts(bank);
    const rows = keys.map((k, i) => `${k},${balance[i]}`);
    await writeFile(join(dir, 'accounts.csv'), `account,balance\n${rows.join('\n')}\n`);
    config.dataSources = {
      accounts: { type: 'csv', path: 'accounts.csv' },
      disjoint: { type: 'csv', path: 'disjoint.csv' },
      repeats: { type: 'csv', path: 'repeats.csv' },
      big: { type: 'csv', path: 'big.csv' },
      weights: { type: 'csv', path: 'weights.csv' },
    };
    await writeFile(join(dir, 'weights.csv'), 'w\n3\n');
    const table = {
      [TABLE_OF[bank]]: {
        source: 'accounts',
        // bankC's policy names no key column: the computation's is used.
        ...(bank === 'bankC' ? {} : { key: 'account' }),
        columns: { amount: 'balance' },
      },
    };
    // A second source for the edge cases: 'disjoint' holds keys no other bank has, 'repeats' one key twice.
    const own = keys.map((k, i) => `${bank}-${k},${balance[i]}`);
    await writeFile(join(dir, 'disjoint.csv'), `account,balance\n${own.join('\n')}\n`);
    await writeFile(join(dir, 'repeats.csv'), `account,balance\n${rows[0]}\n${rows.join('\n')}\n`);
    // 'big': 30,000 accounts, for a join long enough to cancel halfway.
    const big = Array.from({ length: BIG_ROWS }, (_, i) => `big-${i},${i % 1000}`);
    await writeFile(join(dir, 'big.csv'), `account,balance\n${big.join('\n')}\n`);
    const rule = (computation: string) => ({
      computation,
      dataSources: ['accounts'],
      tables: table,
      outputRecipients: BANKS,
      minRows: 1,
    });
    // bankC binds no table for 'join-unbound'.
    const unbound = { ...rule('join-unbound'), tables: bank === 'bankC' ? {} : table };
    // 'join-empty': bankA reads keys nobody else has; 'join-repeats': bankB's source repeats a key.
    const from = (computation: string, source: string) => ({
      ...rule(computation),
      dataSources: [source],
      tables: { [TABLE_OF[bank]]: { ...table[TABLE_OF[bank]], source } },
    });
    // 'join-weights': bankA and bankB join their tables; bankC, not in the join, gives a weight.
    const weighted =
      bank === 'bankC'
        ? {
            computation: 'join-weights',
            dataSources: ['weights'],
            inputs: { weight: { source: 'weights', column: 'w' } },
            outputRecipients: BANKS,
          }
        : rule('join-weights');
    const empty = bank === 'bankA' ? from('join-empty', 'disjoint') : rule('join-empty');
    const repeats = bank === 'bankB' ? from('join-repeats', 'repeats') : rule('join-repeats');
    await writeFile(
      join(dir, 'policy.json'),
      JSON.stringify({
        version: 1,
        allow: [
          rule('join-totals'),
          rule('join-small'),
          unbound,
          empty,
          repeats,
          rule('join-two'),
          from('join-cancel', 'big'),
          weighted,
        ],
      }),
    );
  });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const data = Object.fromEntries(
  BANKS.map((bank) => {
    const { keys, balance } = accounts(bank);
    return [TABLE_OF[bank], { keys, columns: { amount: balance } }];
  }),
);

describe('computations over joined tables on three nodes', () => {
  it('joins the banks’ accounts privately and gives each bank its own rows by key, as the plaintext reference does', async () => {
    const computation = joinedTotals('join-totals', 24);
    const want = computation.evaluateTables(data);
    expect(Object.keys(want.byKey.totalA).length).toBeGreaterThan(3);
    const job = await client('bankB').submit(computation);
    await job.wait({ timeoutMs: 60_000 });
    for (const bank of BANKS) {
      const handle = client(bank).job(job.id);
      // Each party notes the ledger entry when the commit round reaches it: wait for that before its receipt.
      await handle.wait({ timeoutMs: 30_000 });
      const outputs = await handle.outputs();
      expect(outputs.joined).toBe(want.outputs.joined);
      expect(outputs.sum).toBe(want.outputs.sum);
      const byKey = await handle.outputsByKey();
      if (bank === 'bankA') expect(byKey).toEqual({ totalA: want.byKey.totalA });
      if (bank === 'bankB') expect(byKey).toEqual({ totalB: want.byKey.totalB });
      if (bank === 'bankC') expect(byKey).toEqual({});
      expect(verifyReceipt(await handle.receipt(), cluster.consortium).ok).toBe(true);
    }
  }, 90_000);

  it('joins two banks’ tables and runs the garbled engine on the joined rows', async () => {
    const computation = defineComputation({
      name: 'join-two',
      parties: ['bankA', 'bankB'],
      tables: {
        a: { party: 'bankA', columns: { amount: uint(32) } },
        b: { party: 'bankB', columns: { amount: uint(32) } },
      },
      join: { tables: ['a', 'b'], rows: 20 },
      outputs: { larger: { to: ['bankB'], rowsOf: 'b' }, shared: 'all' },
      compute: ({ a, b }, _b, j) => ({
        larger: b.present.select(a.column('amount').max(b.column('amount')), 0),
        shared: (j as NonNullable<typeof j>).present.cast(uint(32)).sum(),
      }),
    });
    expect(computation.booleanStats().and).toBeGreaterThan(0);
    const want = computation.evaluateTables({ a: data.a, b: data.b });
    const job = await client('bankA').submit(computation);
    await job.wait({ timeoutMs: 60_000 });
    expect((await client('bankA').job(job.id).outputs()).shared).toBe(want.outputs.shared);
    expect(await client('bankB').job(job.id).outputsByKey()).toEqual({ larger: want.byKey.larger });
    expect(Object.keys(want.byKey.larger).length).toBe(Number(want.outputs.shared));
  }, 90_000);

  it('fails the job on every party when the join has more rows than the computation allows', async () => {
    const job = await client('bankA').submit(joinedTotals('join-small', 2));
    for (const message of await invalidInputOnEveryBank(job.id)) {
      expect(message).toMatch(/more than the computation's bound of 2/);
    }
  }, 90_000);

  it('computes over an empty join: no joined row, every aggregate zero, no row output', async () => {
    const computation = defineComputation({
      name: 'join-empty',
      parties: BANKS,
      tables: {
        a: { party: 'bankA', columns: { amount: uint(32) } },
        b: { party: 'bankB', columns: { amount: uint(32) } },
        c: { party: 'bankC', key: 'account', columns: { amount: uint(32) } },
      },
      // bankA's keys match nobody's; with all three tables required the join is empty.
      join: { tables: ['a', 'b', 'c'], rows: 24 },
      outputs: { totalA: { to: ['bankA'], rowsOf: 'a' }, joined: 'all' },
      compute: ({ a, b, c }, _b, j) => ({
        totalA: a.present.select(a.column('amount').add(b.column('amount')).add(c.column('amount')), 0),
        joined: (j as NonNullable<typeof j>).present.cast(uint(32)).sum(),
      }),
    });
    const job = await client('bankC').submit(computation);
    await job.wait({ timeoutMs: 60_000 });
    expect((await client('bankB').job(job.id).outputs()).joined).toBe(0n);
    expect(await client('bankA').job(job.id).outputsByKey()).toEqual({ totalA: {} });
  }, 90_000);

  it('fails the job on every party, naming rows and not keys, when a table repeats a key', async () => {
    const job = await client('bankA').submit(joinedTotals('join-repeats', 24));
    for (const message of await invalidInputOnEveryBank(job.id)) {
      expect(message).toMatch(/rows 1 and 2 have the same key/);
      expect(message).not.toMatch(/acct-/);
    }
  }, 90_000);

  it('runs a join of two banks with a third party that holds no table (a weight)', async () => {
    const computation = defineComputation({
      name: 'join-weights',
      parties: BANKS,
      tables: {
        a: { party: 'bankA', columns: { amount: uint(32) } },
        b: { party: 'bankB', columns: { amount: uint(32) } },
      },
      join: { tables: ['a', 'b'], rows: 20 },
      inputs: { weight: { party: 'bankC', type: uint(32) } },
      outputs: { weighted: 'all' },
      compute: ({ a, b, weight }) => ({
        weighted: a.column('amount').add(b.column('amount')).mul(weight).sum(),
      }),
    });
    const want = computation.evaluateTables({ a: data.a, b: data.b }, { bankC: { weight: 3 } });
    const job = await client('bankC').submit(computation);
    await job.wait({ timeoutMs: 60_000 });
    for (const bank of BANKS)
      expect((await client(bank).job(job.id).outputs()).weighted).toBe(want.outputs.weighted);
  }, 90_000);

  it("an operator's cancel during the join ends the job as cancelled on every party", async () => {
    const job = await client('bankA').submit(joinedTotals('join-cancel', BIG_ROWS));
    // Cancel once the join has started on bankB (its progress counts keys encrypted).
    await cluster.waitFor(
      'bankB',
      job.id,
      (j) => /join/.test(String((j.progress as { unit?: string })?.unit)),
      30_000,
    );
    await client('bankB').job(job.id).cancel();
    for (const bank of BANKS) {
      const j = await cluster.stateOn(bank, job.id, ['cancelled', 'failed', 'recorded', 'delivered'], 20_000);
      expect(j.state).toBe('cancelled');
      expect(j.error).toMatchObject({ code: 'CANCELLED' });
    }
  }, 90_000);

  it('is refused by a node whose policy binds no data to its table', async () => {
    const job = await client('bankA').submit(joinedTotals('join-unbound', 24));
    const j = await cluster.stateOn('bankA', job.id, ['refused', 'failed', 'recorded'], 30_000);
    expect(j.state).toBe('refused');
    expect((j.error as { message: string }).message).toMatch(/binds no data to table 'c'/);
  }, 60_000);
});
