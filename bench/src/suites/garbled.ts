/**
 * Suite `garbled`: the half-gates engine. Core garbling and evaluation rates
 * on a wide circuit (AES-128 over a vector of blocks), the whole protocol in
 * memory and over WebSocket with mutual TLS on loopback, bytes per AND gate,
 * one AES-128 end to end, and the same summon circuit through mpc-framework's
 * Protocol with ParleyEngine and with emp-wasm-engine (maliciously secure;
 * this engine is semi-honest).
 */
import { randomFillSync } from 'node:crypto';
import {
  bristolProgram,
  CircuitBuilder,
  compileSummon,
  layerByAndDepth,
  lowerToBoolean,
  type Program,
  readBristolFile,
  type SummonCircuit,
  uint,
} from '@parley/circuit';
import {
  FixedKeyAes,
  GarblerPool,
  HalfGatesEvaluator,
  HalfGatesGarbler,
  runGarbledLocally,
} from '@parley/garbled';
import { runGarbledInWorkers, runGarbledOverLoopbackTls, WorkerPair } from '@parley/node';
import { ParleyEngine } from '@parley/sdk';
import { EmpWasmEngine } from 'emp-wasm-engine';
import { Protocol } from 'mpc-framework';
import type { Engine } from 'mpc-framework-common';
import { type BenchSuite, medianMs } from '../harness.js';
import { sharedDataPath } from '../paths.js';

async function aesVector(blocks: number): Promise<Program> {
  const aes = await readBristolFile(sharedDataPath('bristol/aes_128.txt'));
  const b = new CircuitBuilder(['garbler', 'evaluator']);
  const key = b.input('garbler', 'key', uint(128), blocks);
  const text = b.input('evaluator', 'text', uint(128), blocks);
  b.output('cipher', b.call(aes, [key, text])[0], ['evaluator']);
  return b.build();
}

function aesInputs(blocks: number) {
  const key = Array.from({ length: blocks }, (_, i) => BigInt(i) * 0x0101010101010101n + 0x0f0e0d0c0b0a0908n);
  const text = Array.from({ length: blocks }, (_, i) => BigInt(i) * 0x1111111111111111n);
  return { garbler: { key }, evaluator: { text } };
}

/** A summon program of `muls` chained 32-bit multiply-adds (about 1,490 AND gates each). */
function summonSource(muls: number): string {
  return `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    let x = a;
    for (let i = 0; i < ${muls}; i++) { x = x * b + a; }
    io.outputPublic('x', x);
  };`;
}

/** x = a; x = x·b + a, `muls` times, mod 2^32: the summon chain's output for a = 3, b = 5. */
function chainOutput(muls: number): number {
  let x = 3n;
  for (let i = 0; i < muls; i++) x = (x * 5n + 3n) % 2n ** 32n;
  return Number(x);
}

/**
 * One run of the summon chain through mpc-framework's Protocol on fresh
 * engines: its wall time, after checking that every party got `expected` (as
 * an unsigned 32-bit number: emp-wasm-engine decodes a 32-bit output as a
 * signed one, mpc-framework's plaintext engine and Parley as unsigned).
 */
async function viaProtocol(
  circuit: SummonCircuit,
  makeEngine: () => Engine,
  expected: number,
): Promise<number> {
  const names = circuit.mpcSettings.map((s) => s.name as string);
  const inputs: Record<string, Record<string, number>> = { alice: { a: 3 }, bob: { b: 5 } };
  const sessions: Record<string, ReturnType<Protocol['join']>> = {};
  const t0 = performance.now();
  for (const name of names) {
    sessions[name] = new Protocol(circuit, makeEngine()).join(name, inputs[name], (to, msg) => {
      queueMicrotask(() => sessions[to].handleMessage(name, msg));
    });
  }
  const outputs = await Promise.all(names.map((n) => sessions[n].output()));
  const ms = performance.now() - t0;
  for (const o of outputs) {
    const x = (o as { x?: unknown }).x;
    if (typeof x !== 'number' || x >>> 0 !== expected) {
      throw new Error(`the summon chain gave ${JSON.stringify(o)}, not x = ${expected}`);
    }
  }
  return ms;
}

const suite: BenchSuite = {
  name: 'garbled',
  async run(ctx) {
    const blocks = ctx.quick ? 128 : 512;
    const program = await aesVector(blocks);
    const ands = 6400 * blocks;

    // Core rates, one party each, no network.
    const lc = layerByAndDepth(lowerToBoolean(program).circuit);
    const delta = new Uint32Array(4);
    randomFillSync(delta);
    delta[0] |= 1;
    const chunks: Uint8Array[] = [];
    const garbleMs = await medianMs(
      async () => {
        chunks.length = 0;
        const g = new HalfGatesGarbler(lc, delta, new FixedKeyAes());
        await g.garble((t) => {
          chunks.push(t);
        });
      },
      3,
      1,
    );
    ctx.record('garbled.and_per_s.garble', 'AND/s', ands / (garbleMs / 1000), 3);
    const evalMs = await medianMs(
      async () => {
        const e = new HalfGatesEvaluator(lc, new FixedKeyAes());
        let i = 0;
        await e.evaluate(async () => chunks[i++]);
      },
      3,
      1,
    );
    ctx.record('garbled.and_per_s.evaluate', 'AND/s', ands / (evalMs / 1000), 3);
    // The same runs on the kernels' plain-JS twins, and a first run on a circuit, which also plans its
    // wires (packages/garbled/README.md); the runs above reuse the plan.
    const jsGarbleMs = await medianMs(
      async () => {
        await new HalfGatesGarbler(lc, delta, new FixedKeyAes(), undefined, { backend: 'js' }).garble(
          () => {},
        );
      },
      3,
      1,
    );
    ctx.record('garbled.and_per_s.garble_js', 'AND/s', ands / (jsGarbleMs / 1000), 3);
    ctx.record('kernels.wasm_vs_js.garble', 'x', jsGarbleMs / garbleMs, 3);
    const jsEvalMs = await medianMs(
      async () => {
        let i = 0;
        await new HalfGatesEvaluator(lc, new FixedKeyAes(), { backend: 'js' }).evaluate(
          async () => chunks[i++],
        );
      },
      3,
      1,
    );
    ctx.record('garbled.and_per_s.evaluate_js', 'AND/s', ands / (jsEvalMs / 1000), 3);
    ctx.record('kernels.wasm_vs_js.evaluate', 'x', jsEvalMs / evalMs, 3);
    // Independent chunks (as a streamed job's) garbled by worker threads: 4 circuits on 2 workers vs one after
    // another in this thread.
    const pool = GarblerPool.shared(2);
    const inputZero = new Uint32Array(4 * lc.circuit.inputs.reduce((n, g) => n + g.wires.length, 0));
    randomFillSync(inputZero);
    const poolRun = () =>
      Promise.all(
        [0, 1, 2, 3].map((k) =>
          pool.garble(lc, { delta, inputZero, andBase: k * ands, prefixBytes: 0 }, () => {}),
        ),
      );
    await poolRun();
    const poolMs = await medianMs(poolRun, 3, 0);
    const oneThreadMs = await medianMs(
      async () => {
        for (let k = 0; k < 4; k++)
          await new HalfGatesGarbler(lc, delta, new FixedKeyAes()).garble(() => {}, k * ands);
      },
      3,
      0,
    );
    await pool.close();
    ctx.record('garbled.and_per_s.garble_2_workers', 'AND/s', (4 * ands) / (poolMs / 1000), 3);
    ctx.record('garbled.parallel_speedup.2_workers', 'x', oneThreadMs / poolMs, 3);
    const unplanned = { ...lc, layerStarts: lc.layerStarts.slice() };
    const t0 = performance.now();
    await new HalfGatesGarbler(unplanned, delta, new FixedKeyAes()).garble(() => {});
    ctx.record('garbled.and_per_s.garble_first_run', 'AND/s', ands / ((performance.now() - t0) / 1000));

    // The whole protocol (OT setup included).
    const inputs = aesInputs(blocks);
    const mem = await runGarbledLocally(program, inputs);
    ctx.record('garbled.and_per_s.e2e_memory', 'AND/s', ands / (mem.ms / 1000));
    // Each party in its own worker thread with its own TLS WebSocket endpoint (two cores), on a job of 512
    // blocks (3.3M AND gates, streamed in 52 chunks of 10 blocks) with the garbler's chunks garbled in one worker thread
    // beside its sending thread: a cold run in fresh workers, then warm runs in the same workers (as in a
    // running node).
    const wsBlocks = 512;
    const wsProgram = await aesVector(wsBlocks);
    const wsInputs = aesInputs(wsBlocks);
    const wsAnds = 6400 * wsBlocks;
    const parallel = { garblingWorkers: 1 };
    const cold = await runGarbledInWorkers(wsProgram, wsInputs);
    ctx.record('garbled.and_per_s.e2e_ws_cold', 'AND/s', wsAnds / (cold.ms / 1000));
    const pair = await WorkerPair.start(['garbler', 'evaluator']);
    let ws = cold;
    try {
      await pair.run(wsProgram, wsInputs, parallel);
      const warm: number[] = [];
      for (let i = 0; i < (ctx.quick ? 3 : 5); i++) {
        ws = await pair.run(wsProgram, wsInputs, parallel);
        warm.push(ws.ms);
      }
      warm.sort((a, b) => a - b);
      ctx.record('garbled.and_per_s.e2e_ws', 'AND/s', wsAnds / (warm[warm.length >> 1] / 1000), warm.length);
      // One 819k-AND circuit (one chunk), warm: its second run in these workers.
      await pair.run(program, inputs);
      const small = await pair.run(program, inputs);
      ctx.record('garbled.and_per_s.e2e_ws.819k_and', 'AND/s', ands / (small.ms / 1000));
    } finally {
      await pair.close();
    }
    ctx.record('garbled.bytes_per_and', 'bytes/AND', ws.bytes / wsAnds);

    const aes = bristolProgram(await readBristolFile(sharedDataPath('bristol/aes_128.txt')));
    const aesIn = {
      party0: { '0': 0x000102030405060708090a0b0c0d0e0fn },
      party1: { '1': 0x00112233445566778899aabbccddeeffn },
    };
    await runGarbledOverLoopbackTls(aes, aesIn);
    const runs: number[] = [];
    for (let i = 0; i < (ctx.quick ? 3 : 9); i++) runs.push((await runGarbledOverLoopbackTls(aes, aesIn)).ms);
    runs.sort((a, b) => a - b);
    ctx.record('garbled.aes128_ms.e2e_ws', 'ms', runs[runs.length >> 1], runs.length);

    // Bounded memory: peak RSS of a 10M- and a 100M-AND streamed run (full runs only: ~2 minutes).
    if (!ctx.quick) {
      for (const [tag, n] of [
        ['10m_and', 1563],
        ['100m_and', 15625],
      ] as const) {
        const big = await aesVector(n);
        let peak = process.memoryUsage().rss;
        const timer = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 50);
        const before = process.memoryUsage().rss;
        const r = await runGarbledInWorkers(big, aesInputs(n));
        clearInterval(timer);
        ctx.record(`garbled.peak_rss_growth_mb.${tag}`, 'MB', (peak - before) / 1e6);
        ctx.record(`garbled.and_per_s.e2e_ws.${tag}`, 'AND/s', (6400 * n) / (r.ms / 1000));
      }
    }

    // Side by side with emp-wasm-engine on the same summon circuit, both through mpc-framework's Protocol.
    // About 1,490 AND gates per multiply-add: 143k (quick) or 238k AND gates; emp-wasm-engine fails past ~400k.
    const muls = ctx.quick ? 96 : 160;
    const circuit = await compileSummon('chain.ts', summonSource(muls), { boolifyWidth: 32 });
    const circuitAnds = (circuit.bristol.match(/ AND$/gm) ?? []).length;
    // Both engines are measured the same way: a fresh engine on a fresh circuit object (Parley's engine
    // caches the imported, lowered circuit per object, so it imports and lowers it every time, as
    // emp-wasm parses it), in a process where that engine has run before. Parley's first run in the
    // process also pays its one-time start-up (JIT, module set-up): it is recorded on its own, as the
    // cold-process ratio. Parley's ~0.1 s runs are the noisy side of the ratio, so it takes the median
    // of several; emp-wasm's ~18 s run is measured once, after a one-multiply warm-up.
    const expected = chainOutput(muls);
    const parleyRun = () => viaProtocol({ ...circuit }, () => new ParleyEngine(), expected);
    const firstMs = await parleyRun();
    const parleyReps = ctx.quick ? 3 : 5;
    const parleyRuns: number[] = [];
    for (let i = 0; i < parleyReps; i++) parleyRuns.push(await parleyRun());
    parleyRuns.sort((a, b) => a - b);
    const parleyMs = parleyRuns[parleyReps >> 1];
    const warmUp = await compileSummon('chain1.ts', summonSource(1), { boolifyWidth: 32 });
    await viaProtocol(warmUp, () => new EmpWasmEngine(), chainOutput(1));
    const empMs = await viaProtocol(circuit, () => new EmpWasmEngine(), expected);
    ctx.record(
      'garbled.protocol_and_per_s.summon_chain',
      'AND/s',
      circuitAnds / (parleyMs / 1000),
      parleyReps,
    );
    ctx.record('peer.emp_wasm.and_per_s', 'AND/s', circuitAnds / (empMs / 1000));
    ctx.record('garbled.ratio_vs_emp_wasm', '×', empMs / parleyMs);
    ctx.record('garbled.ratio_vs_emp_wasm.cold_process', '×', empMs / firstMs);
  },
};
export default suite;
