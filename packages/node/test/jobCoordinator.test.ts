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
import { CircuitBuilder, computationId, encodeProgram, type Program, uint } from '@parley/circuit';
import { type Consortium, hasCode } from '@parley/interface';
import type { ControlChannel } from '@parley/transport';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_ROWS,
  decodeJobMessage,
  EMPTY_POLICY,
  encodeJobMessage,
  JobCoordinator,
  type JobMessage,
  JobStore,
  policySchema,
} from '../src/index.js';
import { rejection } from './_helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-coordinator-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const consortium: Consortium = {
  parties: ['bankA', 'bankB'].map((name, i) => ({
    name,
    publicKey: `${i + 1}`.repeat(64),
    address: `127.0.0.1:${7000 + i}`,
  })),
};

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
  it('decides on a proposal that gives this party 200,000 inputs (no stack overflow ends the node)', () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    let sum = b.input('bankA', 'a', uint(8), 1);
    for (let i = 0; i < 200_000; i++) sum = sum.add(b.input('bankB', `x${i}`, uint(8), 1));
    b.output('total', sum, ['bankA', 'bankB']);
    const node = bankB('many.db');
    expect(() => node.deliver('bankA', proposal(MANY, b.build()))).not.toThrow();
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
