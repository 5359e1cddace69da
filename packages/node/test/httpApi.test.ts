/**
 * The operator API in front of a real JobCoordinator, JobStore and JobRunner
 * (bankB's; its control channel and party endpoint are stand-ins the test
 * drives): a submission is answered once the job is recorded, whatever the
 * other parties' links do; a program over the cap is refused up front; a
 * cancel answers with the job as the cancel left it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CircuitBuilder, computationId, encodeProgram, type Program, uint } from '@parley/circuit';
import type { Ledger } from '@parley/ledger';
import type { ControlChannel, WsEndpoint } from '@parley/transport';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApi, MAX_BODY_BYTES } from '../src/daemon/httpApi.js';
import {
  type EnginePool,
  encodeJobMessage,
  JobCoordinator,
  type JobMessage,
  JobRunner,
  JobStore,
  MAX_PROGRAM_BYTES,
  type NodeConfig,
  policySchema,
} from '../src/index.js';
import { twoBanks } from './_helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-api-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const consortium = twoBanks(7200);
const policy = policySchema.parse({
  version: 1,
  allow: [{ computation: 'test', outputRecipients: ['bankA', 'bankB'] }],
});
const TOKEN = 't'.repeat(43);

/** A job of bankA and bankB with inputs of bankA only (bankB's policy needs no data for it). */
function program(): Program {
  const b = new CircuitBuilder(['bankA', 'bankB']);
  b.output('s', b.input('bankA', 'x', uint(8), 1), ['bankA', 'bankB']);
  return b.build();
}

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * bankB's API; `send` is its control channel's (by default it never
 * completes: bankA is down), `deliver` hands it a message from bankA. The
 * runner's sessions never open (bankA never joins them): a job it runs
 * stays at its first step until it is cancelled.
 */
function bankB(file: string, send: () => Promise<void> = () => new Promise<void>(() => {})) {
  let handler: ((from: string, bytes: Uint8Array) => void) | undefined;
  const control: ControlChannel = {
    maxMessageBytes: 64 << 20,
    send,
    onMessage(h) {
      handler = h;
      return () => undefined;
    },
  };
  const log = pino({ level: 'silent' });
  const store = JobStore.open(join(dir, file));
  const endpoint = { openSession: () => new Promise(() => {}) } as unknown as WsEndpoint;
  const runner = new JobRunner({
    self: 'bankB',
    dir,
    config: {} as NodeConfig,
    store,
    endpoint,
    log,
    engines: {} as EnginePool,
  });
  const jobs = new JobCoordinator({
    self: 'bankB',
    consortium,
    policy,
    store,
    control,
    log,
    onApproved: (job, protocol, p, bindings, tables) => void runner.run(job, protocol, p, bindings, tables),
  });
  const app = createHttpApi({
    nodeName: 'bankB',
    token: TOKEN,
    logger: log,
    metrics: new Registry(),
    health: () => ({}),
    jobs,
    store,
    runner,
    ledger: {} as Ledger,
  });
  closers.push(
    () => store.close(),
    () => jobs.close(),
    () => app.close(),
  );
  return { app, store, deliver: (m: JobMessage) => handler!('bankA', encodeJobMessage(m)) };
}

function post(app: FastifyInstance, url: string, payload?: unknown) {
  return app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: payload as never,
  });
}

/** bankA's proposal of `job`, and its approval. */
function fromBankA(job: string): { propose: JobMessage; approve: JobMessage } {
  const p = program();
  const id = computationId(p, { name: 'test', protocol: 'garbled', tables: undefined });
  return {
    propose: {
      t: 'propose',
      job,
      name: 'test',
      protocol: 'garbled',
      computationId: id,
      program: encodeProgram(p),
    },
    approve: { t: 'decision', job, approved: true, computationId: id },
  };
}

describe('POST /jobs', () => {
  it('answers 202 with the recorded job at once while a party is down (the proposal is still being sent)', async () => {
    const { app, store } = bankB('submitDown.db');
    const started = Date.now();
    const answer = await Promise.race([
      post(app, '/jobs', { name: 'test', program: Buffer.from(encodeProgram(program())).toString('base64') }),
      new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 3000)),
    ]);
    expect(answer).not.toBe('no answer');
    const res = answer as Awaited<ReturnType<typeof post>>;
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ state: 'proposed', proposer: 'bankB', parties: ['bankA', 'bankB'] });
    expect(store.get(res.json().id).state).toBe('proposed');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a program over MAX_PROGRAM_BYTES with LIMIT_EXCEEDED naming it, before any job exists', async () => {
    const { app, store } = bankB('submitBig.db');
    const big = Buffer.alloc(MAX_PROGRAM_BYTES + 1, 0x7b).toString('base64');
    const res = await post(app, '/jobs', { name: 'test', program: big });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: `the program is ${MAX_PROGRAM_BYTES + 1} bytes, more than the ${MAX_PROGRAM_BYTES} a job's program may be`,
    });
    expect(store.list()).toEqual([]);
  });

  it('refuses a body too large to hold a program with LIMIT_EXCEEDED (413), over a real connection', async () => {
    const { app, store } = bankB('submitHuge.db');
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${address}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'test', program: 'A'.repeat(MAX_BODY_BYTES) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: `the request body is more than the ${MAX_BODY_BYTES} bytes a request may be (a job's program may be at most ${MAX_PROGRAM_BYTES} bytes)`,
    });
    expect(store.list()).toEqual([]);
  });
});

describe('POST /jobs/:id/cancel', () => {
  it('answers with the job cancelled when it is running (the runner ends it after the request’s cancel)', async () => {
    const { app, store, deliver } = bankB('cancelRunning.db', () => Promise.resolve());
    const job = '1'.repeat(32);
    const { propose, approve } = fromBankA(job);
    deliver(propose);
    deliver(approve);
    expect(store.get(job).state).toBe('approved');
    const res = await post(app, `/jobs/${job}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: job,
      state: 'cancelled',
      error: { code: 'CANCELLED', message: 'cancelled by the operator of bankB' },
    });
    expect(store.get(job).state).toBe('cancelled');
  });

  it('answers with the job cancelled when it is still being decided', async () => {
    const { app, deliver } = bankB('cancelPending.db', () => Promise.resolve());
    const job = '2'.repeat(32);
    deliver(fromBankA(job).propose);
    const res = await post(app, `/jobs/${job}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: job, state: 'cancelled', error: { code: 'CANCELLED' } });
    expect((await post(app, `/jobs/${job}/cancel`)).statusCode).toBe(409);
  });
});
