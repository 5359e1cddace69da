/**
 * The job coordinator's handling of what peers propose: a real JobCoordinator
 * and JobStore (SQLite on disk), its control channel a recorder of the
 * messages it sends, so the test can hand it peers' messages directly. Nothing
 * a peer proposes may throw out of the message handler (which would end the
 * node); a program whose outputs could not go on the ledger is refused before
 * it runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { bit, CircuitBuilder, computationId, encodeProgram, type Program, uint } from '@parley/circuit';
import { type Consortium, hasCode } from '@parley/interface';
import type { ControlChannel } from '@parley/transport';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_MAX_ROWS,
  decodeJobMessage,
  EMPTY_POLICY,
  encodeJobMessage,
  JobCoordinator,
  type JobMessage,
  JobStore,
  MAX_AWAITING_PER_PEER,
  MAX_PROGRAM_BYTES,
  MAX_PROPOSAL_BYTES,
  type Policy,
  policySchema,
} from '../src/index.js';
import { rejection, twoBanks } from './_helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-coordinator-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const consortium = twoBanks(7000);

/** bankB's coordinator; `deliver` hands it a message from a peer, `sent` holds what it sent. */
function bankB(file: string, policy = EMPTY_POLICY, maxMessageBytes = 64 << 20) {
  let handler: ((from: string, bytes: Uint8Array) => void) | undefined;
  const sent: Array<{ to: string; m: JobMessage }> = [];
  const control: ControlChannel = {
    maxMessageBytes,
    async send(to, bytes) {
      sent.push({ to, m: decodeJobMessage(bytes, 'bankB') });
    },
    onMessage(h) {
      handler = h;
      return () => undefined;
    },
  };
  const store = JobStore.open(join(dir, file));
  const coordinator = new JobCoordinator({
    self: 'bankB',
    consortium,
    policy,
    store,
    control,
    log: pino({ level: process.env.DEBUG_LOG ? 'debug' : 'silent' }),
  });
  return {
    store,
    coordinator,
    sent,
    deliver: (from: string, m: JobMessage) => handler!(from, encodeJobMessage(m)),
  };
}

/** Job ids are 32 hex digits. */
const MANY = '1'.repeat(32);
const NAMES = '2'.repeat(32);
const HUGE = '3'.repeat(32);

function proposal(job: string, program: Program): JobMessage {
  return {
    t: 'propose',
    job,
    name: 'test',
    protocol: 'garbled',
    computationId: computationId(program, { name: 'test', protocol: 'garbled', tables: undefined }),
    program: encodeProgram(program),
  };
}

describe('JobCoordinator', () => {
  it('decides on a proposal that gives this party as many inputs as a program may hold (no stack overflow ends the node)', () => {
    // 44,000 inputs: as many as fit in MAX_PROGRAM_BYTES (a larger program is refused undecoded, below).
    const b = new CircuitBuilder(['bankA', 'bankB']);
    let sum = b.input('bankA', 'a', uint(8), 1);
    for (let i = 0; i < 44_000; i++) sum = sum.add(b.input('bankB', `x${i}`, uint(8), 1));
    b.output('total', sum, ['bankA', 'bankB']);
    const program = b.build();
    expect(encodeProgram(program).length).toBeLessThanOrEqual(MAX_PROGRAM_BYTES);
    const node = bankB('many.db');
    expect(() => node.deliver('bankA', proposal(MANY, program))).not.toThrow();
    // The empty policy refuses it: the job is recorded here as refused, and bankA hears why.
    expect(node.store.get(MANY).state).toBe('refused');
    expect(node.sent).toEqual([
      { to: 'bankA', m: expect.objectContaining({ t: 'decision', job: MANY, approved: false }) },
    ]);
    // Refused by the policy check, which ran to the end (not by the handler's last-resort catch).
    expect(node.store.get(MANY).error?.message).toMatch(/^bankB: no policy rule allows/);
    node.coordinator.close();
  }, 60_000);

  it('refuses, by the policy’s size bound, a proposal whose vectors no node could hold', () => {
    // A rule that allows the computation by name lets the proposer choose its size.
    const policy = policySchema.parse({
      version: 1,
      allow: [
        {
          computation: 'test',
          dataSources: ['accounts'],
          inputs: { x: { source: 'accounts', column: 'x' } },
          outputRecipients: ['bankA', 'bankB'],
        },
      ],
    });
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const x = b.input('bankB', 'x', uint(32), 2 ** 30);
    b.output('total', x.add(b.input('bankA', 'y', uint(32), 2 ** 30)).sum(), ['bankA', 'bankB']);
    const node = bankB('huge.db', policy);
    node.deliver('bankA', proposal(HUGE, b.build()));
    expect(node.store.get(HUGE)).toMatchObject({
      state: 'refused',
      error: {
        code: 'POLICY_REFUSED',
        message: `bankB: a vector of ${2 ** 30} rows is above the policy's maximum of ${DEFAULT_MAX_ROWS}`,
      },
    });
    expect(node.sent).toEqual([
      { to: 'bankA', m: expect.objectContaining({ t: 'decision', job: HUGE, approved: false }) },
    ]);
    node.coordinator.close();
  });

  it('refuses at submission a proposal larger than a control message, before any job exists', async () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    let sum = b.input('bankA', 'a', uint(8), 1);
    for (let i = 0; i < 200; i++) sum = sum.add(b.input('bankB', `x${i}`, uint(8), 1));
    b.output('total', sum, ['bankA', 'bankB']);
    const program = encodeProgram(b.build());
    const node = bankB('large.db', EMPTY_POLICY, 4096);
    expect(program.length).toBeGreaterThan(4096);
    const e = await rejection(node.coordinator.submit({ name: 'test', protocol: 'sharing', program }));
    expect(hasCode(e, 'LIMIT_EXCEEDED')).toBe(true);
    expect(e.message).toMatch(/^the proposal is \d+ bytes, more than the 4096 a control message may hold$/);
    expect(node.store.list()).toEqual([]);
    expect(node.sent).toEqual([]);
    node.coordinator.close();
  });

  it('refuses outputs a ledger entry cannot hold: at submission, and in a peer proposal', async () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const x = b.input('bankA', 'x', uint(8), 1).add(b.input('bankB', 'y', uint(8), 1));
    b.output('ok', x, ['bankA', 'bankB']);
    b.output('n'.repeat(129), x, ['bankA', 'bankB']);
    const program = b.build();
    const node = bankB('names.db');
    const e = await rejection(
      node.coordinator.submit({ name: 'test', protocol: 'garbled', program: encodeProgram(program) }),
    );
    expect(hasCode(e, 'INVALID_ARGUMENT')).toBe(true);
    expect(e.message).toMatch(/output 1 cannot be recorded: .*longer than 128 characters/);
    expect(node.store.list()).toEqual([]);

    node.deliver('bankA', proposal(NAMES, program));
    expect(node.store.find(NAMES)).toBeUndefined();
    expect(node.sent).toEqual([
      {
        to: 'bankA',
        m: expect.objectContaining({
          t: 'decision',
          job: NAMES,
          approved: false,
          reason: expect.stringMatching(/output 1 cannot be recorded/),
        }),
      },
    ]);

    const many = new CircuitBuilder(['bankA', 'bankB']);
    const v = many.input('bankA', 'x', uint(8), 1).add(many.input('bankB', 'y', uint(8), 1));
    for (let i = 0; i < 257; i++) many.output(`o${i}`, v, ['bankA', 'bankB']);
    const tooMany = await rejection(
      node.coordinator.submit({ name: 'test', protocol: 'garbled', program: encodeProgram(many.build()) }),
    );
    expect(tooMany.message).toMatch(/257 outputs; a ledger entry holds at most 256/);
    node.coordinator.close();
  });

  it('refuses replicated sharing for a computation without three parties, before a job exists', async () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    b.output('s', b.input('bankA', 'x', uint(8), 1).add(b.input('bankB', 'y', uint(8), 1)), ['bankA']);
    const node = bankB('replicated.db');
    const e = await rejection(
      node.coordinator.submit({ name: 'test', protocol: 'replicated', program: encodeProgram(b.build()) }),
    );
    expect(hasCode(e, 'INVALID_ARGUMENT')).toBe(true);
    expect(e.message).toMatch(/replicated sharing runs three parties; this computation has 2/);
    expect(node.store.list()).toEqual([]);
    node.coordinator.close();
  });
});

/** Four members; jobs of bankA, bankB and bankC; bankD sends what it likes. */
const four: Consortium = {
  parties: ['bankA', 'bankB', 'bankC', 'bankD'].map((name, i) => ({
    name,
    publicKey: `${i + 1}`.repeat(64),
    address: `127.0.0.1:${7100 + i}`,
  })),
};

/** A policy under which bankB approves `test` (bankB has no input of it). */
const approving = policySchema.parse({
  version: 1,
  allow: [{ computation: 'test', outputRecipients: ['bankA', 'bankB', 'bankC'] }],
});

/** bankB's coordinator in `consortium`, with its log lines kept; `send` is the control channel's. */
function node(
  file: string,
  o: {
    consortium?: Consortium;
    policy?: Policy;
    decisionTimeoutMs?: number;
    send?: (to: string, bytes: Uint8Array) => Promise<void>;
  } = {},
) {
  let handler: ((from: string, bytes: Uint8Array) => void) | undefined;
  const sent: Array<{ to: string; m: JobMessage }> = [];
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const control: ControlChannel = {
    maxMessageBytes: 64 << 20,
    send(to, bytes) {
      sent.push({ to, m: decodeJobMessage(bytes, 'bankB') });
      return o.send ? o.send(to, bytes) : Promise.resolve();
    },
    onMessage(h) {
      handler = h;
      return () => undefined;
    },
  };
  const store = JobStore.open(join(dir, file));
  const approved: string[] = [];
  const coordinator = new JobCoordinator({
    self: 'bankB',
    consortium: o.consortium ?? four,
    policy: o.policy ?? approving,
    store,
    control,
    log: pino({ level: 'debug' }, sink),
    decisionTimeoutMs: o.decisionTimeoutMs,
    onApproved: (job) => approved.push(job.id),
  });
  return {
    store,
    coordinator,
    sent,
    lines,
    approved,
    deliver: (from: string, m: JobMessage) => handler!(from, encodeJobMessage(m)),
    deliverBytes: (from: string, bytes: Uint8Array) => handler!(from, bytes),
  };
}

type Proposal = Extract<JobMessage, { t: 'propose' }>;

/** A job of bankA, bankB and bankC (inputs of bankA and bankC only), as bankA proposes it. */
function threeParty(job: string): Proposal {
  const b = new CircuitBuilder(['bankA', 'bankB', 'bankC']);
  b.output('s', b.input('bankA', 'x', uint(8), 1).add(b.input('bankC', 'y', uint(8), 1)), [
    'bankA',
    'bankB',
    'bankC',
  ]);
  return proposal(job, b.build()) as Proposal;
}

/** The `i`-th job id of a series (32 hex digits). */
const jobId = (series: string, i: number) => `${series}${i.toString(16).padStart(31, '0')}`;

/** An approval of `job`, naming the computation a party approved (by default, that of threeParty). */
const approval = (job: string, computationId = threeParty(job).computationId): JobMessage => ({
  t: 'decision',
  job,
  approved: true,
  computationId,
});

describe('JobCoordinator, approvals name what they approved', () => {
  it('refuses a job whose parties approved different computations (a proposer that sent them different programs)', () => {
    const b = node('different.db');
    const job = jobId('c', 1);
    b.deliver('bankA', threeParty(job));
    b.deliver('bankA', approval(job));
    b.deliver('bankC', approval(job, 'f'.repeat(64)));
    expect(b.store.get(job)).toMatchObject({ state: 'refused', error: { code: 'PROTOCOL_VIOLATION' } });
    expect(b.store.get(job).error?.message).toMatch(/bankC approved computation f{64}, not [0-9a-f]{64}/);
    expect(b.approved).toEqual([]);
    b.coordinator.close();
  });

  it('refuses an approval that names no computation', () => {
    const b = node('unnamed.db');
    const job = jobId('c', 2);
    b.deliver('bankA', threeParty(job));
    b.deliver('bankA', { t: 'decision', job, approved: true });
    expect(b.store.get(job)).toMatchObject({ state: 'refused', error: { code: 'PROTOCOL_VIOLATION' } });
    b.coordinator.close();
  });
});

describe('JobCoordinator, what one member can make another node hold', () => {
  it("keeps other members' early decisions while one member sends decisions for made-up jobs", () => {
    const b = node('early.db');
    // bankD sends decisions for 2,000 jobs nobody proposed.
    for (let i = 0; i < 2000; i++) b.deliver('bankD', approval(jobId('d', i)));
    const job = jobId('a', 1);
    // bankC's approval of a real job arrives before bankA's proposal of it.
    b.deliver('bankC', approval(job));
    b.deliver('bankA', threeParty(job));
    b.deliver('bankA', approval(job));
    // bankC's early approval was kept: every party approved.
    expect(b.store.get(job).state).toBe('approved');
    expect(b.approved).toEqual([job]);
    b.coordinator.close();
  });

  it('refuses, with LimitExceeded, a member’s proposals past 16 waiting for decisions, without keeping them', () => {
    const b = node('flood.db');
    for (let i = 0; i < MAX_AWAITING_PER_PEER; i++) b.deliver('bankA', threeParty(jobId('b', i)));
    for (let i = 0; i < MAX_AWAITING_PER_PEER; i++) expect(b.store.get(jobId('b', i)).state).toBe('proposed');
    b.sent.length = 0;
    const over = jobId('b', MAX_AWAITING_PER_PEER);
    b.deliver('bankA', threeParty(over));
    // Recorded and refused at once here, and every other party hears the refusal (as of any refusal).
    expect(b.store.get(over)).toMatchObject({
      state: 'refused',
      error: {
        code: 'LIMIT_EXCEEDED',
        message: 'bankB: bankA has 16 proposals waiting for decisions on bankB, the most one party may have',
      },
    });
    const refusal = {
      t: 'decision',
      job: over,
      approved: false,
      reason: 'bankA has 16 proposals waiting for decisions on bankB, the most one party may have',
    };
    expect(b.sent).toEqual([
      { to: 'bankA', m: refusal },
      { to: 'bankC', m: refusal },
    ]);
    // Another member's proposals are not held back by bankA's.
    const fromC = jobId('c', 0);
    b.deliver('bankC', threeParty(fromC));
    expect(b.store.get(fromC).state).toBe('proposed');
    // Once one of bankA's is decided, bankA may propose again.
    b.deliver('bankA', approval(jobId('b', 0)));
    b.deliver('bankC', approval(jobId('b', 0)));
    expect(b.store.get(jobId('b', 0)).state).toBe('approved');
    const next = jobId('b', MAX_AWAITING_PER_PEER + 1);
    b.deliver('bankA', threeParty(next));
    expect(b.store.get(next).state).toBe('proposed');
    b.coordinator.close();
  });

  it('does not queue refusals without bound for a peer that reads nothing', () => {
    // The connection to bankA has no room: no send ever completes.
    const b = node('unread.db', { send: () => new Promise<void>(() => {}) });
    const bad: Proposal = { ...threeParty(jobId('e', 0)), program: new Uint8Array([1, 2, 3]) };
    for (let i = 0; i < 500; i++) b.deliver('bankA', { ...bad, job: jobId('e', i) });
    expect(b.sent.length).toBeGreaterThan(0);
    expect(b.sent.length).toBeLessThanOrEqual(32);
    b.coordinator.close();
  });

  it('tells the proposer only "internal error" when its proposal fails here for a runtime reason', () => {
    const b = node('closed.db');
    b.store.close();
    expect(() => b.deliver('bankA', threeParty(jobId('f', 0)))).not.toThrow();
    expect(b.sent).toEqual([
      {
        to: 'bankA',
        m: {
          t: 'decision',
          job: jobId('f', 0),
          approved: false,
          reason: 'the proposal could not be handled: internal error',
        },
      },
    ]);
    // This node's log has the runtime error itself.
    expect(b.lines.some((l) => /not open/.test(String(l.err)))).toBe(true);
    b.coordinator.close();
  });

  it('logs, and does not throw out of its timer, a failure to end a job whose decisions did not come', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const b = node('expire.db', { decisionTimeoutMs: 1000 });
      const job = jobId('9', 0);
      b.deliver('bankA', threeParty(job));
      expect(b.store.get(job).state).toBe('proposed');
      b.store.close();
      expect(() => vi.advanceTimersByTime(1001)).not.toThrow();
      expect(b.lines).toContainEqual(
        expect.objectContaining({ job, msg: 'ending a job without decisions failed' }),
      );
      b.coordinator.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("checks this node's input T.c against its policy when table T is another party's", () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    const amount = b.input('bankA', 'T.amount', uint(32), 2);
    b.input('bankA', 'T.$present', bit, 2);
    const mine = b.input('bankB', 'T.amount', uint(32), 1);
    b.output('total', amount.sum().add(mine), ['bankA', 'bankB']);
    const program = b.build();
    const tables = { tables: { T: { party: 'bankA', columns: ['amount'], rows: 2 } } };
    const job = jobId('7', 0);
    const n = node('crossNamed.db', {
      consortium,
      policy: policySchema.parse({
        version: 1,
        allow: [{ computation: 'test', outputRecipients: ['bankA', 'bankB'] }],
      }),
    });
    n.deliver('bankA', {
      ...(proposal(job, program) as Proposal),
      computationId: computationId(program, { name: 'test', protocol: 'garbled', tables }),
      tables,
    });
    // bankB's own input `T.amount` is bound to nothing: refused, not approved unread.
    expect(n.store.get(job)).toMatchObject({
      state: 'refused',
      error: { message: "bankB: the policy binds no data to input 'T.amount' of 'test'" },
    });
    n.coordinator.close();
  });
});

describe('JobCoordinator, what a proposal may be', () => {
  /** bankB's only answer: a refusal of `job` to bankA, its reason matching `reason`. */
  const refusedTo = (job: string, reason: RegExp) => [
    { to: 'bankA', m: { t: 'decision', job, approved: false, reason: expect.stringMatching(reason) } },
  ];

  it('refuses, before decoding it, a proposal whose program is over MAX_PROGRAM_BYTES', () => {
    const b = node('bigProgram.db');
    const job = jobId('a', 0x100);
    // Not a program at all: were it decoded, the refusal would say so, not name its size.
    const program = new Uint8Array(MAX_PROGRAM_BYTES + 1).fill(0x7b);
    b.deliver('bankA', { ...threeParty(job), program });
    expect(b.sent).toEqual(
      refusedTo(
        job,
        new RegExp(
          `^the proposal is not valid: the program is ${MAX_PROGRAM_BYTES + 1} bytes, more than the ${MAX_PROGRAM_BYTES} a job's program may be$`,
        ),
      ),
    );
    expect(b.store.find(job)).toBeUndefined();
    expect(b.approved).toEqual([]);
    b.coordinator.close();
  });

  it('does not decode a job message over MAX_PROPOSAL_BYTES: a proposal is refused to its proposer, anything else dropped', () => {
    const b = node('bigMessage.db');
    const job = jobId('a', 0x101);
    const bytes = encodeJobMessage({ ...threeParty(job), program: new Uint8Array(MAX_PROPOSAL_BYTES) });
    b.deliverBytes('bankA', bytes);
    expect(b.sent).toEqual(
      refusedTo(
        job,
        new RegExp(
          `^the proposal is not valid: the proposal is ${bytes.length} bytes, more than the ${MAX_PROPOSAL_BYTES} a proposal may be$`,
        ),
      ),
    );
    expect(b.store.find(job)).toBeUndefined();
    // Another kind of message, or a proposal that does not begin with its kind and job: logged, not answered.
    const record = encodeJobMessage({ t: 'record', job, entry: new Uint8Array(MAX_PROPOSAL_BYTES) });
    const { t, ...rest } = threeParty(jobId('a', 0x102));
    const reordered = encodeJobMessage({
      ...rest,
      program: new Uint8Array(MAX_PROPOSAL_BYTES),
      t,
    } as JobMessage);
    b.sent.length = 0;
    b.deliverBytes('bankA', record);
    b.deliverBytes('bankA', reordered);
    expect(b.sent).toEqual([]);
    expect(b.lines.filter((l) => l.msg === 'a job message too large to decode')).toHaveLength(3);
    b.coordinator.close();
  });

  it('refuses at submission a program over MAX_PROGRAM_BYTES, before decoding it and before any job exists', async () => {
    const b = node('bigSubmit.db');
    const program = new Uint8Array(MAX_PROGRAM_BYTES + 1).fill(0x7b);
    const e = await rejection(b.coordinator.submit({ name: 'test', protocol: 'sharing', program }));
    expect(hasCode(e, 'LIMIT_EXCEEDED')).toBe(true);
    expect(e.message).toBe(
      `the program is ${MAX_PROGRAM_BYTES + 1} bytes, more than the ${MAX_PROGRAM_BYTES} a job's program may be`,
    );
    expect(e.details).toMatchObject({ field: 'program', limit: MAX_PROGRAM_BYTES });
    expect(b.store.list()).toEqual([]);
    expect(b.sent).toEqual([]);
    b.coordinator.close();
  });

  it('refuses, without approving or keeping it, a proposal that names a party outside the consortium', () => {
    const b = node('stranger.db');
    const job = jobId('a', 0x103);
    const c = new CircuitBuilder(['bankA', 'bankB', 'mallory']);
    c.output(
      's',
      c
        .input('bankA', 'x', uint(16), 3)
        .add(c.input('mallory', 'y', uint(16), 3))
        .sum(),
      ['bankA', 'bankB'],
    );
    // bankB's policy approves this computation by name: only the membership check refuses it.
    b.deliver('bankA', proposal(job, c.build()));
    expect(b.sent).toEqual(
      refusedTo(
        job,
        /^the proposal is not valid: the computation names parties that are not consortium members: mallory$/,
      ),
    );
    expect(b.store.find(job)).toBeUndefined();
    // An approval that arrives for it is not taken as the start of a job either.
    b.deliver('bankA', approval(job));
    expect(b.store.find(job)).toBeUndefined();
    expect(b.approved).toEqual([]);
    b.coordinator.close();
  });
});

describe('JobCoordinator, submission', () => {
  it('answers once the job is recorded, while a party is unreachable; the job then ends on the decision timeout', async () => {
    // No send completes: bankA and bankC are down, the transport still trying to connect.
    const b = node('unreachable.db', { send: () => new Promise<void>(() => {}), decisionTimeoutMs: 300 });
    const program = encodeProgram(
      (() => {
        const c = new CircuitBuilder(['bankA', 'bankB', 'bankC']);
        c.output('s', c.input('bankA', 'x', uint(8), 1).add(c.input('bankC', 'y', uint(8), 1)), ['bankB']);
        return c.build();
      })(),
    );
    const answer = await Promise.race([
      b.coordinator.submit({ name: 'test', protocol: 'sharing', program }),
      new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 2000)),
    ]);
    expect(answer).toMatchObject({ state: 'proposed', proposer: 'bankB' });
    const job = (answer as { id: string }).id;
    // The proposal went to each party, before this node's own decision.
    expect(b.sent.map((s) => `${s.to} ${s.m.t}`)).toEqual([
      'bankA propose',
      'bankC propose',
      'bankA decision',
      'bankC decision',
    ]);
    await new Promise((r) => setTimeout(r, 400));
    expect(b.store.get(job)).toMatchObject({
      state: 'failed',
      error: { code: 'TIMEOUT', message: 'no decision from bankA, bankC within 300 ms' },
    });
    b.coordinator.close();
  });
});
