/**
 * Runs two-party garbled computations with each party in its own worker thread
 * and its own TLS WebSocket endpoint on 127.0.0.1: the closest a single machine
 * gets to two nodes, and what the `garbled` benchmark measures end to end. A
 * `WorkerPair` stays up across runs (warm code and memory, as in a running node).
 */
import { Worker } from 'node:worker_threads';
import type { PlainInputs, Program } from '@parley/circuit';
import type { Consortium } from '@parley/interface';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { LoopbackResult } from './loopbackRun.js';
import type { PartyWorkerApi } from './partyWorker.js';

/** The compiled worker script (tests that run from source use the built one beside it). */
function workerUrl(): URL {
  const here = new URL('./partyWorker.js', import.meta.url);
  return here.pathname.includes('/src/') ? new URL(here.href.replace('/src/', '/dist/')) : here;
}

export class WorkerPair {
  private runs = 0;

  private constructor(
    private readonly parties: string[],
    private readonly workers: Worker[],
    private readonly apis: Comlink.Remote<PartyWorkerApi>[],
  ) {}

  /** Starts one worker per party, each with a fresh identity and endpoint, joined in one consortium. */
  static async start(parties: [string, string]): Promise<WorkerPair> {
    const workers = parties.map(() => new Worker(workerUrl()));
    const apis = workers.map((w) => Comlink.wrap<PartyWorkerApi>(nodeEndpoint(w)));
    const pair = new WorkerPair(parties, workers, apis);
    try {
      const members = await Promise.all(parties.map((p, i) => apis[i].listen(p)));
      const consortium: Consortium = { name: 'local-workers', parties: members };
      await Promise.all(apis.map((a) => a.join(consortium)));
      return pair;
    } catch (e) {
      await pair.close();
      throw e;
    }
  }

  /** One run; `garblingWorkers` > 0 lets the garbler garble a streamed job's chunks in that many threads. */
  async run(
    program: Program,
    inputs: PlainInputs,
    options: { garblingWorkers?: number } = {},
  ): Promise<LoopbackResult> {
    const id = `worker-run-${this.runs++}`;
    const results = await Promise.all(
      this.parties.map((p, i) => this.apis[i].run(program, p, inputs, id, options)),
    );
    return {
      outputs: Object.fromEntries(this.parties.map((p, i) => [p, results[i].outputs])),
      andGates: results[0].andGates,
      bytes: results.reduce((s, r) => s + r.bytesSent, 0),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  /** One ECDH private join of the parties' key sets (in the pair's order); its rows and the slower party's time. */
  async privateJoin(
    keys: [Uint8Array[], Uint8Array[]],
    minParties?: number,
  ): Promise<{ rows: number; ownRows: Int32Array[]; ms: number }> {
    const id = `worker-join-${this.runs++}`;
    const results = await Promise.all(
      this.parties.map((p, i) => this.apis[i].privateJoin(keys[i], this.parties, p, id, minParties)),
    );
    return {
      rows: results[0].rows,
      ownRows: results.map((r) => r.ownRows),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.apis.map((a) => a.close()));
    for (const a of this.apis) a[Comlink.releaseProxy]();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * One run in a fresh worker pair (cold: the workers start, load and compile
 * for this run only); `options` as for WorkerPair.run.
 */
export async function runGarbledInWorkers(
  program: Program,
  inputs: PlainInputs,
  options: { garblingWorkers?: number } = {},
): Promise<LoopbackResult> {
  const pair = await WorkerPair.start([program.parties[0], program.parties[1]]);
  try {
    return await pair.run(program, inputs, options);
  } finally {
    await pair.close();
  }
}
