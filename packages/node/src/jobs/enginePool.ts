/**
 * The node's pool of engine workers (engineWorker.ts, comlink): a job's
 * engine runs in a worker thread, so the main thread keeps answering the API
 * and moving other jobs' bytes during a long job. Workers start on first use,
 * up to the pool's size. A two-party garbled job goes to the worker its pair
 * of parties hashes to, so the OT extension that worker keeps with the peer
 * serves every job of the pair (a context another worker holds is simply not
 * claimed, and both parties then run fresh base OTs: correct, only slower);
 * other jobs go to the least busy worker.
 *
 * `run` bridges the job's messages with a MessageChannel of its own: the
 * peers' messages go in (copied: a transport may hand out views of its
 * buffers), the engine's come out in order and are handed to `io.send` one
 * at a time per peer; progress comes out at most every 100 ms, and the final
 * report always. A failure in the worker rejects with the engine's own typed
 * error; `io.signal` stops the engine there (the peers get its abort) and
 * rejects with the signal's reason; a worker that dies rejects its jobs with
 * InternalError and is replaced on next use.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Column, Program } from '@parley/circuit';
import {
  asParleyError,
  errorFromJSON,
  InternalError,
  InvalidArgument,
  JobCancelled,
  ParleyError,
  SessionClosed,
} from '@parley/interface';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { EngineResult, EngineWorkerApi, FromEngine, ToEngine } from './engineWorker.js';

/** Least time between two progress reports of a job from a worker (the final one always goes). */
export const PROGRESS_INTERVAL_MS = 100;

import type { JobProtocol } from './jobMessages.js';
import { OrderedSends } from './unsentBudget.js';

/** Largest pool. */
export const MAX_ENGINE_WORKERS = 256;
/** How long a cancelled job waits for its worker to stop the engine (and tell the peers) before rejecting anyway. */
export const ABORT_GRACE_MS = 1_000;

/** One party's side of a job, as JobRunner computes it. */
export interface EngineTask {
  /** `auto` (and `garbled`): the garbled engine for two parties; otherwise, or with three or more, sharing. */
  protocol: JobProtocol;
  program: Program;
  party: string;
  /** This party's input columns by input node id. */
  inputs: Map<number, Column>;
  /** How long the engine waits for a peer's message (ms). */
  timeoutMs: number;
}

/** How far a job is: AND gates (garbled) or operations (sharing) done of all. */
export interface EngineProgress {
  done: number;
  total: number;
  unit: string;
}

/** A job's traffic and controls: a @parley/transport `Session` fits `send`, `onMessage` and `consumed`. */
export interface EngineIo {
  send(to: string, bytes: Uint8Array): Promise<void> | void;
  /**
   * Delivers the peers' messages. The pool asks the transport to hold their
   * bytes against the sender's receive high-water mark until the engine has
   * taken them (`consumed`), so a peer that runs ahead of this party's engine
   * is slowed by back-pressure instead of filling the worker's memory.
   */
  onMessage(
    handler: (from: string, bytes: Uint8Array) => void,
    options?: { holdUntilConsumed?: boolean },
  ): void;
  /** Bytes of `from`'s messages the engine has taken (see `onMessage`). */
  consumed?(from: string, bytes: number): void;
  onProgress?(progress: EngineProgress): void;
  /** Aborting stops the engine and rejects `run` with the reason (a ParleyError, e.g. JobCancelled). */
  signal?: AbortSignal;
  /**
   * Resolves when the transport session ends (a `Session`'s `ended`): with its
   * error, or undefined after a close. An end while the job runs stops the
   * engine with that error, so a party whose peer failed fails at once.
   */
  ended?: Promise<ParleyError | undefined>;
}

/** The engine a job runs on (JobRunner's rule). */
export function engineOf(protocol: JobProtocol, parties: number): 'garbled' | 'sharing' {
  return parties > 2 || protocol === 'sharing' || protocol === 'replicated' ? 'sharing' : 'garbled';
}

/** The compiled worker script (tests that run from source use the built one beside it). */
function workerUrl(): URL {
  const here = new URL('./engineWorker.js', import.meta.url);
  return here.pathname.includes('/src/') ? new URL(here.href.replace('/src/', '/dist/')) : here;
}

function cancellation(reason: unknown): ParleyError {
  if (reason instanceof ParleyError) return reason;
  return new JobCancelled(reason instanceof Error ? reason.message : 'the job was cancelled');
}

interface PoolWorker {
  worker: Worker;
  api: Comlink.Remote<EngineWorkerApi>;
  jobs: Set<JobBridge>;
  /** Taken out of its slot: every job on it was stopped; it ends when they have. */
  detached?: boolean;
}

export class EnginePool {
  private readonly slots: Array<PoolWorker | undefined>;
  private closed = false;

  private constructor(readonly size: number) {
    this.slots = new Array(size).fill(undefined);
  }

  /** A pool of up to `size` workers (default: one per core but one), started as jobs need them. */
  static create(size = Math.max(1, availableParallelism() - 1)): EnginePool {
    if (!Number.isSafeInteger(size) || size < 1 || size > MAX_ENGINE_WORKERS) {
      throw new InvalidArgument(`the engine pool size must be an integer from 1 to ${MAX_ENGINE_WORKERS}`, {
        field: 'size',
      });
    }
    return new EnginePool(size);
  }

  /** Runs this party's side of `task` in a worker over `io`; resolves to the outputs this party receives. */
  run(task: EngineTask, io: EngineIo): Promise<Record<string, Column>> {
    if (this.closed) return Promise.reject(new InternalError('the engine pool is closed'));
    if (io.signal?.aborted) return Promise.reject(cancellation(io.signal.reason));
    const w = this.workerFor(task);
    const job = new JobBridge(
      w,
      task,
      io,
      () => {
        w.jobs.delete(job);
        if (w.jobs.size === 0) w.worker.unref();
        if (w.jobs.size === 0 && w.detached) this.terminate(w);
      },
      () => this.stopping(w),
      () => this.stuck(w),
    );
    if (w.jobs.size === 0) w.worker.ref();
    w.jobs.add(job);
    job.start();
    return job.result;
  }

  /** Ends every job (InternalError) and terminates the workers. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.filter((w): w is PoolWorker => w !== undefined);
    this.slots.fill(undefined);
    for (const w of workers) {
      for (const job of [...w.jobs]) job.fail(new InternalError('the engine pool closed while the job ran'));
      w.api[Comlink.releaseProxy]();
    }
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  /**
   * A job was stopped (cancelled, or its transport ended). When every job on
   * its worker is stopping, the worker leaves its slot, so the next job starts
   * on a fresh worker instead of waiting behind a synchronous step (lowering a
   * large program) whose result nobody wants.
   */
  private stopping(w: PoolWorker): void {
    if (w.detached || [...w.jobs].some((j) => !j.isStopping)) return;
    w.detached = true;
    const i = this.slots.indexOf(w);
    if (i >= 0) this.slots[i] = undefined;
  }

  /** A stopped job's worker did not answer within the grace period: end it if nothing else runs there. */
  private stuck(w: PoolWorker): void {
    if (w.detached && [...w.jobs].every((j) => j.isStopping)) this.terminate(w);
  }

  private terminate(w: PoolWorker): void {
    const i = this.slots.indexOf(w);
    if (i >= 0) this.slots[i] = undefined;
    void w.worker.terminate();
  }

  private workerFor(task: EngineTask): PoolWorker {
    const { parties } = task.program;
    let i: number;
    if (engineOf(task.protocol, parties.length) === 'garbled') {
      // A pair's garbled jobs on one worker: its OT extension with the peer is there.
      const h = createHash('sha256')
        .update([...parties].sort().join('\n'))
        .digest();
      i = h.readUInt32BE(0) % this.size;
    } else {
      const idle = this.slots.findIndex((w) => w !== undefined && w.jobs.size === 0);
      const free = this.slots.indexOf(undefined);
      i = idle >= 0 ? idle : free >= 0 ? free : this.leastBusy();
    }
    return this.slots[i] ?? this.start(i);
  }

  private leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.size; i++) {
      if ((this.slots[i]?.jobs.size ?? 0) < (this.slots[best]?.jobs.size ?? 0)) best = i;
    }
    return best;
  }

  private start(i: number): PoolWorker {
    const worker = new Worker(workerUrl());
    worker.unref();
    const w: PoolWorker = {
      worker,
      api: Comlink.wrap<EngineWorkerApi>(nodeEndpoint(worker)),
      jobs: new Set(),
    };
    const died = (error: ParleyError) => {
      if (this.slots[i] === w) this.slots[i] = undefined;
      for (const job of [...w.jobs]) job.fail(error);
    };
    worker.on('error', (e) => died(new InternalError(`an engine worker failed: ${e.message}`)));
    worker.on('exit', (code) => died(new InternalError(`an engine worker exited (code ${code})`)));
    this.slots[i] = w;
    return w;
  }
}

/**
 * One job between the main thread and its worker. The job settles (`result`)
 * when the worker has answered and every send it made is with the transport,
 * or early on a cancel the worker is slow to act on; its port stays open
 * until the worker's `end` (so a late abort still reaches the engine), or
 * until the worker dies or the pool closes.
 */
class JobBridge {
  readonly result: Promise<Record<string, Column>>;
  private resolve!: (outputs: Record<string, Column>) => void;
  private reject!: (error: ParleyError) => void;
  private readonly port: MessagePort;
  private readonly workerPort: MessagePort;
  /** The engine's messages, handed to `io.send` in order per peer. */
  private readonly sends = new OrderedSends(
    (to, bytes) => (this.settled ? undefined : this.io.send(to, bytes)),
    (e) => this.transportEnded(e),
    (bytes) => this.toEngine({ type: 'sent', bytes }),
  );
  private outcome: EngineResult | undefined;
  private ended = false;
  private settled = false;
  private released = false;
  private cancelled: ParleyError | undefined;
  /** The engine was told to stop because the transport session ended. */
  private transportGone = false;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly w: PoolWorker,
    private readonly task: EngineTask,
    private readonly io: EngineIo,
    private readonly onReleased: () => void,
    private readonly onStopping: () => void,
    private readonly onStuck: () => void,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.workerPort = port2;
  }

  start(): void {
    this.port.on('message', (m: FromEngine) => this.fromEngine(m));
    this.io.signal?.addEventListener('abort', this.onAbort);
    this.io.onMessage(
      (from, bytes) => {
        if (this.settled) return;
        // A copy of its own, transferred: the transport may reuse or share the buffer it handed out.
        const own = bytes.slice();
        this.toEngine({ type: 'message', from, bytes: own }, [own.buffer]);
      },
      // Held only when the engine's takings can be given back.
      this.io.consumed ? { holdUntilConsumed: true } : undefined,
    );
    this.io.ended?.then((error) => {
      this.transportEnded(error ?? new SessionClosed("the job's transport session closed while it ran"));
    });
    this.w.api.run(this.task, Comlink.transfer(this.workerPort, [this.workerPort])).then(
      (outcome) => {
        this.outcome = outcome;
        this.maybeFinish();
      },
      (e) => this.fail(asParleyError(e, 'the engine worker refused the job')),
    );
  }

  /** Ends the job with `error` at once and lets go of its port (the worker died, the pool closed). */
  fail(error: ParleyError): void {
    this.settle(error);
    this.release();
  }

  /** True once the job was told to stop (cancelled, or its transport ended). */
  get isStopping(): boolean {
    return this.cancelled !== undefined || this.transportGone;
  }

  private readonly onAbort = (): void => {
    if (this.settled || this.cancelled) return;
    this.cancelled = cancellation(this.io.signal?.reason);
    this.onStopping();
    this.toEngine({ type: 'abort', error: this.cancelled.toJSON() });
    // The worker normally answers at once; one in a long local step (lowering a program) is not waited for.
    this.graceTimer = setTimeout(() => this.giveUp(this.cancelled as ParleyError), ABORT_GRACE_MS);
  };

  /** The worker did not act on a stop in time: the job ends here now, and the pool deals with the worker. */
  private giveUp(error: ParleyError): void {
    if (this.settled) return;
    this.settle(error);
    this.onStuck();
  }

  /** The transport session failed or closed: the engine cannot go on (told once). */
  private transportEnded(error: unknown): void {
    if (this.settled || this.transportGone) return;
    this.transportGone = true;
    this.onStopping();
    const e = asParleyError(error, 'the transport failed');
    this.toEngine({ type: 'abort', error: e.toJSON() });
    this.graceTimer ??= setTimeout(() => this.giveUp(e), ABORT_GRACE_MS);
  }

  private toEngine(m: ToEngine, transfer: ArrayBuffer[] = []): void {
    if (!this.released) this.port.postMessage(m, transfer);
  }

  private fromEngine(m: FromEngine): void {
    if (m.type === 'end') {
      this.ended = true;
      if (this.settled) this.release();
      else this.maybeFinish();
    } else if (m.type === 'send') {
      this.sends.push(m.to, m.bytes);
    } else if (m.type === 'consumed') {
      this.io.consumed?.(m.from, m.bytes);
    } else if (!this.settled) {
      try {
        this.io.onProgress?.({ done: m.done, total: m.total, unit: m.unit });
      } catch {
        // A listener's fault is not the job's.
      }
    }
  }

  /** Settles once the worker has answered and every send it made has been handed to the transport. */
  private maybeFinish(): void {
    if (!this.outcome || !this.ended || this.settled) return;
    const outcome = this.outcome;
    void this.sends.settled().then(() => {
      if (this.cancelled) this.settle(this.cancelled);
      else if ('error' in outcome) this.settle(errorFromJSON(outcome.error));
      else this.settle(undefined, outcome.outputs);
      this.release();
    });
  }

  private settle(error: ParleyError | undefined, outputs?: Record<string, Column>): void {
    if (this.settled) return;
    this.settled = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.io.signal?.removeEventListener('abort', this.onAbort);
    if (error) this.reject(error);
    else this.resolve(outputs as Record<string, Column>);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.port.close();
    this.onReleased();
  }
}
