/**
 * Engines in worker threads: one EnginePool per party (as separate nodes
 * have), joined by @parley/transport's in-memory network, run garbled,
 * additive and replicated jobs with the plaintext evaluator's outputs, report
 * progress to the end, stop on cancel (the peers fail, never hang), carry the
 * engines' typed errors, and leave the main thread free. Needs `npm run
 * build` (the workers run the built engineWorker.js).
 */
import type { Worker } from 'node:worker_threads';
import {
  bristolProgram,
  CircuitBuilder,
  type Column,
  encodeInputs,
  evaluateProgram,
  int,
  type PlainInputs,
  type Program,
  readBristolFile,
} from '@parley/circuit';
import { hasCode, JobCancelled, ParleyError } from '@parley/interface';
import { MemoryNetwork } from '@parley/transport';
import { afterAll, describe, expect, it } from 'vitest';
import { ABORT_GRACE_MS, EnginePool, type EngineProgress, type EngineTask } from '../src/index.js';
import { rejection } from './_helpers.js';

const BRISTOL = `${process.env.PARLEY_SHARED_DATA ?? new URL('../../../../shared/data/', import.meta.url).pathname}/bristol`;

const values = (c: Column | undefined) => (c ? Array.from({ length: c.length }, (_, i) => c[i]) : undefined);

/** One pool of one worker per party, kept across the tests (as a node keeps its pool). */
const pools = new Map<string, EnginePool>();
const poolOf = (party: string) => {
  let p = pools.get(party);
  if (!p) {
    p = EnginePool.create(1);
    pools.set(party, p);
  }
  return p;
};
afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.close()));
});

let jobs = 0;

interface PartyResult {
  outputs?: Record<string, Column>;
  error?: ParleyError;
  progress: EngineProgress[];
  /** When `run` settled (performance.now()). */
  endedAt: number;
  /** Bytes the engine gave back to the transport (consumed), and the bytes the session received. */
  consumed?: number;
  received?: number;
}

/**
 * Runs `program` with every party's pool over one in-memory network, as
 * JobRunner will: a failed party aborts its transport session.
 */
async function runJob(
  program: Program,
  protocol: EngineTask['protocol'],
  inputs: PlainInputs,
  options: {
    timeoutMs?: number;
    signals?: Record<string, AbortSignal>;
    programOf?: (party: string) => Program;
    onProgress?: (party: string, p: EngineProgress) => void;
  } = {},
): Promise<Record<string, PartyResult>> {
  const { parties } = program;
  // A small receive high-water mark: the engines' messages are held until taken, as in a party node,
  // so reading from a peer pauses often; a protocol that needed a message behind held ones would hang.
  const net = new MemoryNetwork(parties, { limits: { receiveHighWaterMark: 128 * 1024 } });
  const id = `job-${jobs++}`;
  const sessions = await Promise.all(parties.map((p) => net.endpoint(p).openSession(id, parties)));
  try {
    const results = await Promise.all(
      parties.map(async (party, i): Promise<[string, PartyResult]> => {
        const session = sessions[i];
        const own = options.programOf?.(party) ?? program;
        const progress: EngineProgress[] = [];
        let consumed = 0;
        const traffic = () => ({ consumed, received: session.stats().total.bytesReceived });
        try {
          const outputs = await poolOf(party).run(
            {
              protocol,
              program: own,
              party,
              inputs: encodeInputs(own, inputs, party),
              timeoutMs: options.timeoutMs ?? 10_000,
            },
            {
              send: (to, bytes) => session.send(to, bytes),
              onMessage: (h, o) => session.onMessage(h, o),
              consumed: (from, bytes) => {
                consumed += bytes;
                session.consumed(from, bytes);
              },
              onProgress: (p) => {
                progress.push(p);
                options.onProgress?.(party, p);
              },
              signal: options.signals?.[party],
              ended: session.ended,
            },
          );
          return [party, { outputs, progress, endedAt: performance.now(), ...traffic() }];
        } catch (e) {
          session.abort(e as Error);
          return [party, { error: e as ParleyError, progress, endedAt: performance.now(), ...traffic() }];
        }
      }),
    );
    return Object.fromEntries(results);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
    await net.close();
  }
}

function expectPlaintextOutputs(program: Program, inputs: PlainInputs, results: Record<string, PartyResult>) {
  // Every byte a party received was taken by its engine and given back to the transport.
  for (const [party, r] of Object.entries(results)) {
    if (r.error === undefined) expect(r.consumed, `${party}: bytes given back`).toBe(r.received);
  }
  const want = evaluateProgram(program, encodeInputs(program, inputs));
  for (const o of program.outputs) {
    for (const party of o.recipients) {
      expect(results[party].error, `${party}: ${results[party].error?.message}`).toBeUndefined();
      expect(values(results[party].outputs?.[o.name]), `${party}.${o.name}`).toEqual(values(want[o.name]));
    }
  }
}

function expectProgressToTheEnd(all: EngineProgress[], unit: string, total?: number) {
  // A garbled program lowered whole reports its lowering first (none when the worker has it cached).
  const lowering = all.filter((p) => p.unit === 'elements lowered');
  expect(all.slice(0, lowering.length)).toEqual(lowering);
  if (lowering.length > 0) {
    expect(unit).toBe('AND gates');
    expectPhaseToTheEnd(lowering);
  }
  const log = all.slice(lowering.length);
  expectPhaseToTheEnd(log);
  for (const p of log) expect(p.unit).toBe(unit);
  if (total !== undefined) expect((log.at(-1) as EngineProgress).total).toBe(total);
}

/** Reports of one unit: a constant total, done never going back, the last at the total. */
function expectPhaseToTheEnd(log: EngineProgress[]) {
  expect(log.length).toBeGreaterThan(0);
  for (const [i, p] of log.entries()) {
    expect(p.total).toBe(log[0].total);
    if (i > 0) expect(p.done).toBeGreaterThanOrEqual(log[i - 1].done);
  }
  const last = log.at(-1) as EngineProgress;
  expect(last.done).toBe(last.total);
}

function products(n: number, combine: 'mul' | 'add' = 'mul'): Program {
  const b = new CircuitBuilder(['alice', 'bob']);
  const x = b.input('alice', 'x', int(32), n);
  const y = b.input('bob', 'y', int(32), n);
  b.output('prod', combine === 'mul' ? x.mul(y) : x.add(y), ['alice', 'bob']);
  b.output('max', x.max(y), ['bob']);
  return b.build();
}

const productInputs = (n: number): PlainInputs => ({
  alice: { x: Array.from({ length: n }, (_, i) => i * 1_000_003 - 18_000_000) },
  bob: { y: Array.from({ length: n }, (_, i) => 7919 * i - 100_000) },
});

function threeParties(n = 8): Program {
  const b = new CircuitBuilder(['p0', 'p1', 'p2']);
  const x = b.input('p0', 'x', int(32), n);
  const y = b.input('p1', 'y', int(32), n);
  const z = b.input('p2', 'z', int(32), n);
  const xy = x.mul(y);
  b.output('sum', xy.add(z).sum(), ['p0', 'p1', 'p2']);
  b.output('max', x.max(z), ['p1']);
  b.output('above', xy.gt(z).cast(int(32)).sum(), ['p2']);
  return b.build();
}

const threeInputs: PlainInputs = {
  p0: { x: [1, -2, 3, 4, 50, 6, 7, -8] },
  p1: { y: [8, 7, -6, 5, 4, 3, 2, 1] },
  p2: { z: [0, 10, -20, 30, 40, -50, 60, 70] },
};

describe('engines in worker pools', () => {
  it('two parties, garbled: AES-128 (6,400 AND gates) and a vector program, twice under one OT setup', async () => {
    const aes = bristolProgram(await readBristolFile(`${BRISTOL}/aes_128.txt`));
    const aesInputs = {
      party0: { '0': 0x000102030405060708090a0b0c0d0e0fn },
      party1: { '1': 0x00112233445566778899aabbccddeeffn },
    };
    const r = await runJob(aes, 'garbled', aesInputs);
    expectPlaintextOutputs(aes, aesInputs, r);
    expect(values(r.party0.outputs?.['0'])).toEqual([0x69c4e0d86a7b0430d8cdb78070b4c55an]);
    for (const party of aes.parties) {
      // A fresh worker lowers the program (one call node) first, and says so.
      expect(r[party].progress[0]).toMatchObject({ unit: 'elements lowered' });
      expectProgressToTheEnd(r[party].progress, 'AND gates', 6400);
    }

    const p = products(40);
    for (let k = 0; k < 2; k++) {
      const v = await runJob(p, 'auto', productInputs(40));
      expectPlaintextOutputs(p, productInputs(40), v);
      for (const party of p.parties) expectProgressToTheEnd(v[party].progress, 'AND gates');
    }
  });

  for (const protocol of ['sharing', 'replicated'] as const) {
    it(`three parties, ${protocol}: outputs of the plaintext evaluator, progress to the end`, async () => {
      const p = threeParties();
      const r = await runJob(p, protocol, threeInputs);
      expectPlaintextOutputs(p, threeInputs, r);
      for (const party of p.parties) expectProgressToTheEnd(r[party].progress, 'operations', p.nodes.length);
    });
  }

  it("an engine's typed error crosses the worker: a party running another program", async () => {
    const p = products(4);
    const other = products(4, 'add');
    const r = await runJob(p, 'garbled', productInputs(4), {
      programOf: (party) => (party === 'bob' ? other : p),
    });
    for (const party of p.parties) {
      const e = r[party].error;
      expect(e).toBeInstanceOf(ParleyError);
      expect(e?.code).toBe('SETUP_MISMATCH');
      expect(e?.family).toBe('security');
      expect(e?.message).toMatch(/setup digests differ/);
      expect(e?.details.party).toBeDefined();
    }
  });
});

describe('cancel', () => {
  it('garbled: the cancelled party rejects with CANCELLED, its peer fails at once, nobody hangs', async () => {
    const n = 600;
    const controller = new AbortController();
    let abortedAt = 0;
    const r = await runJob(products(n), 'garbled', productInputs(n), {
      timeoutMs: 2000,
      signals: { alice: controller.signal },
      // Cancelled while the garbler's tables are flowing.
      onProgress: (party) => {
        if (party !== 'alice' || abortedAt > 0) return;
        abortedAt = performance.now();
        controller.abort(new JobCancelled('cancelled by the operator'));
      },
    });
    expect(abortedAt).toBeGreaterThan(0);
    expect(r.alice.error?.code).toBe('CANCELLED');
    expect(r.alice.error?.message).toBe('cancelled by the operator');
    expect(r.bob.error, 'the peer fails').toBeInstanceOf(ParleyError);
    expect(r.bob.error?.code).toBe('CANCELLED');
    for (const party of ['alice', 'bob']) {
      expect(r[party].progress.some((p) => p.done === p.total)).toBe(false);
      // Within the grace period, well within the peer's receive timeout (2 s): the abort reached both engines.
      expect(r[party].endedAt - abortedAt).toBeLessThan(ABORT_GRACE_MS);
    }
  });

  it('a cancel before the worker reaches the engine still rejects within the grace period', async () => {
    const controller = new AbortController();
    const t0 = performance.now();
    // The job is lowered in the worker while the cancel arrives; the peers never start.
    setTimeout(() => controller.abort(new JobCancelled('cancelled early')), 5);
    const e = await rejection(
      poolOf('alice').run(
        {
          protocol: 'garbled',
          program: products(300),
          party: 'alice',
          inputs: encodeInputs(products(300), productInputs(300), 'alice'),
          timeoutMs: 30_000,
        },
        { send: () => {}, onMessage: () => {}, signal: controller.signal },
      ),
    );
    expect(e.code).toBe('CANCELLED');
    expect(performance.now() - t0).toBeLessThan(ABORT_GRACE_MS + 500);
  });

  it('replicated: one party of three cancelled mid-job, every party fails with CANCELLED', async () => {
    const n = 4000;
    const inputs = {
      p0: { x: Array.from({ length: n }, (_, i) => i - 2000) },
      p1: { y: Array.from({ length: n }, (_, i) => 3 * i) },
      p2: { z: Array.from({ length: n }, (_, i) => 7 - i) },
    };
    const controller = new AbortController();
    let abortedAt = 0;
    const r = await runJob(threeParties(n), 'replicated', inputs, {
      timeoutMs: 2000,
      signals: { p1: controller.signal },
      onProgress: (party) => {
        if (party !== 'p1' || abortedAt > 0) return;
        abortedAt = performance.now();
        controller.abort(new JobCancelled('cancelled by the operator'));
      },
    });
    expect(abortedAt).toBeGreaterThan(0);
    for (const party of ['p0', 'p1', 'p2']) {
      expect(r[party].error?.code, party).toBe('CANCELLED');
      expect(r[party].endedAt - abortedAt).toBeLessThan(ABORT_GRACE_MS);
    }
  });

  it('sharing: one party of three cancelled before it starts, every party fails', async () => {
    const controller = new AbortController();
    controller.abort(new JobCancelled('cancelled before it started'));
    const t0 = performance.now();
    const r = await runJob(threeParties(), 'sharing', threeInputs, {
      timeoutMs: 2000,
      signals: { p1: controller.signal },
    });
    expect(r.p1.error?.code).toBe('CANCELLED');
    for (const party of ['p0', 'p2']) {
      expect(r[party].error, party).toBeInstanceOf(ParleyError);
      expect(r[party].endedAt - t0).toBeLessThan(4000);
    }
  });

  it('an abort without a ParleyError reason rejects with JobCancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await rejection(
      poolOf('alice').run(
        { protocol: 'garbled', program: products(1), party: 'alice', inputs: new Map(), timeoutMs: 100 },
        { send: () => {}, onMessage: () => {}, signal: controller.signal },
      ),
    );
    expect(hasCode(e, 'CANCELLED')).toBe(true);
  });
});

describe('the pool', () => {
  it('the main thread stays responsive while a long job computes', async () => {
    const n = 600;
    let last = performance.now();
    let longest = 0;
    let ticks = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      ticks++;
    }, 10);
    const t0 = performance.now();
    try {
      const r = await runJob(products(n), 'garbled', productInputs(n));
      expectPlaintextOutputs(products(n), productInputs(n), r);
      expect(r.bob.progress.length, 'progress along the way').toBeGreaterThan(1);
    } finally {
      clearInterval(ticker);
    }
    // About 600,000 AND gates garbled and evaluated: the timer kept ticking all along.
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(ms / 20));
    expect(longest).toBeLessThan(250);
  });

  it('a worker that dies fails its job with InternalError and is replaced on next use', async () => {
    const pool = EnginePool.create(1);
    try {
      const job = pool.run(
        {
          protocol: 'garbled',
          program: products(2),
          party: 'alice',
          inputs: encodeInputs(products(2), productInputs(2), 'alice'),
          timeoutMs: 30_000,
        },
        { send: () => {}, onMessage: () => {} },
      );
      // White box: the pool's only worker.
      const [w] = (pool as unknown as { slots: Array<{ worker: Worker } | undefined> }).slots;
      await w?.worker.terminate();
      const e = await rejection(job);
      expect(hasCode(e, 'INTERNAL')).toBe(true);
      // A new worker takes the next job (it fails on its own terms: no peer answers).
      const again = await rejection(
        pool.run(
          {
            protocol: 'garbled',
            program: products(2),
            party: 'alice',
            inputs: encodeInputs(products(2), productInputs(2), 'alice'),
            timeoutMs: 200,
          },
          { send: () => {}, onMessage: () => {} },
        ),
      );
      expect(hasCode(again, 'TIMEOUT')).toBe(true);
    } finally {
      await pool.close();
    }
    await expect(
      pool.run(
        { protocol: 'garbled', program: products(1), party: 'alice', inputs: new Map(), timeoutMs: 100 },
        { send: () => {}, onMessage: () => {} },
      ),
    ).rejects.toThrow(/closed/);
  });

  it('refuses a size out of range, by name', () => {
    expect(() => EnginePool.create(0)).toThrow(/engine pool size/);
    expect(() => EnginePool.create(1.5)).toThrow(/engine pool size/);
  });
});
