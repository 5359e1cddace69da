/**
 * A job on a node, by id: its status, waiting for its end (polling
 * `GET /jobs/:id`), its outputs, its ledger receipt, and cancelling it.
 * A handle holds no state but the id: any number of handles, in any number
 * of processes, may follow the same job.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgument, MAX_TIMER_MS, MalformedFrame, Timeout } from '@parley/interface';
import type { ReceiptJSON } from '@parley/ledger';
import type { OutputValue } from '../defineComputation.js';
import type { HttpApi } from './_http.js';
import {
  checkJobRecord,
  checkJobStatus,
  decodeOutputs,
  type EncodedOutput,
  isFinalState,
  type JobRecord,
  type JobStatus,
  jobError,
} from './jobRecord.js';

/** Time between two polls of `wait`. */
export const DEFAULT_POLL_INTERVAL_MS = 200;

export interface WaitOptions {
  /** Give up after this long (default: never) with a Timeout error; the job itself goes on. */
  timeoutMs?: number;
  /** Called with the first status and with each one whose state, progress or ledger entry changed. */
  onProgress?: (status: JobStatus) => void;
  /**
   * `finished` (default): resolve in a final state (recorded). `delivered`:
   * resolve as soon as the outputs are there (delivered or recorded).
   */
  until?: 'finished' | 'delivered';
  /** Time between polls (default 200 ms). */
  intervalMs?: number;
  /** Stops waiting (rejects with the signal's reason); the job goes on. */
  signal?: AbortSignal;
}

export class JobHandle {
  readonly id: string;
  /** The record the node answered the submission with (`submit` only; undefined from `job(id)`). */
  readonly submitted: JobRecord | undefined;
  readonly #api: HttpApi;
  readonly #path: string;

  /** Handles come from `ParleyClient#submit` and `ParleyClient#job`. */
  constructor(api: HttpApi, id: string, submitted?: JobRecord) {
    this.id = id;
    this.submitted = submitted;
    this.#api = api;
    this.#path = `/jobs/${encodeURIComponent(id)}`;
  }

  /** The job now: its record, transitions, commitments, progress and ledger entry. */
  async status(): Promise<JobStatus> {
    return checkJobStatus(await this.#api.request('GET', this.#path), `GET ${this.#path}`);
  }

  /**
   * Polls until the job ends (or, with `until: 'delivered'`, until its
   * outputs are there) and resolves with its status. Rejects with the job's
   * typed error (PolicyRefused, JobCancelled, the failure's own class …)
   * when it ends refused, failed or cancelled, and, unless waiting only
   * for delivery, with NotRecorded when its node could not record it.
   */
  async wait(options: WaitOptions = {}): Promise<JobStatus> {
    const { onProgress, signal } = options;
    const until = options.until ?? 'finished';
    const interval = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!Number.isInteger(interval) || interval < 1 || interval > MAX_TIMER_MS)
      throw new InvalidArgument(`wait: intervalMs must be a whole number of ms in 1..${MAX_TIMER_MS}`, {
        field: 'intervalMs',
      });
    if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs >= 0))
      throw new InvalidArgument('wait: timeoutMs must be a number of ms ≥ 0', { field: 'timeoutMs' });
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    let seen = '';
    for (;;) {
      signal?.throwIfAborted();
      const s = await this.status();
      const key = JSON.stringify([s.state, s.progress, s.ledger]);
      if (key !== seen) {
        seen = key;
        onProgress?.(s);
      }
      if (until === 'delivered' && s.state === 'delivered') return s;
      const error = jobError(s);
      if (error !== undefined) throw error;
      if (isFinalState(s.state)) return s;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Timeout(
          `job ${this.id} is still ${s.state} after ${options.timeoutMs} ms (it goes on: wait again or cancel it)`,
          { job: this.id, state: s.state },
        );
      }
      await sleep(Math.min(interval, left), undefined, { signal }).catch((e: unknown) => {
        signal?.throwIfAborted(); // the signal's own reason, not the timer's AbortError
        throw e;
      });
    }
  }

  /** The outputs this node is entitled to: integers as bigint, fixed point as number, vectors as arrays. */
  async outputs(): Promise<Record<string, OutputValue>> {
    return decodeOutputs(await this.encodedOutputs());
  }

  /**
   * The outputs given per row of this node's table (`rowsOf`), by the row's
   * key: only the rows this node holds (a joined table's rows are in an
   * order of the join's, so the key is how to read them).
   */
  async outputsByKey(): Promise<Record<string, Record<string, bigint | number>>> {
    const encoded = await this.encodedOutputs();
    const decoded = decodeOutputs(encoded);
    const out: Record<string, Record<string, bigint | number>> = {};
    for (const [name, o] of Object.entries(encoded)) {
      if (!Array.isArray(o.keys)) continue;
      const one = decoded[name];
      const values = Array.isArray(one) ? one : [one];
      if (values.length !== o.keys.length) {
        throw new MalformedFrame(`output ${name}: ${o.keys.length} keys for its values`, { field: name });
      }
      // fromEntries keeps a key such as "__proto__" (customer data) as an own entry.
      out[name] = Object.fromEntries(
        o.keys.flatMap((key, r) => (typeof key === 'string' ? [[key, values[r]] as const] : [])),
      );
    }
    return out;
  }

  /** The outputs as the node sends them: each value as text (decimal; `0x` hex above 64 bits). */
  async encodedOutputs(): Promise<Record<string, EncodedOutput>> {
    const path = `${this.#path}/outputs`;
    const json = (await this.#api.request('GET', path)) as { outputs?: unknown };
    if (typeof json.outputs !== 'object' || json.outputs === null || Array.isArray(json.outputs)) {
      throw new MalformedFrame(`GET ${path}: outputs is not an object`, { field: 'outputs' });
    }
    return json.outputs as Record<string, EncodedOutput>;
  }

  /** The job's ledger receipt (NotFound until the job is recorded); check it with `verifyReceipt`. */
  async receipt(): Promise<ReceiptJSON> {
    return (await this.#api.request('GET', `${this.#path}/receipt`)) as ReceiptJSON;
  }

  /** Cancels the job on every party; rejects (the node's conflict error) when it has already finished. */
  async cancel(): Promise<JobRecord> {
    const path = `${this.#path}/cancel`;
    return checkJobRecord(await this.#api.request('POST', path), `POST ${path}`);
  }
}
