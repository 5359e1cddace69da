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
  uint,
} from '@parley/circuit';
import {
  clearPreparedPrograms,
  FixedKeyAes,
  GarblerPool,
  HalfGatesEvaluator,
  HalfGatesGarbler,
  runGarbledLocally,
} from '@parley/garbled';
import { type KernelBackend, wasmStatus } from '@parley/kernels';
import { runGarbledInWorkers, runGarbledOverLoopbackTls, WorkerPair } from '@parley/node';
import { ParleyEngine } from '@parley/sdk';
import { EmpWasmEngine } from 'emp-wasm-engine';
import { firstRunInFreshProcess } from '../garbled/coldProcess.js';
import { chainOutput, summonSource, viaProtocol } from '../garbled/summonChain.js';
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

/**
 * AND gates of AES-128 over `blocks` blocks, as one circuit or as a job
 * streams it (chunks of 10 blocks, packages/garbled CHUNK_AND_GATES).
 */
function aesSize(blocks: number, streamed: boolean): string {
  const size = `AES-128 × ${blocks} blocks, ${(6400 * blocks).toLocaleString('en-US')} AND gates`;
  return streamed ? `${size} in ${Math.ceil(blocks / 10)} chunks` : `${size}, one circuit`;
}

/**
 * Every run over WebSocket, cold or warm, with the same set-up: each party in
 * its own worker thread with its own TLS endpoint, the garbler's chunks
 * garbled by one garbling worker beside its sending thread.
 */
const WS_RUN = { garblingWorkers: 1 };

const suite: BenchSuite = {
  name: 'garbled',
  async run(ctx) {
    const blocks = ctx.quick ? 128 : 512;
    const program = await aesVector(blocks);
    const ands = 6400 * blocks;

    // Core rates, one party each, no network, on one circuit of `blocks` blocks.
    const lc = layerByAndDepth(lowerToBoolean(program).circuit);
    const delta = new Uint32Array(4);
    randomFillSync(delta);
    delta[0] |= 1;
    const chunks: Uint8Array[] = [];
    // The backend the measured runs used: the engine falls back to the JS twins, silently, without SIMD.
    const backends = new Set<KernelBackend>();
    const garbleMs = await medianMs(
      async () => {
        chunks.length = 0;
        const g = new HalfGatesGarbler(lc, delta, new FixedKeyAes());
        backends.add(g.backend);
        await g.garble((t) => {
          chunks.push(t);
        });
      },
      3,
      1,
    );
    const evalMs = await medianMs(
      async () => {
        const e = new HalfGatesEvaluator(lc, new FixedKeyAes());
        backends.add(e.backend);
        let i = 0;
        await e.evaluate(async () => chunks[i++]);
      },
      3,
      1,
    );
    const coreSize = aesSize(blocks, false);
    const fellBack = backends.has('js');
    const coreDetail = fellBack
      ? `${coreSize}; JS TWINS, WebAssembly SIMD not in use (${wasmStatus.reason ?? 'unknown reason'})`
      : coreSize;
    if (fellBack) {
      console.error(
        `  bench garbled: WebAssembly SIMD is not in use (${wasmStatus.reason ?? 'unknown reason'}): ` +
          'garble and evaluate ran the JS twins; kernels.wasm_vs_js.garble and .evaluate are NOT recorded',
      );
    }
    ctx.record('garbled.and_per_s.garble', 'AND/s', ands / (garbleMs / 1000), 3, coreDetail);
    ctx.record('garbled.and_per_s.evaluate', 'AND/s', ands / (evalMs / 1000), 3, coreDetail);
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
    ctx.record('garbled.and_per_s.garble_js', 'AND/s', ands / (jsGarbleMs / 1000), 3, coreSize);
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
    ctx.record('garbled.and_per_s.evaluate_js', 'AND/s', ands / (jsEvalMs / 1000), 3, coreSize);
    if (!fellBack) {
      ctx.record('kernels.wasm_vs_js.garble', 'x', jsGarbleMs / garbleMs, 3, coreSize);
      ctx.record('kernels.wasm_vs_js.evaluate', 'x', jsEvalMs / evalMs, 3, coreSize);
    }
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
    ctx.record('garbled.and_per_s.garble_2_workers', 'AND/s', (4 * ands) / (poolMs / 1000), 3, coreDetail);
    ctx.record('garbled.parallel_speedup.2_workers', 'x', oneThreadMs / poolMs, 3, coreDetail);
    const unplanned = { ...lc, layerStarts: lc.layerStarts.slice() };
    const t0 = performance.now();
    await new HalfGatesGarbler(unplanned, delta, new FixedKeyAes()).garble(() => {});
    ctx.record(
      'garbled.and_per_s.garble_first_run',
      'AND/s',
      ands / ((performance.now() - t0) / 1000),
      1,
      coreDetail,
    );

    // The whole protocol (OT setup included).
    const inputs = aesInputs(blocks);
    const mem = await runGarbledLocally(program, inputs);
    ctx.record('garbled.and_per_s.e2e_memory', 'AND/s', ands / (mem.ms / 1000), 1, aesSize(blocks, true));
    // Each party in its own worker thread with its own TLS WebSocket endpoint (two cores), on a job of 512
    // blocks (3.3M AND gates, streamed in 52 chunks of 10 blocks), every run with the same set-up (WS_RUN):
    // a cold run in fresh workers, then warm runs in the same workers (as in a running node).
    const wsBlocks = 512;
    const wsProgram = blocks === wsBlocks ? program : await aesVector(wsBlocks);
    const wsInputs = aesInputs(wsBlocks);
    const wsAnds = 6400 * wsBlocks;
    const wsSize = aesSize(wsBlocks, true);
    const cold = await runGarbledInWorkers(wsProgram, wsInputs, WS_RUN);
    ctx.record('garbled.and_per_s.e2e_ws_cold', 'AND/s', wsAnds / (cold.ms / 1000), 1, wsSize);
    // The 819k-AND job: AES-128 over 128 blocks in both modes.
    const smallBlocks = 128;
    const smallProgram = blocks === smallBlocks ? program : await aesVector(smallBlocks);
    const smallInputs = aesInputs(smallBlocks);
    const pair = await WorkerPair.start(['garbler', 'evaluator']);
    let ws = cold;
    try {
      await pair.run(wsProgram, wsInputs, WS_RUN);
      const warm: number[] = [];
      for (let i = 0; i < (ctx.quick ? 3 : 5); i++) {
        ws = await pair.run(wsProgram, wsInputs, WS_RUN);
        warm.push(ws.ms);
      }
      warm.sort((a, b) => a - b);
      ctx.record(
        'garbled.and_per_s.e2e_ws',
        'AND/s',
        wsAnds / (warm[warm.length >> 1] / 1000),
        warm.length,
        wsSize,
      );
      // The smaller job, warm: its second run in these workers.
      await pair.run(smallProgram, smallInputs, WS_RUN);
      const small = await pair.run(smallProgram, smallInputs, WS_RUN);
      ctx.record(
        'garbled.and_per_s.e2e_ws.819k_and',
        'AND/s',
        (6400 * smallBlocks) / (small.ms / 1000),
        1,
        aesSize(smallBlocks, true),
      );
    } finally {
      await pair.close();
    }
    ctx.record('garbled.bytes_per_and', 'bytes/AND', ws.bytes / wsAnds, 1, wsSize);

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
        const r = await runGarbledInWorkers(big, aesInputs(n), WS_RUN);
        clearInterval(timer);
        ctx.record(`garbled.peak_rss_growth_mb.${tag}`, 'MB', (peak - before) / 1e6, 1, aesSize(n, true));
        ctx.record(
          `garbled.and_per_s.e2e_ws.${tag}`,
          'AND/s',
          (6400 * n) / (r.ms / 1000),
          1,
          aesSize(n, true),
        );
      }
    }

    // Side by side with emp-wasm-engine on the same summon circuit, both through mpc-framework's Protocol.
    // About 1,490 AND gates per multiply-add: 143k (quick) or 238k AND gates; emp-wasm-engine fails past ~400k.
    const muls = ctx.quick ? 96 : 160;
    const circuit = await compileSummon('chain.ts', summonSource(muls), { boolifyWidth: 32 });
    const circuitAnds = (circuit.bristol.match(/ AND$/gm) ?? []).length;
    const chainSize = `summon chain of ${muls} multiply-adds, ${circuitAnds.toLocaleString('en-US')} AND gates`;
    // Both engines are measured the same way: a fresh engine on a fresh circuit object, in a process where
    // that engine has run before. Parley's engine keeps a circuit's import per circuit object and its
    // lowering and wire plan per content (packages/garbled prepareProgram): a fresh object and
    // clearPreparedPrograms() before each run make it import, lower and plan the circuit every run, as
    // emp-wasm parses it every run. Parley's ~0.1 s runs are the noisy side of the ratio, so it takes the
    // median of several, after one unrecorded run (the process's first: JIT, module set-up); emp-wasm's
    // ~18 s run is measured once, after a one-multiply warm-up. `cold_process` is Parley's first run in a
    // fresh Node process (garbled/coldProcess.ts) against the same emp-wasm figure.
    const expected = chainOutput(muls);
    const coldMs = await firstRunInFreshProcess(circuit, expected);
    const parleyRun = () => {
      clearPreparedPrograms();
      return viaProtocol({ ...circuit }, () => new ParleyEngine(), expected);
    };
    await parleyRun();
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
      chainSize,
    );
    ctx.record('peer.emp_wasm.and_per_s', 'AND/s', circuitAnds / (empMs / 1000), 1, chainSize);
    ctx.record(
      'garbled.ratio_vs_emp_wasm',
      '×',
      empMs / parleyMs,
      1,
      `${chainSize}; Parley median of ${parleyReps}`,
    );
    ctx.record(
      'garbled.ratio_vs_emp_wasm.cold_process',
      '×',
      empMs / coldMs,
      1,
      `${chainSize}; Parley's first run in a fresh process`,
    );
  },
};
export default suite;
