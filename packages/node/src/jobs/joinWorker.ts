/**
 * The private join of a job (@parley/psi ecdhJoin) in a worker thread of its
 * own, so that its scalar multiplications (seconds of CPU for 100k keys)
 * never hold up the node's main thread: its HTTP API, the transport, other
 * jobs. Driven by privateJoin.ts over the worker's port: the peers' messages
 * come in, the join's messages, its progress and its result (or typed
 * error) go out.
 */
import { parentPort } from 'node:worker_threads';
import { asParleyError, errorFromJSON, type ParleyError, PeerInbox } from '@parley/interface';
import { ecdhJoin } from '@parley/psi';
import { PROGRESS_INTERVAL_MS } from './enginePool.js';
import { UnsentBudget } from './unsentBudget.js';

export interface JoinWork {
  self: string;
  parties: string[];
  keys: Uint8Array[];
  context: string;
  minParties: number;
  /** How long to wait for a peer's message (0: no limit). */
  timeoutMs: number;
  /** Bytes posted that the main thread may not yet have handed to the transport (default MAX_UNSENT_BYTES). */
  maxUnsentBytes?: number;
}

/** Into the worker. */
export type ToJoin =
  | { type: 'start'; work: JoinWork }
  | { type: 'message'; from: string; bytes: Uint8Array }
  /** The main thread handed this many of the join's bytes to the transport. */
  | { type: 'sent'; bytes: number }
  | { type: 'abort'; error: ReturnType<ParleyError['toJSON']> };

/** Out of the worker; `result` or `error` is the last message. */
export type FromJoin =
  | { type: 'send'; to: string; bytes: Uint8Array }
  /** The join took this many bytes of `from`'s messages (the transport may read more from it). */
  | { type: 'consumed'; from: string; bytes: number }
  | { type: 'progress'; done: number; total: number }
  | { type: 'result'; rows: number; ownRows: Int32Array; holders: Uint32Array; sizes: Record<string, number> }
  | { type: 'error'; error: ReturnType<ParleyError['toJSON']> };

const port = parentPort;
if (port) {
  let inbox: PeerInbox | undefined;
  let budget = new UnsentBudget();
  const post = (m: FromJoin, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  port.on('message', (m: ToJoin) => {
    if (m.type === 'message') inbox?.deliver(m.from, m.bytes);
    else if (m.type === 'sent') budget.sent(m.bytes);
    else if (m.type === 'abort') {
      const error = errorFromJSON(m.error);
      budget.fail(error);
      inbox?.fail(error);
    } else if (m.type === 'start') {
      const w = m.work;
      budget = new UnsentBudget(w.maxUnsentBytes);
      inbox = new PeerInbox(
        w.parties.filter((p) => p !== w.self),
        w.timeoutMs,
        (from, bytes) => post({ type: 'consumed', from, bytes }),
      );
      const box = inbox;
      let lastProgress = 0;
      ecdhJoin(
        {
          // Waits while the transport holds too much of what the join sent (a peer that does not read).
          send: (to, bytes) => {
            post({ type: 'send', to, bytes });
            return budget.add(bytes.byteLength);
          },
          recv: (from) => box.recv(from),
        },
        w.self,
        w.parties,
        w.keys,
        {
          context: w.context,
          minParties: w.minParties,
          onProgress: (done, total) => {
            const now = Date.now();
            if (now - lastProgress < PROGRESS_INTERVAL_MS && done < total) return;
            lastProgress = now;
            post({ type: 'progress', done, total });
          },
        },
      ).then(
        (r) =>
          post({ type: 'result', ...r }, [r.ownRows.buffer as ArrayBuffer, r.holders.buffer as ArrayBuffer]),
        (e: unknown) => post({ type: 'error', error: asParleyError(e, 'the join failed').toJSON() }),
      );
    }
  });
}
