/**
 * Worker threads (comlink) that garble the chunks of a streamed job in
 * parallel: an elementwise program's chunks are independent slices of its
 * wide layers, so while the garbler's thread sends chunk k's tables, the
 * workers already garble chunks k+1, k+2, … (garblerWorker.ts). Tables come
 * back transferred, in the chunk's own order; the session forwards chunks in
 * job order, holding at most one chunk's tables per worker.
 *
 * Workers are kept referenced only while they have work, so an idle pool
 * never keeps a process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BooleanCircuit } from '@parley/circuit';
import { InternalError } from '@parley/interface';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { GarbleRequest, GarblerWorkerApi } from './garblerWorker.js';
import type { LayeredCircuit } from './halfGates.js';

/** The compiled worker script (tests that run from source use the built one beside it). */
function workerUrl(): URL {
  const here = new URL('./garblerWorker.js', import.meta.url);
  return here.pathname.includes('/src/') ? new URL(here.href.replace('/src/', '/dist/')) : here;
}

interface PoolWorker {
  worker: Worker;
  api: Comlink.Remote<GarblerWorkerApi>;
  busy: number;
}

export class GarblerPool {
  private static pools = new Map<number, GarblerPool>();
  private readonly workers: PoolWorker[];
  private readonly shapes = new WeakMap<BooleanCircuit, number>();
  private nextShape = 0;
  private nextRecycle = 0;
  private closed = false;

  private constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(workerUrl());
      worker.unref();
      return { worker, api: Comlink.wrap<GarblerWorkerApi>(nodeEndpoint(worker)), busy: 0 };
    });
  }

  /** The process's pool of `size` workers (default: one per core), started on first use. */
  static shared(size = availableParallelism()): GarblerPool {
    let pool = GarblerPool.pools.get(size);
    if (!pool || pool.closed) {
      pool = new GarblerPool(Math.max(1, size));
      GarblerPool.pools.set(size, pool);
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Garbles `lc` on the least busy worker; `sink` receives its table chunks
   * in order. Resolves to the output wires' zero labels (order of
   * `circuit.outputs`' wires).
   */
  async garble(
    lc: LayeredCircuit,
    request: Omit<GarbleRequest, 'shape' | 'circuit'>,
    sink: (chunk: Uint8Array) => void,
  ): Promise<Uint32Array> {
    if (this.closed) throw new InternalError('the garbler pool is closed');
    const w = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    let shape = this.shapes.get(lc.circuit);
    if (shape === undefined) {
      shape = this.nextShape++;
      this.shapes.set(lc.circuit, shape);
    }
    if (w.busy++ === 0) w.worker.ref();
    try {
      const receive = Comlink.proxy(async (chunk: Uint8Array) => sink(chunk));
      const base = { ...request, shape };
      const plain = { circuit: lc.circuit, layerStarts: lc.layerStarts, layerAnds: lc.layerAnds };
      const out =
        (await w.api.garble(base, receive)) ?? (await w.api.garble({ ...base, circuit: plain }, receive));
      if (!out) throw new InternalError('a garbling worker refused a circuit it was sent');
      return out;
    } finally {
      if (--w.busy === 0) w.worker.unref();
    }
  }

  /**
   * Gives sent table chunks back to the workers for reuse (transferred; the
   * caller must not touch them after). Only chunks the transport copied may
   * come back: a detached or partial buffer is left alone.
   */
  recycle(chunks: Uint8Array[]): void {
    if (this.closed || chunks.length === 0) return;
    const whole = chunks.filter((c) => c.buffer.byteLength > 0 && c.byteOffset === 0);
    if (whole.length === 0) return;
    const w = this.workers[this.nextRecycle++ % this.workers.length];
    void w.api
      .recycle(
        Comlink.transfer(
          whole,
          whole.map((c) => c.buffer as ArrayBuffer),
        ),
      )
      .catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.workers) w.api[Comlink.releaseProxy]();
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
