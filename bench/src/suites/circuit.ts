/**
 * Suite `circuit`: Bristol parse rate and plaintext boolean evaluation (AES-128
 * and a generated circuit of 10M AND gates, 1M in --quick: metrics `….generated`,
 * the size in their detail), lowering a product sum to one boolean circuit,
 * and plaintext IR evaluation of a 1M-row column sum.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BooleanCircuit,
  CircuitBuilder,
  evaluateProgram,
  evaluateWords,
  GateList,
  GateOp,
  gadgetCosts,
  int,
  lowerToBoolean,
  readBristolFile,
  uint,
  wireRange,
  writeBristol,
} from '@parley/circuit';
import { type BenchSuite, medianMs } from '../harness.js';
import { sharedDataPath } from '../paths.js';

/** A random circuit of `ands` AND gates, each followed by an XOR, over 256 input wires. */
export function generatedCircuit(ands: number, seed = 1): BooleanCircuit {
  const gates = new GateList(2 * ands);
  let s = seed >>> 0;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  let wires = 256;
  for (let i = 0; i < ands; i++) {
    // Pick operands from the most recent 4096 wires so the circuit stays deep and connected.
    const lo = Math.max(0, wires - 4096);
    const a = lo + rnd(wires - lo);
    const b = lo + rnd(wires - lo);
    gates.push(GateOp.AND, a, b, wires);
    gates.push(GateOp.XOR, wires, a, wires + 1);
    wires += 2;
  }
  return gates.finish(
    wires,
    [
      { name: '0', wires: wireRange(0, 128) },
      { name: '1', wires: wireRange(128, 128) },
    ],
    [{ name: '0', wires: wireRange(wires - 128, 128) }],
  );
}

async function writeFile(c: BooleanCircuit, path: string): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let pending: string[] = [];
  let size = 0;
  writeBristol(c, (chunk) => {
    pending.push(chunk);
    size += chunk.length;
    if (size > 1 << 22) {
      out.write(pending.join(''));
      pending = [];
      size = 0;
    }
  });
  out.write(pending.join(''));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

const suite: BenchSuite = {
  name: 'circuit',
  async run(ctx) {
    const aesPath = sharedDataPath('bristol/aes_128.txt');
    const aes = await readBristolFile(aesPath);
    const aesParseMs = await medianMs(() => readBristolFile(aesPath), ctx.quick ? 5 : 20, 2);
    ctx.record(
      'circuit.bristol_parse.gates_per_s.aes128',
      'gates/s',
      aes.gateCount / (aesParseMs / 1000),
      ctx.quick ? 5 : 20,
    );
    const words = new Int32Array(aes.wireCount);
    const aesEvalMs = await medianMs(() => evaluateWords(aes, words), ctx.quick ? 20 : 200, 5);
    ctx.record(
      'circuit.boolean_eval.and_per_s.aes128',
      'AND/s',
      6400 / (aesEvalMs / 1000),
      ctx.quick ? 20 : 200,
    );

    // The generated circuit: 10M AND gates (1M in --quick; one name for both, the size in the detail).
    const ands = ctx.quick ? 1_000_000 : 10_000_000;
    const tag = 'generated';
    const size = `${ands / 1e6}M AND + ${ands / 1e6}M XOR gates`;
    const big = generatedCircuit(ands);
    const dir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
    try {
      const file = join(dir, 'generated.txt');
      await writeFile(big, file);
      const bytes = (await stat(file)).size;
      const t0 = performance.now();
      const parsed = await readBristolFile(file);
      const parseMs = performance.now() - t0;
      const text = `${size}, ${(bytes / 1e6).toFixed(0)} MB of text`;
      ctx.record(
        `circuit.bristol_parse.gates_per_s.${tag}`,
        'gates/s',
        parsed.gateCount / (parseMs / 1000),
        1,
        text,
      );
      ctx.record(`circuit.bristol_parse.mb_per_s.${tag}`, 'MB/s', bytes / 1e6 / (parseMs / 1000), 1, text);
      const w = new Int32Array(parsed.wireCount);
      const evalMs = await medianMs(() => evaluateWords(parsed, w), 3, 1);
      // 32 instances per pass (bit-sliced): report both the single-instance and the bit-sliced rate.
      ctx.record(`circuit.boolean_eval.and_per_s.${tag}`, 'AND/s', ands / (evalMs / 1000), 3, size);
      ctx.record(
        `circuit.boolean_eval.and_per_s_bitsliced32.${tag}`,
        'AND/s',
        (32 * ands) / (evalMs / 1000),
        3,
        size,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // Gate counts of the gadgets (deterministic: one sample each).
    for (const adder of ['ripple', 'prefix'] as const) {
      for (const g of gadgetCosts(64, adder)) {
        ctx.record(`circuit.gadget_and.${g.gadget}64.${adder}`, 'AND', g.and);
        ctx.record(`circuit.gadget_depth.${g.gadget}64.${adder}`, 'AND depth', g.andDepth);
      }
    }

    // Lowering of a program that is not elementwise (one circuit): the garbled engine's preparation of a product sum.
    const productRows = ctx.quick ? 500 : 2000;
    const pb = new CircuitBuilder(['a', 'b']);
    const px = pb.input('a', 'x', int(32), productRows);
    pb.output('s', px.mul(pb.input('b', 'y', int(32), productRows)).sum(), ['a']);
    const productSum = pb.build();
    const lowerGates = lowerToBoolean(productSum, { adder: 'ripple' }).circuit.gateCount;
    const lowerMs = await medianMs(() => lowerToBoolean(productSum, { adder: 'ripple' }), 3, 1);
    ctx.record(
      'circuit.lower.gates_per_s.product_sum',
      'gates/s',
      lowerGates / (lowerMs / 1000),
      3,
      `Σ x·y over ${productRows} rows of int(32): ${(lowerGates / 1e6).toFixed(1)}M gates`,
    );

    const rows = 1_000_000;
    const b = new CircuitBuilder(['a', 'b']);
    const x = b.input('a', 'x', uint(64), rows);
    b.output('sum', x.sum());
    const program = b.build();
    const column = new BigUint64Array(rows);
    for (let i = 0; i < rows; i++) column[i] = BigInt(i) * 2654435761n;
    const inputs = new Map([[0, column]]);
    const sumMs = await medianMs(() => evaluateProgram(program, inputs), ctx.quick ? 3 : 10, 1);
    ctx.record('circuit.ir_eval.sum_1m_ms', 'ms', sumMs, ctx.quick ? 3 : 10);
    ctx.record('circuit.ir_eval.sum_rows_per_s', 'rows/s', rows / (sumMs / 1000), ctx.quick ? 3 : 10);
  },
};
export default suite;
