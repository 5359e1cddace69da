/**
 * The half-gates engine on its WebAssembly kernels and wire plan against the
 * plain-JS implementation it replaced (_reference.ts): for the same Δ and
 * input labels, the garbled tables and the output labels are bit-identical,
 * on WebAssembly and on the JS twins, for Bristol circuits, lowered programs
 * and random circuits with every gate kind; the evaluator's outputs decode
 * to the plaintext evaluator's. Also: tweaks continued past 2^32, table
 * chunks of any size, two runs of one circuit interleaved in a thread, and
 * the plan's checks of malformed circuits.
 */
import { randomFillSync } from 'node:crypto';
import {
  type BooleanCircuit,
  CircuitBuilder,
  evaluateBoolean,
  GateList,
  GateOp,
  layerByAndDepth,
  lowerToBoolean,
  readBristolFile,
  uint,
} from '@parley/circuit';
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { wirePlan } from '../src/_wirePlan.js';
import { FixedKeyAes, HalfGatesEvaluator, HalfGatesGarbler, type LayeredCircuit } from '../src/index.js';
import { ReferenceEvaluator, ReferenceGarbler } from './_reference.js';

const BRISTOL = `${process.env.PARLEY_SHARED_DATA ?? new URL('../../../../shared/data/', import.meta.url).pathname}/bristol`;
const SEED = Number(process.env.PARLEY_TEST_SEED ?? Date.now() % 2 ** 31);
console.log(`halfGatesKernels.test: seed ${SEED} (set PARLEY_TEST_SEED to replay)`);

/** xorshift32, seeded. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

type Impl = 'reference' | 'wasm' | 'js';
const IMPLS: Impl[] = ['reference', 'wasm', 'js'];

/** Labels by wire: the engine's WireLabels, or the reference's array over all wires. */
interface Labels {
  set(wire: number, label: ArrayLike<number>): void;
  get(wire: number): Uint32Array;
}
function wireIndexed(all: Uint32Array): Labels {
  return {
    set: (wire, label) => all.set(label, 4 * wire),
    get: (wire) => all.subarray(4 * wire, 4 * wire + 4),
  };
}

interface Garbler {
  labels: Labels;
  garble(sink: (t: Uint32Array) => void | Promise<void>, andBase?: number): Promise<void>;
}
interface Evaluator {
  labels: Labels;
  evaluate(next: () => Promise<Uint32Array>, andBase?: number): Promise<void>;
}

/** The engine's chunks are bytes after a free prefix (here 3 bytes, so tables start unaligned); the reference's are words. */
const PREFIX = 3;

function garbler(impl: Impl, lc: LayeredCircuit, delta: Uint32Array, chunk?: number): Garbler {
  if (impl === 'reference') {
    const r = new ReferenceGarbler(lc, delta, new FixedKeyAes(), chunk);
    return { labels: wireIndexed(r.labels), garble: (sink, andBase) => r.garble(sink, andBase) };
  }
  const g = new HalfGatesGarbler(lc, delta, new FixedKeyAes(), chunk, { backend: impl, prefixBytes: PREFIX });
  expect(g.backend).toBe(impl);
  return {
    labels: g.labels,
    garble: (sink, andBase) =>
      g.garble((bytes) => {
        expect((bytes.length - PREFIX) % 32).toBe(0);
        return sink(new Uint32Array(bytes.slice(PREFIX).buffer));
      }, andBase),
  };
}

function evaluator(impl: Impl, lc: LayeredCircuit): Evaluator {
  if (impl === 'reference') {
    const r = new ReferenceEvaluator(lc, new FixedKeyAes());
    return { labels: wireIndexed(r.labels), evaluate: (next, andBase) => r.evaluate(next, andBase) };
  }
  const e = new HalfGatesEvaluator(lc, new FixedKeyAes(), { backend: impl });
  return {
    labels: e.labels,
    // Tables handed over at an odd byte offset: the evaluator copies from any alignment.
    evaluate: (next, andBase) =>
      e.evaluate(async () => {
        const words = await next();
        const bytes = new Uint8Array(words.byteLength + 1);
        bytes.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), 1);
        return bytes.subarray(1);
      }, andBase),
  };
}

function concat(chunks: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(chunks.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** True when a and b hold the same words (Buffer.equals: fast on large arrays, unlike toEqual). */
function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function outputLabels(c: BooleanCircuit, labels: Labels): string {
  return c.outputs.map((g) => Array.from(g.wires, (w) => labels.get(w).join(',')).join(';')).join('|');
}

/**
 * Garbles and evaluates `lc` with every implementation; asserts identical tables and output
 * labels, and that the outputs decode to the plaintext values. Returns the number of AND gates.
 */
async function compare(lc: LayeredCircuit, seed: number, options: { chunk?: number; andBase?: number } = {}) {
  const c = lc.circuit;
  const rnd = rng(seed);
  const delta = new Uint32Array(4);
  randomFillSync(delta);
  delta[0] |= 1;
  const values = c.inputs.map((g) => {
    let v = 0n;
    for (let i = 0; i < g.wires.length; i++) if (rnd() < 0.5) v |= 1n << BigInt(i);
    return v;
  });
  const zero = new Map<number, Uint32Array>();
  for (const g of c.inputs) for (const w of g.wires) zero.set(w, randomFillSync(new Uint32Array(4)));

  const tables: Uint32Array[] = [];
  const zeros: string[] = [];
  let garblerLabels: Labels | undefined;
  for (const impl of IMPLS) {
    const g = garbler(impl, lc, delta, options.chunk);
    for (const [w, z] of zero) g.labels.set(w, z);
    const chunks: Uint32Array[] = [];
    await g.garble((t) => {
      if (options.chunk) expect(t.length).toBeLessThanOrEqual(8 * options.chunk);
      chunks.push(t.slice());
    }, options.andBase);
    tables.push(concat(chunks));
    zeros.push(outputLabels(c, g.labels));
    for (const [w, z] of zero) expect(g.labels.get(w)).toEqual(z);
    if (impl === 'reference') garblerLabels = g.labels;
  }
  expect(tables[0].length).toBeGreaterThan(0);
  expect(sameWords(tables[1], tables[0])).toBe(true);
  expect(sameWords(tables[2], tables[0])).toBe(true);
  expect(zeros[1]).toBe(zeros[0]);
  expect(zeros[2]).toBe(zeros[0]);

  const active: string[] = [];
  let evaluatorLabels: Labels | undefined;
  for (const impl of IMPLS) {
    const e = evaluator(impl, lc);
    c.inputs.forEach((g, gi) => {
      g.wires.forEach((w, i) => {
        const z = zero.get(w)!;
        const bit = (values[gi] >> BigInt(i)) & 1n;
        e.labels.set(
          w,
          z.map((x, k) => x ^ (bit ? delta[k] : 0)),
        );
      });
    });
    // Chunks of odd sizes, so evaluator batches cut across the garbler's.
    const all = tables[0];
    let at = 0;
    await e.evaluate(async () => {
      const n = 8 * (1 + Math.floor(rnd() * 700));
      const t = all.slice(at, at + n);
      at += n;
      return t;
    }, options.andBase);
    active.push(outputLabels(c, e.labels));
    if (impl === 'reference') evaluatorLabels = e.labels;
  }
  expect(active[1]).toBe(active[0]);
  expect(active[2]).toBe(active[0]);

  const plain = evaluateBoolean(c, values);
  c.outputs.forEach((g, gi) => {
    let v = 0n;
    g.wires.forEach((w, i) => {
      const isOne = [0, 1, 2, 3].every(
        (k) => evaluatorLabels!.get(w)[k] === (garblerLabels!.get(w)[k] ^ delta[k]) >>> 0,
      );
      const isZero = [0, 1, 2, 3].every((k) => evaluatorLabels!.get(w)[k] === garblerLabels!.get(w)[k]);
      expect(isOne || isZero).toBe(true);
      if (isOne) v |= 1n << BigInt(i);
    });
    expect(v).toBe(plain[gi]);
  });
  return tables[0].length / 8;
}

/** A random SSA circuit of `gates` gates over two input groups, every gate kind, some outputs inputs or dead ends. */
function randomCircuit(seed: number, inputs: number, gates: number): BooleanCircuit {
  const rnd = rng(seed);
  const list = new GateList();
  const pick = (upTo: number) => Math.floor(rnd() * upTo);
  for (let k = 0; k < gates; k++) {
    const w = inputs + k;
    // Prefer recent wires, as real circuits do, but reach back anywhere.
    const near = () => (rnd() < 0.7 ? Math.max(0, w - 1 - pick(Math.min(w, 40))) : pick(w));
    const r = rnd();
    if (r < 0.45) list.push(GateOp.XOR, near(), near(), w);
    else if (r < 0.75) list.push(GateOp.AND, near(), near(), w);
    else if (r < 0.85) list.push(GateOp.INV, near(), 0, w);
    else if (r < 0.93) list.push(GateOp.COPY, near(), 0, w);
    else list.push(GateOp.CONST, rnd() < 0.5 ? 0 : 1, 0, w);
  }
  const wires = inputs + gates;
  const half = inputs >> 1;
  const group = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
  const outs = Uint32Array.from({ length: 1 + pick(40) }, () => pick(wires));
  return list.finish(
    wires,
    [
      { name: 'x', wires: group(0, half) },
      { name: 'y', wires: group(half, inputs - half) },
    ],
    [
      { name: 'z', wires: outs },
      { name: 'last', wires: group(wires - 3, 3) },
    ],
  );
}

describe('half-gates on WebAssembly kernels and JS twins = the reference implementation', () => {
  it('Bristol circuits: AES-128, mult64, adder64, sub64, neg64, divide64, zero_equal', async () => {
    for (const [i, name] of [
      'aes_128',
      'mult64',
      'adder64',
      'sub64',
      'neg64',
      'divide64',
      'zero_equal',
    ].entries()) {
      const c = await readBristolFile(`${BRISTOL}/${name}.txt`);
      await compare(layerByAndDepth(c), SEED + i);
    }
  });

  it('random circuits with XOR, AND, INV, COPY and CONST gates, dead gates and inputs as outputs', async () => {
    for (let k = 0; k < 12; k++) {
      const c = randomCircuit(SEED * 31 + k, 2 + (k % 7) * 9, 50 + 400 * (k % 4));
      await compare(layerByAndDepth(c), SEED + 100 + k, { chunk: k % 3 === 0 ? 7 : undefined });
    }
  });

  it('a lowered program: a vector of multiply-compare-selects', async () => {
    const b = new CircuitBuilder(['alice', 'bob']);
    const x = b.input('alice', 'x', uint(16), 40);
    const y = b.input('bob', 'y', uint(16), 40);
    b.output('r', x.mul(y).lt(y.add(x)).select(x, y), ['bob']);
    const lowered = lowerToBoolean(b.build());
    await compare({ circuit: lowered.circuit, ...lowered.layers! }, SEED + 200);
  });

  it('tweaks continued past 2^32 (andBase), and one-gate table chunks', async () => {
    const c = await readBristolFile(`${BRISTOL}/mult64.txt`);
    await compare(layerByAndDepth(c), SEED + 300, { andBase: 2 ** 31 - 5 });
    const a = await readBristolFile(`${BRISTOL}/adder64.txt`);
    await compare(layerByAndDepth(a), SEED + 301, { chunk: 1, andBase: 3 });
  });

  it('AES-128 over 64 blocks (wider than one hash batch), WebAssembly against JS', async () => {
    const aes = await readBristolFile(`${BRISTOL}/aes_128.txt`);
    const b = new CircuitBuilder(['garbler', 'evaluator']);
    const key = b.input('garbler', 'key', uint(128), 64);
    const text = b.input('evaluator', 'text', uint(128), 64);
    b.output('cipher', b.call(aes, [key, text])[0], ['evaluator']);
    const lowered = lowerToBoolean(b.build());
    const lc = { circuit: lowered.circuit, ...lowered.layers! };
    const delta = randomFillSync(new Uint32Array(4));
    delta[0] |= 1;
    const runs = await Promise.all(
      (['wasm', 'js', 'wasm'] as const).map(async (impl) => {
        const g = garbler(impl, lc, delta);
        lc.circuit.inputs.forEach((grp, gi) => {
          for (const w of grp.wires) g.labels.set(w, [w, gi, 7, w ^ 5]);
        });
        const chunks: Uint32Array[] = [];
        // Interleaved runs in one thread: each holds its own arena.
        await g.garble(async (t) => {
          chunks.push(t);
          await new Promise((r) => setImmediate(r));
        });
        return { tables: concat(chunks), out: outputLabels(lc.circuit, g.labels) };
      }),
    );
    expect(runs[0].tables.length).toBe(8 * 6400 * 64);
    expect(sameWords(runs[1].tables, runs[0].tables)).toBe(true);
    expect(sameWords(runs[2].tables, runs[0].tables)).toBe(true);
    expect(runs[1].out).toBe(runs[0].out);
  });

  it('refuses a table chunk that is not whole gates', async () => {
    const c = layerByAndDepth(await readBristolFile(`${BRISTOL}/zero_equal.txt`));
    const e = new HalfGatesEvaluator(c, new FixedKeyAes());
    await expect(e.evaluate(async () => new Uint8Array(48))).rejects.toSatisfy((err) =>
      hasCode(err, 'PROTOCOL_VIOLATION'),
    );
  });
});

describe('wire plan', () => {
  const tiny = (gates: [number, number, number, number][], wires: number, layers: [number[], number[]]) => {
    const list = new GateList();
    for (const [op, a, b, out] of gates) list.push(op as 0, a, b, out);
    const circuit = list.finish(
      wires,
      [{ name: 'x', wires: Uint32Array.of(0, 1) }],
      [{ name: 'z', wires: Uint32Array.of(wires - 1) }],
    );
    return { circuit, layerStarts: Uint32Array.from(layers[0]), layerAnds: Uint32Array.from(layers[1]) };
  };

  it('needs far fewer slots than wires, and is cached per circuit and layers', async () => {
    const c = layerByAndDepth(await readBristolFile(`${BRISTOL}/aes_128.txt`));
    const plan = wirePlan(c);
    expect(plan.slots).toBeLessThan(c.circuit.wireCount / 20);
    expect(wirePlan({ ...c })).toBe(plan);
    expect(wirePlan({ ...c, layerStarts: c.layerStarts.slice() })).not.toBe(plan);
  });

  it('rejects malformed circuits with InvalidCircuit naming the gate', () => {
    const cases: [ReturnType<typeof tiny>, RegExp][] = [
      // An AND gate in the free part of a layer.
      [
        tiny(
          [
            [GateOp.XOR, 0, 1, 2],
            [GateOp.AND, 0, 2, 3],
          ],
          4,
          [[0], [0]],
        ),
        /gate 1: an AND gate outside/,
      ],
      // A free gate in an AND block.
      [tiny([[GateOp.XOR, 0, 1, 2]], 3, [[0], [1]]), /gate 0: not an AND gate/],
      // A wire past wireCount.
      [tiny([[GateOp.XOR, 0, 9, 2]], 3, [[0], [0]]), /gate 0: input wire 9 past/],
      // A wire written twice.
      [
        tiny(
          [
            [GateOp.XOR, 0, 1, 2],
            [GateOp.INV, 0, 0, 2],
          ],
          3,
          [[0], [0]],
        ),
        /wire 2 is written twice/,
      ],
      // A wire read before the gate that writes it.
      [
        tiny(
          [
            [GateOp.XOR, 0, 3, 2],
            [GateOp.INV, 0, 0, 3],
          ],
          4,
          [[0], [0]],
        ),
        /gate 0: wire 3 is read before/,
      ],
      // An unknown opcode.
      [tiny([[9, 0, 1, 2]], 3, [[0], [0]]), /gate 0: unknown gate op 9/],
      // Layers that do not cover the gates.
      [tiny([[GateOp.XOR, 0, 1, 2]], 3, [[1], [0]]), /not in any layer/],
    ];
    for (const [lc, message] of cases) {
      let error: unknown;
      try {
        wirePlan(lc);
      } catch (e) {
        error = e;
      }
      expect(hasCode(error, 'INVALID_CIRCUIT')).toBe(true);
      expect(String((error as Error).message)).toMatch(message);
    }
  });
});
