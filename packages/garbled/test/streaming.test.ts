/** Streaming: an elementwise program runs chunk by chunk under one OT setup, with the same outputs. */
import { CircuitBuilder, type Column, encodeInputs, evaluateProgram, int, uint } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { CHUNK_AND_GATES, garbledJob, runGarbledLocally } from '../src/index.js';

const values = (c: Column | undefined) => (c ? Array.from({ length: c.length }, (_, i) => c[i]) : undefined);

function program(n: number) {
  const b = new CircuitBuilder(['alice', 'bob']);
  const x = b.input('alice', 'x', int(32), n);
  const y = b.input('bob', 'y', int(32), n);
  const k = b.input('bob', 'k', int(32));
  b.output('prod', x.mul(y).add(k), ['alice', 'bob']);
  b.output('max', x.max(y), ['bob']);
  b.output('k2', k.mul(k), ['alice']);
  return b.build();
}

describe('streamed garbled jobs', () => {
  it('chunked runs give the plaintext outputs, vectors joined in order and scalars once', async () => {
    const n = 37;
    const p = program(n);
    const inputs = {
      alice: { x: Array.from({ length: n }, (_, i) => i * 1_000_003 - 18_000_000) },
      bob: { y: Array.from({ length: n }, (_, i) => 7919 * i - 100_000), k: -12345 },
    };
    const want = evaluateProgram(p, encodeInputs(p, inputs));
    const r = await runGarbledLocally(p, inputs, { chunkElements: 5 });
    expect(values(r.outputs.alice.prod)).toEqual(values(want.prod));
    expect(values(r.outputs.bob.prod)).toEqual(values(want.prod));
    expect(values(r.outputs.bob.max)).toEqual(values(want.max));
    expect(values(r.outputs.alice.k2)).toEqual(values(want.k2));
    expect(r.andGates).toBeGreaterThan(n * 900);
  });

  it('chunks garbled in parallel worker threads give the same outputs', async () => {
    const n = 23;
    const p = program(n);
    const inputs = {
      alice: { x: Array.from({ length: n }, (_, i) => (i * 2_654_435_761) % 2 ** 31) },
      bob: { y: Array.from({ length: n }, (_, i) => -7919 * i), k: 99 },
    };
    const want = evaluateProgram(p, encodeInputs(p, inputs));
    // Four chunks of 5 elements and a last one of 3: two circuit shapes, more chunks than workers.
    const r = await runGarbledLocally(p, inputs, { chunkElements: 5, garblingWorkers: 2 });
    expect(values(r.outputs.alice.prod)).toEqual(values(want.prod));
    expect(values(r.outputs.bob.prod)).toEqual(values(want.prod));
    expect(values(r.outputs.bob.max)).toEqual(values(want.max));
    expect(values(r.outputs.alice.k2)).toEqual(values(want.k2));
  });

  it('a garbler whose sends are copied reuses its table buffers across chunks, with the same outputs', async () => {
    // 40 chunks of one element (about 1,000 AND gates each) on one worker: each chunk's table buffer
    // comes back once sent and is reused by a later chunk.
    const n = 40;
    const p = program(n);
    const inputs = {
      alice: { x: Array.from({ length: n }, (_, i) => (i * 2_654_435_761) % 2 ** 31) },
      bob: { y: Array.from({ length: n }, (_, i) => 104_729 * i - 3_000_000), k: -7 },
    };
    const want = evaluateProgram(p, encodeInputs(p, inputs));
    const r = await runGarbledLocally(p, inputs, { chunkElements: 1, garblingWorkers: 1, sendCopies: true });
    expect(values(r.outputs.alice.prod)).toEqual(values(want.prod));
    expect(values(r.outputs.bob.prod)).toEqual(values(want.prod));
    expect(values(r.outputs.bob.max)).toEqual(values(want.max));
    expect(values(r.outputs.alice.k2)).toEqual(values(want.k2));
  });

  it('chunk circuits stay within the gate budget however long the vectors', () => {
    for (const n of [1_000, 100_000]) {
      const job = garbledJob(program(n), 'alice', { x: new Array(n).fill(1) });
      expect(job.chunks).toBeGreaterThan(n / 2000);
      const first = job.chunk(0);
      let ands = 0;
      for (let i = 0; i < first.spec.circuit.gateCount; i++) if (first.spec.circuit.op[i] === 1) ands += 1;
      expect(ands).toBeLessThanOrEqual(CHUNK_AND_GATES);
    }
  });

  it('programs that are not elementwise run as one circuit', () => {
    const b = new CircuitBuilder(['alice', 'bob']);
    const x = b.input('alice', 'x', uint(16), 1000);
    b.output('s', x.sum());
    expect(garbledJob(b.build(), 'alice', { x: new Array(1000).fill(2) }).chunks).toBe(1);
  });
});
