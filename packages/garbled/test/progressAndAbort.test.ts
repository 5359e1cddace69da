/** A session reports AND gates done of the job's, chunk by chunk, ending at the total; `abort` ends both parties. */
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
import { hasCode, JobCancelled, type ParleyError } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { type GarbledProgress, GarbledSession, garbledJob, outputColumns } from '../src/index.js';

const BRISTOL = `${process.env.PARLEY_SHARED_DATA ?? new URL('../../../../shared/data/', import.meta.url).pathname}/bristol`;

const values = (c: Column | undefined) => (c ? Array.from({ length: c.length }, (_, i) => c[i]) : undefined);

/** Both parties in memory, each with its own progress log; `onSend` sees every message a party sends. */
function run(
  program: Program,
  inputs: PlainInputs,
  options: {
    chunkElements?: number;
    onSend?: (from: string, sessions: Map<string, GarbledSession>) => void;
  } = {},
) {
  const sessions = new Map<string, GarbledSession>();
  const progress: Record<string, GarbledProgress[]> = {};
  for (const party of program.parties) {
    progress[party] = [];
    const job = garbledJob(program, party, inputs[party] ?? {}, options);
    const session = GarbledSession.forJob(
      job,
      party,
      (to, msg) => {
        options.onSend?.(party, sessions);
        setImmediate(() => sessions.get(to)?.handleMessage(party, msg));
      },
      { timeoutMs: 5000, onProgress: (p) => progress[party].push(p) },
    );
    sessions.set(party, session);
  }
  const outputs = Promise.all(
    [...sessions].map(([party, s]) =>
      s.output().then(
        (bits) => [party, outputColumns(program, bits)] as const,
        (e: ParleyError) => [party, e] as const,
      ),
    ),
  );
  return { sessions, progress, outputs };
}

/** The outputs of a party that succeeded. */
function ok(result: Record<string, Column> | ParleyError | undefined): Record<string, Column> {
  if (!result || result instanceof Error) throw result ?? new Error('no result');
  return result;
}

function expectProgress(log: GarbledProgress[], total: number): void {
  expect(log.length).toBeGreaterThan(0);
  for (const [i, p] of log.entries()) {
    expect(p.unit).toBe('AND gates');
    expect(p.total).toBe(total);
    if (i > 0) expect(p.done).toBeGreaterThan(log[i - 1].done);
  }
  expect(log.at(-1)?.done).toBe(total);
  expect(log.filter((p) => p.done === total)).toHaveLength(1);
}

function vectorProgram(n: number): Program {
  const b = new CircuitBuilder(['alice', 'bob']);
  const x = b.input('alice', 'x', int(32), n);
  const y = b.input('bob', 'y', int(32), n);
  b.output('prod', x.mul(y), ['alice', 'bob']);
  return b.build();
}

describe('garbled session progress', () => {
  it('AES-128: 6,400 AND gates on both sides, ending at the total', async () => {
    const aes = bristolProgram(await readBristolFile(`${BRISTOL}/aes_128.txt`));
    const r = run(aes, {
      party0: { '0': 0x000102030405060708090a0b0c0d0e0fn },
      party1: { '1': 0x00112233445566778899aabbccddeeffn },
    });
    const outs = Object.fromEntries(await r.outputs);
    expect(values(ok(outs.party1)['0'])).toEqual([0x69c4e0d86a7b0430d8cdb78070b4c55an]);
    for (const party of aes.parties) expectProgress(r.progress[party], 6400);
  });

  it('a streamed job reports chunk by chunk, monotone, with the total of every chunk', async () => {
    const n = 60;
    const p = vectorProgram(n);
    const inputs = {
      alice: { x: Array.from({ length: n }, (_, i) => i * 1_000_003 - 18_000_000) },
      bob: { y: Array.from({ length: n }, (_, i) => 7919 * i - 100_000) },
    };
    const r = run(p, inputs, { chunkElements: 7 });
    const outs = Object.fromEntries(await r.outputs);
    const want = evaluateProgram(p, encodeInputs(p, inputs));
    expect(values(ok(outs.bob).prod)).toEqual(values(want.prod));
    const total = r.sessions.get('alice')!.stats().andGates;
    expect(total).toBeGreaterThan(n * 900);
    for (const party of p.parties) {
      expectProgress(r.progress[party], total);
      // Nine chunks of elements: a report per chunk at least, never one per gate.
      expect(r.progress[party].length).toBeGreaterThanOrEqual(9);
      expect(r.progress[party].length).toBeLessThan(100);
    }
  });
});

describe('garbled session abort', () => {
  it('aborting one party mid-job ends both with its error', async () => {
    const n = 200;
    const p = vectorProgram(n);
    const inputs = {
      alice: { x: Array.from({ length: n }, (_, i) => i) },
      bob: { y: Array.from({ length: n }, (_, i) => i + 1) },
    };
    let sent = 0;
    const r = run(p, inputs, {
      chunkElements: 10,
      // The garbler is cancelled once its tables are flowing.
      onSend: (from, sessions) => {
        if (from === 'alice' && ++sent === 8) sessions.get('alice')!.abort(new JobCancelled('cancelled'));
      },
    });
    const results = await r.outputs;
    for (const [party, result] of results) {
      expect(hasCode(result, 'CANCELLED'), `${party}: ${String(result)}`).toBe(true);
    }
    // Neither party got to the end of the job.
    for (const party of p.parties) expect(r.progress[party].some((x) => x.done === x.total)).toBe(false);
  });

  it('abort after the outputs changes nothing', async () => {
    const p = vectorProgram(3);
    const r = run(p, { alice: { x: [1, 2, 3] }, bob: { y: [4, 5, 6] } });
    const outs = Object.fromEntries(await r.outputs);
    expect(values(ok(outs.alice).prod)).toEqual([4n, 10n, 18n]);
    r.sessions.get('alice')!.abort(new JobCancelled('late'));
    // The session still hands out the same outputs after the abort.
    const after = outputColumns(p, await r.sessions.get('alice')!.output());
    expect(values(after.prod)).toEqual([4n, 10n, 18n]);
    expect(after).toEqual(outs.alice);
  });
});
