/**
 * A garbling worker thread (see garblerPool.ts): garbles whole chunk circuits
 * of a streamed job for the garbler's thread and hands each table chunk back
 * as it is made (transferred, not copied). Chunks of an elementwise program
 * are independent gates of its wide layers, so two workers garble two chunks
 * at once. The worker keeps the last few circuits it was given (and their
 * wire plans) so a circuit crosses the thread boundary once.
 */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { FixedKeyAes } from './fixedKeyAes.js';
import { HalfGatesGarbler, type LayeredCircuit } from './halfGates.js';

/** What the pool asks a worker to garble. */
export interface GarbleRequest {
  /** The pool's id of the circuit; `circuit` is sent along only when the worker lacks it. */
  shape: number;
  circuit?: LayeredCircuit;
  /** Δ, 4 words. */
  delta: Uint32Array;
  /** Zero labels of the circuit's input wires, 4 words each, in the order of `circuit.inputs`' wires. */
  inputZero: Uint32Array;
  /** Tweak base: the job's AND gates before this chunk. */
  andBase: number;
  /** Free bytes at the start of each table chunk (the caller's message header). */
  prefixBytes: number;
}

/** Zero labels of the output wires, in the order of `circuit.outputs`' wires; undefined: send the circuit. */
export type GarbleResult = Uint32Array | undefined;

const KEPT_CIRCUITS = 4;
/** Table chunks given back once sent, handed out again (at most this many kept). */
const KEPT_SPARES = 64;
const spares: Uint8Array[] = [];

function newChunk(bytes: number): Uint8Array {
  for (let i = spares.length - 1; i >= 0; i--) {
    if (spares[i].byteLength === bytes) return spares.splice(i, 1)[0];
  }
  return new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer);
}
const circuits = new Map<number, LayeredCircuit>();
const aes = new FixedKeyAes();

const api = {
  async garble(req: GarbleRequest, sink: (chunk: Uint8Array) => Promise<void>): Promise<GarbleResult> {
    let lc = circuits.get(req.shape);
    if (!lc) {
      if (!req.circuit) return undefined;
      lc = req.circuit;
      circuits.set(req.shape, lc);
      if (circuits.size > KEPT_CIRCUITS) circuits.delete(circuits.keys().next().value as number);
    }
    const g = new HalfGatesGarbler(lc, req.delta, aes, undefined, { prefixBytes: req.prefixBytes, newChunk });
    g.setInputLabels(req.inputZero);
    // Chunks are posted without waiting for each to be taken: the pool holds at most one circuit's tables
    // per worker, and the worker never idles on a round trip.
    const posted: Promise<void>[] = [];
    await g.garble((chunk) => {
      posted.push(sink(Comlink.transfer(chunk, [chunk.buffer])));
    }, req.andBase);
    await Promise.all(posted);
    const out = g.outputLabels();
    return Comlink.transfer(out, [out.buffer]);
  },

  /** Table chunks the garbler's thread has sent (and no longer needs), transferred back for reuse. */
  recycle(chunks: Uint8Array[]): void {
    for (const c of chunks) {
      if (spares.length >= KEPT_SPARES) break;
      // A last, partial chunk is a view of a whole buffer: the buffer is what is reused.
      if (c.byteOffset === 0) spares.push(new Uint8Array(c.buffer));
    }
  },
};

export type GarblerWorkerApi = typeof api;

if (parentPort) Comlink.expose(api, nodeEndpoint(parentPort));
