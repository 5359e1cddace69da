/** Three node processes: jobs proposed, approved or refused by policy, inputs committed, computed, delivered, or failed on every party alike. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CircuitBuilder, encodeProgram, uint } from '@parley/circuit';
import { createConsortium, initNode, NODE_CONFIG_FILE } from '@parley/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const BANKS = ['bankA', 'bankB', 'bankC'];
let root: string;
const children: ChildProcess[] = [];
const nodes: Record<string, { api: string; token: string }> = {};

/** A port the OS picks on 127.0.0.1 (listen on 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function start(dir: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [`${ROOT}packages/cli/bin/parley.js`, 'node', 'start', '--node', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line);
      if (process.env.PARLEY_TEST_NODE_LOGS) console.error(line);
      if (entry.msg === 'node started') resolve(entry.api as string);
    });
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
  });
}

const rule = (minRows: number, computation = 'sum-test', source = 'accounts') => ({
  computation,
  dataSources: [source],
  inputs: { balance: { source, column: 'balance' } },
  outputRecipients: BANKS,
  minRows,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parley-jobs-'));
  const pubs: string[] = [];
  for (const bank of BANKS) {
    const r = await initNode({ name: bank, dir: join(root, bank), port: await freePort(), apiPort: 0 });
    pubs.push(r.publicFile);
  }
  const consortium = await createConsortium(pubs);
  for (const bank of BANKS) {
    const dir = join(root, bank);
    await writeFile(join(dir, 'consortium.json'), JSON.stringify(consortium));
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
    const config = JSON.parse(await readFile(join(dir, NODE_CONFIG_FILE), 'utf8'));
    config.dataSources = {
      accounts: { type: 'csv', path: 'accounts.csv' },
      short: { type: 'csv', path: 'short.csv' },
    };
    await writeFile(join(dir, NODE_CONFIG_FILE), JSON.stringify(config));
    nodes[bank] = { api: '', token: config.api.token };
  }
  const apis = await Promise.all(BANKS.map((b) => start(join(root, b))));
  BANKS.forEach((b, i) => {
    nodes[b].api = apis[i];
  });
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
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

async function api(
  bank: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
) {
  const token = init.token === undefined ? nodes[bank].token : init.token;
  const res = await fetch(`http://${nodes[bank].api}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function stateOn(
  bank: string,
  id: string,
  until: (s: string) => boolean,
): Promise<Record<string, unknown>> {
  let last: unknown;
  for (let i = 0; i < 200; i++) {
    const r = await api(bank, `/jobs/${id}`);
    last = r.body;
    if (r.status === 200 && until(r.body.state as string)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`job ${id} on ${bank} never reached the state: ${JSON.stringify(last)}`);
}

describe('job proposal and approval across three nodes', () => {
  it('two parties that both allow the job approve it, commit their inputs and compute it', async () => {
    const r = await api('bankA', '/jobs', {
      method: 'POST',
      body: { name: 'sum-test', program: program(5, 'bankA', 'bankB') },
    });
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    const commitments = [];
    for (const bank of ['bankA', 'bankB']) {
      const job = await stateOn(bank, id, (s) => ['delivered', 'failed'].includes(s));
      expect(job).toMatchObject({ state: 'delivered', proposer: 'bankA', parties: ['bankA', 'bankB'] });
      expect((job.events as Array<{ state: string }>).map((e) => e.state)).toEqual([
        'proposed',
        'approved',
        'inputs-committed',
        'computing',
        'delivered',
      ]);
      commitments.push(job.commitments);
      // bankA holds 1000..1004, bankB 2000..2004.
      const out = await api(bank, `/jobs/${id}/outputs`);
      expect(out.body.outputs).toEqual({ total: { type: 'uint(32)', values: ['15020'] } });
    }
    expect(commitments[0]).toEqual(commitments[1]);
    expect(Object.keys(commitments[0] as object)).toEqual(['bankA', 'bankB']);
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
    }
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
        const job = await stateOn(bank, id, (s) => ['delivered', 'failed'].includes(s));
        expect(job.state, JSON.stringify(job.error)).toBe('delivered');
        // 1000..1004 + 2000..2004 + 3000..3004
        expect((await api(bank, `/jobs/${id}/outputs`)).body.outputs).toEqual({
          total: { type: 'uint(32)', values: ['30030'] },
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
      const job = await stateOn(bank, id, (s) => ['delivered', 'failed'].includes(s));
      expect(job.state).toBe('failed');
      expect(job.error).toEqual({
        code: 'INVALID_INPUT',
        message: 'input balance: the computation takes 5 value(s), data source short has 1 row(s)',
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
    expect((await api('bankA', '/jobs', { token: null })).status).toBe(401);
    const list = await api('bankA', '/jobs');
    expect((list.body.jobs as unknown[]).length).toBe(5);
  });
});
