/**
 * The client (`connect`) against a fake node API (fakeNode.ts): requests and
 * the token, typed errors from the server's `{ code, message }`, 401, an
 * unreachable node, polling to each kind of end, output decoding, receipts,
 * and finding a node's API from its directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  ConfigError,
  Conflict,
  hasCode,
  InvalidArgument,
  JobCancelled,
  MalformedFrame,
  NotFound,
  type ParleyError,
  PeerDisconnected,
  PolicyRefused,
  Timeout,
} from '@parley/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  decodeOutputs,
  defineComputation,
  type JobStatus,
  NodeUnreachable,
  NotRecorded,
  type ParleyClient,
  resolveNodeApi,
  Unauthorized,
  uint,
  verifyReceipt,
} from '../src/index.js';
import { FakeNode, SCRIPTS } from './fakeNode.js';

const TOKEN = 't'.repeat(43);
let fake: FakeNode;
let client: ParleyClient;
let root: string;

beforeAll(async () => {
  fake = await FakeNode.start(TOKEN);
  client = connect({ url: fake.url, token: TOKEN });
  root = await mkdtemp(join(tmpdir(), 'parley-sdk-client-'));
});
afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

const computation = (name: string) =>
  defineComputation({
    name,
    parties: ['bankA', 'bankB'],
    inputs: {
      a: { party: 'bankA', type: uint(32), length: 4 },
      b: { party: 'bankB', type: 'uint(32)', length: 4 },
    },
    outputs: { total: 'all' },
    compute: ({ a, b }) => ({ total: a.add(b).sum() }),
    protocol: 'garbled',
  });

/** Resolves with what `promise` rejected with. */
async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise;
  } catch (e) {
    return e as ParleyError;
  }
  throw new Error('expected a rejection');
}

describe('connect({ url, token })', () => {
  it('submits a computation as parley-program-v1 bytes with the token and follows it to its ledger entry', async () => {
    const c = computation('fraud-score');
    const job = await client.submit(c);
    expect(job.submitted).toMatchObject({ id: job.id, name: 'fraud-score', state: 'proposed' });
    const submitted = fake.jobs.get(job.id)!;
    expect(submitted.protocol).toBe('garbled');
    expect(submitted.base.computationId).toBe(c.id); // the node decodes the same program
    expect(fake.requests.at(-1)).toEqual({ method: 'POST', path: '/jobs', authorized: true });

    const seen: JobStatus[] = [];
    const final = await job.wait({ intervalMs: 5, onProgress: (s) => seen.push(s) });
    expect(final.state).toBe('recorded');
    expect(final.ledger).toEqual({ seq: 0 });
    expect(final.events.map((e) => e.state)).toEqual(
      SCRIPTS.happy.map((s) => s.state).filter((s, i, a) => s !== a[i - 1]),
    );
    expect(seen.map((s) => [s.state, s.progress?.done])).toEqual([
      ['proposed', undefined],
      ['approved', undefined],
      ['inputs-committed', undefined],
      ['computing', 0],
      ['computing', 2],
      ['computing', 4],
      ['delivered', undefined],
      ['recorded', undefined],
    ]);
    expect(final.commitments).toEqual({ bankA: 'a'.repeat(64), bankB: 'b'.repeat(64) });
    expect(await job.outputs()).toEqual({ total: 311n });

    const receipt = await job.receipt();
    expect(receipt.entry.jobId).toBe(job.id);
    expect(verifyReceipt(receipt, fake.consortium)).toMatchObject({ ok: true, seq: 0 });
    const edited = { ...receipt, entry: { ...receipt.entry, outcome: 'failed' } };
    expect(verifyReceipt(edited, fake.consortium).ok).toBe(false);
  });

  it("submits { name, program, protocol } and stops at 'delivered' when asked", async () => {
    const job = await client.submit({ name: 'plain', program: computation('x').circuit });
    expect(fake.jobs.get(job.id)!.protocol).toBe('auto');
    const s = await job.wait({ intervalMs: 1, until: 'delivered' });
    expect(s.state).toBe('delivered');
    const receiptMissing = await rejection(job.receipt());
    expect(receiptMissing).toBeInstanceOf(NotFound);
    expect(receiptMissing.message).toContain('not on the ledger yet');
  });

  it('rejects with the typed error of a refused, failed, cancelled or unrecorded job', async () => {
    const refused = await rejection((await client.submit(computation('refuse-me'))).wait({ intervalMs: 1 }));
    expect(refused).toBeInstanceOf(PolicyRefused);
    expect(refused.message).toBe('bankB: no rule allows this computation');
    expect(refused.details).toMatchObject({ state: 'refused' });

    const failed = await rejection((await client.submit(computation('fail-me'))).wait({ intervalMs: 1 }));
    expect(failed).toBeInstanceOf(PeerDisconnected);
    expect(failed.family).toBe('transport');

    const slow = await client.submit(computation('slow-me'));
    const cancelled = await slow.cancel();
    expect(cancelled.state).toBe('cancelled');
    const waited = await rejection(slow.wait({ intervalMs: 1 }));
    expect(waited).toBeInstanceOf(JobCancelled);
    expect(waited.message).toContain('cancelled by the operator');
    const again = await rejection(slow.cancel());
    expect(again).toBeInstanceOf(Conflict);
    expect(again.details).toMatchObject({ status: 409 });

    const unrecorded = await client.submit(computation('unrecorded-me'));
    const notRecorded = await rejection(unrecorded.wait({ intervalMs: 1 }));
    expect(notRecorded).toBeInstanceOf(NotRecorded);
    expect(notRecorded.message).toContain('bankB did not sign');
    expect((await unrecorded.wait({ intervalMs: 1, until: 'delivered' })).state).toBe('delivered');
  });

  it('gives up waiting after timeoutMs with Timeout, and stops on an abort signal', async () => {
    const job = await client.submit(computation('slow-me'));
    const t0 = Date.now();
    const e = await rejection(job.wait({ intervalMs: 10, timeoutMs: 60 }));
    expect(e).toBeInstanceOf(Timeout);
    expect(e.message).toMatch(/still computing after 60 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('stop')), 30);
    await expect(job.wait({ intervalMs: 10, signal: abort.signal })).rejects.toThrow('stop');
  });

  it('lists jobs, filtered by state; reads health without a token', async () => {
    const all = await client.list();
    expect(all.length).toBeGreaterThan(3);
    const refused = await client.list({ state: 'refused', limit: 5 });
    expect(refused.map((j) => j.name)).toEqual(['refuse-me']);
    expect(fake.requests.at(-1)!.path).toBe('/jobs');
    expect(await connect({ url: fake.url, token: 'wrong' }).health()).toMatchObject({
      status: 'ok',
      node: 'bankA',
    });
    await expect(client.list({ state: 'done' as 'recorded' })).rejects.toBeInstanceOf(InvalidArgument);
    await expect(client.list({ limit: 0 })).rejects.toBeInstanceOf(InvalidArgument);
  });

  it('says a refused token is refused, without ever quoting it', async () => {
    const secret = 'secret-token-that-must-not-appear-anywhere';
    const e = await rejection(connect({ url: `${fake.url}/`, token: secret }).list());
    expect(e).toBeInstanceOf(Unauthorized);
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).toMatch(/refused the API token \(401\)/);
    expect(JSON.stringify([e.message, e.details, e.toJSON()])).not.toContain(secret);
  });

  it("turns the server's { code, message } into its typed error, and a non-JSON answer into MalformedFrame", async () => {
    const missing = await rejection(client.job('job-999').status());
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing.message).toBe('job job-999 not found');
    const boom = await rejection(client.job('boom').status());
    expect(boom.code).toBe('INTERNAL');
    expect(boom.family).toBe('internal');
    expect(await rejection(client.job('not-json').status())).toBeInstanceOf(MalformedFrame);
    const nullAnswer = await rejection(client.job('null').status());
    expect(nullAnswer).toBeInstanceOf(MalformedFrame);
    expect(nullAnswer.message).toMatch(/answer \(200\) is not a JSON object/);
    expect(() => client.job('')).toThrow(InvalidArgument);
  });

  it('reports an unreachable node as NodeUnreachable, and checks its arguments', async () => {
    const closed = await FakeNode.start(TOKEN);
    const url = closed.url;
    await closed.close();
    const e = await rejection(connect({ url, token: TOKEN }).list());
    expect(e).toBeInstanceOf(NodeUnreachable);
    expect(e.message).toContain(url);
    expect(() => connect({ url: 'ftp://x', token: TOKEN })).toThrow(InvalidArgument);
    expect(() => connect({ url: fake.url, token: '' })).toThrow(InvalidArgument);
    expect(() => connect({ url: fake.url, token: TOKEN }, { requestTimeoutMs: -5 })).toThrow(
      /requestTimeoutMs/,
    );
    expect(() => connect({ url: fake.url, token: TOKEN }, { requestTimeoutMs: Number.NaN })).toThrow(
      InvalidArgument,
    );
    await expect(client.submit({ name: '', program: computation('x').circuit })).rejects.toBeInstanceOf(
      InvalidArgument,
    );
    await expect(
      client.submit({ name: 'x', program: computation('x').circuit, protocol: 'magic' as 'auto' }),
    ).rejects.toBeInstanceOf(InvalidArgument);
  });
});

describe('connect: what may not reach a message', () => {
  it('refuses a token fetch could not send, without quoting it', () => {
    for (const token of ['s3cret\nTOKEN', 's3cret\0TOKEN', 'two words']) {
      const e = (() => {
        try {
          connect({ url: 'http://127.0.0.1:9', token });
        } catch (err) {
          return err as Error;
        }
        throw new Error(`accepted ${JSON.stringify(token)}`);
      })();
      expect(e).toBeInstanceOf(InvalidArgument);
      expect(e.message).toMatch(/token must be visible ASCII/);
      expect(e.message).not.toContain('s3cret');
      expect(inspect(e)).not.toContain('s3cret');
    }
  });

  it('refuses a URL with a user name or password, without quoting it', () => {
    const e = (() => {
      try {
        connect({ url: 'http://user:pw-s3cret@127.0.0.1:9', token: TOKEN });
      } catch (err) {
        return err as Error;
      }
      throw new Error('accepted');
    })();
    expect(e).toBeInstanceOf(InvalidArgument);
    expect(e.message).not.toContain('s3cret');
  });

  it('keeps every row key in outputsByKey, "__proto__" too (keys are customer data)', async () => {
    fake.addJob('keyed', SCRIPTS.happy, {
      score: { type: 'uint(8)', values: ['7', '9', '3'], keys: ['__proto__', 'alice', null] },
    });
    const byKey = await client.job('keyed').outputsByKey();
    expect(Object.keys(byKey.score)).toEqual(['__proto__', 'alice']);
    expect(Object.hasOwn(byKey.score, '__proto__')).toBe(true);
    expect(byKey.score.alice).toBe(9n);
    expect(Object.getOwnPropertyDescriptor(byKey.score, '__proto__')?.value).toBe(7n);
  });

  it('checks the polling options of wait', async () => {
    const job = await client.submit(computation('slow-me'));
    for (const bad of [
      { intervalMs: Number.NaN },
      { intervalMs: -1 },
      { intervalMs: 0 },
      { timeoutMs: Number.NaN },
    ]) {
      await expect(job.wait(bad)).rejects.toBeInstanceOf(InvalidArgument);
    }
  });
});

describe('decodeOutputs', () => {
  it('decodes each value by its type: bigint, number for fixed point, arrays for vectors', () => {
    expect(
      decodeOutputs({
        total: { type: 'uint(32)', values: ['311'] },
        delta: { type: 'int(16)', values: ['-3', '7'] },
        score: { type: 'fixed(32,16)', values: ['1.5'] },
        flag: { type: 'bit', values: ['1'] },
        digest: { type: 'uint(128)', values: [`0x${'00'.repeat(15)}ff`] },
        none: { type: 'uint(8)', values: [] },
      }),
    ).toEqual({ total: 311n, delta: [-3n, 7n], score: 1.5, flag: 1n, digest: 255n, none: [] });
  });

  it("refuses values that are not of their type as a malformed answer of the node's, naming the output", () => {
    const bad = (type: string, value: string) => () => decodeOutputs({ out: { type, values: [value] } });
    expect(bad('uint(8)', '256')).toThrow(/output out\[0\]: value does not fit in 8 bits/);
    expect(bad('uint(8)', '256')).toThrow(MalformedFrame);
    expect(bad('uint(8)', 'abc')).toThrow(MalformedFrame);
    expect(bad('float', '1')).toThrow(MalformedFrame);
    expect(bad('fixed(32,16)', 'NaN')).toThrow(/output out\[0\] is not a number/);
    expect(bad('float', '1')).toThrow(/unknown type 'float'/);
    for (const v of ['128', '-128.00390625', '1e300', '0.001']) {
      expect(bad('fixed(16,8)', v)).toThrow(/output out\[0\] is not a value of fixed\(16,8\)/);
    }
    expect(decodeOutputs({ out: { type: 'fixed(16,8)', values: ['127.99609375', '-128'] } })).toEqual({
      out: [127.99609375, -128],
    });
    expect(
      decodeOutputs({ out: { type: 'fixed(64,16)', values: [String(2 ** 47), String(-(2 ** 47))] } }),
    ).toEqual({
      out: [2 ** 47, -(2 ** 47)],
    });
  });
});

describe('connect({ node: DIR })', () => {
  const nodeJson = (api: Record<string, unknown>) => JSON.stringify({ version: 1, name: 'bankA', api });

  it('uses node.run.json for the address and node.json for the token', async () => {
    const dir = join(root, 'running');
    await mkdir(dir);
    await writeFile(join(dir, 'node.json'), nodeJson({ host: '127.0.0.1', port: 0, token: TOKEN }));
    await writeFile(
      join(dir, 'node.run.json'),
      JSON.stringify({ pid: process.pid, api: fake.url, startedAt: 1 }),
    );
    expect(resolveNodeApi(dir)).toEqual({
      url: fake.url,
      token: TOKEN,
      source: join(dir, 'node.run.json'),
      tokenSource: join(dir, 'node.json'),
    });
    const c = connect({ node: dir });
    expect(c.url).toBe(fake.url);
    expect((await c.list()).length).toBeGreaterThan(0);
  });

  it("falls back to node.json's api host and port; the wildcard address means this machine", async () => {
    const dir = join(root, 'fixed-port');
    await mkdir(dir);
    await writeFile(join(dir, 'node.json'), nodeJson({ host: '0.0.0.0', port: 7480, token: TOKEN }));
    expect(resolveNodeApi(dir).url).toBe('http://127.0.0.1:7480');
    await writeFile(join(dir, 'node.json'), nodeJson({ host: '::1', port: 7480, token: TOKEN }));
    expect(resolveNodeApi(dir).url).toBe('http://[::1]:7480');
  });

  it('names the file and the field when something is missing, never the token', async () => {
    const dir = join(root, 'broken');
    await mkdir(dir);
    const missing = await rejection((async () => connect({ node: dir }))());
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing.details.file).toBe(join(dir, 'node.json'));

    await writeFile(join(dir, 'node.json'), nodeJson({ host: '127.0.0.1', port: 0, token: TOKEN }));
    const notRunning = await rejection((async () => connect({ node: dir }))());
    expect(notRunning).toBeInstanceOf(NotFound);
    expect(notRunning.message).toMatch(/node\.run\.json does not exist .* is the node running\?/);

    await writeFile(join(dir, 'node.json'), nodeJson({ host: '127.0.0.1', port: 7480 }));
    const noToken = await rejection((async () => connect({ node: dir }))());
    expect(noToken).toBeInstanceOf(ConfigError);
    expect(noToken.details).toEqual({ file: join(dir, 'node.json'), field: 'api.token' });

    await writeFile(join(dir, 'node.json'), `{ "api": { "token": "${TOKEN}" `);
    const notJson = await rejection((async () => connect({ node: dir }))());
    expect(notJson).toBeInstanceOf(ConfigError);
    expect(notJson.message).toBe(`${join(dir, 'node.json')}: not valid JSON`);

    await writeFile(join(dir, 'node.json'), nodeJson({ host: '127.0.0.1', port: 0, token: TOKEN }));
    await writeFile(join(dir, 'node.run.json'), JSON.stringify({ pid: 1, api: 'not a url' }));
    const badRun = await rejection((async () => connect({ node: dir }))());
    expect(hasCode(badRun, 'CONFIG')).toBe(true);
    expect(badRun.details).toEqual({ file: join(dir, 'node.run.json'), field: 'api' });
    for (const e of [missing, notRunning, noToken, notJson, badRun]) expect(e.message).not.toContain(TOKEN);
  });

  it('names the file the token came from when the node refuses it', async () => {
    const dir = join(root, 'stale-token');
    await mkdir(dir);
    await writeFile(join(dir, 'node.json'), nodeJson({ host: '127.0.0.1', port: 0, token: 'x'.repeat(43) }));
    await writeFile(
      join(dir, 'node.run.json'),
      JSON.stringify({ pid: process.pid, api: fake.url, startedAt: 1 }),
    );
    const e = await rejection(connect({ node: dir }).list());
    expect(e).toBeInstanceOf(Unauthorized);
    expect(e.message).toContain(`check api.token in ${join(dir, 'node.json')}`);
    expect(e.message).not.toContain('x'.repeat(43));
  });
});
