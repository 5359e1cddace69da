/**
 * An engine worker: runs this node's side of jobs in a worker thread, driven
 * through comlink by enginePool.ts, so the node's main thread (its HTTP API,
 * the transport, other jobs) stays free while a job computes. The engines
 * are called as JobRunner calls them: two-party jobs on the garbled engine,
 * jobs of three or more parties or asking for `sharing` / `replicated` on the
 * secret-sharing engine.
 *
 * A job's traffic crosses on a MessagePort of its own: the peers' messages
 * in; the engine's messages (in order), its progress (throttled) and a last
 * `end` out. The engine's sends are held to a window of bytes the main thread
 * has not yet handed to the transport (back-pressure, as the transport's own
 * `send` gives). The OT extension per peer is kept across the jobs this worker
 * runs; the pool sends a peer pair's garbled jobs to the same worker.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import type { Column } from '@parley/circuit';
import { GarbledSession, garbledJob, OtContextStore, outputColumns } from '@parley/garbled';
import { asParleyError, errorFromJSON, type ParleyError } from '@parley/interface';
import { SharingSession } from '@parley/sharing';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { type EngineProgress, type EngineTask, engineOf, PROGRESS_INTERVAL_MS } from './enginePool.js';
import { UnsentBudget } from './unsentBudget.js';

export type ErrorJson = ReturnType<ParleyError['toJSON']>;

/** Into the worker, on a job's port. */
export type ToEngine =
  | { type: 'message'; from: string; bytes: Uint8Array }
  /** The main thread handed this many of the engine's bytes to the transport. */
  | { type: 'sent'; bytes: number }
  /** Stop the engine with this error (the job was cancelled, or the transport failed). */
  | { type: 'abort'; error: ErrorJson };

/** Out of the worker, on a job's port; `end` is the last message. */
export type FromEngine =
  | { type: 'send'; to: string; bytes: Uint8Array }
  /** The engine took this many bytes of `from`'s messages (the transport may read more from it). */
  | { type: 'consumed'; from: string; bytes: number }
  | ({ type: 'progress' } & EngineProgress)
  | { type: 'end' };

export type EngineResult = { outputs: Record<string, Column> } | { error: ErrorJson };

/** OT extension per peer, kept across the jobs of this worker (as JobRunner keeps one per node). */
const otContexts = new OtContextStore();

/** `bytes` in a buffer of its own to transfer: itself when `mayKeep` and it spans its buffer, else a copy. */
function transferable(bytes: Uint8Array, mayKeep: boolean): Uint8Array<ArrayBuffer> {
  const whole =
    bytes.buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength;
  return mayKeep && whole ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}

/** Output columns that clone no more than their own values (a view of a larger buffer is copied). */
function compact(outputs: Record<string, Column>): Record<string, Column> {
  const out: Record<string, Column> = {};
  for (const [name, col] of Object.entries(outputs)) {
    out[name] = col instanceof BigUint64Array && col.byteLength !== col.buffer.byteLength ? col.slice() : col;
  }
  return out;
}

const api = {
  /** Runs `task` with its traffic on `port`; never throws (a failure is the result's `error`). */
  async run(task: EngineTask, port: MessagePort): Promise<EngineResult> {
    const { protocol, program, party, inputs, timeoutMs } = task;
    const garbled = engineOf(protocol, program.parties.length) === 'garbled';
    const post = (m: FromEngine, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
    const budget = new UnsentBudget();
    // The garbled engine never reuses what it sends; the sharing engine may (sendCopies), so that is copied.
    const send = (to: string, bytes: Uint8Array): void | Promise<void> => {
      const own = transferable(bytes, garbled);
      post({ type: 'send', to, bytes: own }, [own.buffer]);
      return budget.add(own.byteLength);
    };
    let lastProgress = Number.NEGATIVE_INFINITY;
    const onProgress = (p: EngineProgress) => {
      const now = performance.now();
      if (p.done < p.total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      post({ type: 'progress', done: p.done, total: p.total, unit: p.unit });
    };
    const onConsumed = (from: string, bytes: number) => post({ type: 'consumed', from, bytes });
    let session: GarbledSession | SharingSession | undefined;
    const onMessage = (m: ToEngine) => {
      if (m.type === 'message') session?.handleMessage(m.from, m.bytes);
      else if (m.type === 'sent') budget.sent(m.bytes);
      else {
        budget.fail(errorFromJSON(m.error));
        session?.abort(budget.failure as ParleyError);
      }
    };
    try {
      let outputs: Record<string, Column>;
      if (!garbled) {
        const s = new SharingSession(program, party, inputs, send, {
          protocol: protocol === 'replicated' ? 'replicated' : 'sharing',
          timeoutMs,
          // `send` copies what it is given before it returns.
          sendCopies: true,
          onProgress,
          onConsumed,
        });
        session = s;
        port.on('message', onMessage);
        outputs = await s.output();
      } else {
        const lowering = (done: number, total: number) =>
          onProgress({ done, total, unit: 'elements lowered' });
        const job = garbledJob(program, party, inputs, { onLoweringProgress: lowering });
        const s = GarbledSession.forJob(job, party, send, {
          timeoutMs,
          otContexts,
          onProgress,
          onConsumed,
        });
        session = s;
        port.on('message', onMessage);
        outputs = outputColumns(program, await s.output());
      }
      // A cancellation that came too late to stop the engine still cancels the job.
      if (budget.failure) throw budget.failure;
      return { outputs: compact(outputs) };
    } catch (e) {
      return { error: asParleyError(e, 'the engine failed').toJSON() };
    } finally {
      port.off('message', onMessage);
      // After every send of this job: the main thread forwards them all before it settles the job.
      post({ type: 'end' });
    }
  },
};

export type EngineWorkerApi = typeof api;

if (parentPort) Comlink.expose(api, nodeEndpoint(parentPort));
