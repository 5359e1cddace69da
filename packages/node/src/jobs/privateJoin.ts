/**
 * Runs this node's side of a job's private join in a worker thread
 * (joinWorker.ts) over the job's join session: the peers' messages go to the
 * worker, the worker's messages go out on the session in order. A cancelled
 * job or an ended session stops the worker; the join's typed error (a bad
 * message, a repeated key, a timeout) comes back as it was thrown.
 */
import { Worker } from 'node:worker_threads';
import { errorFromJSON, InternalError } from '@parley/interface';
import type { JoinResult } from '@parley/psi';
import type { Session } from '@parley/transport';
import type { FromJoin, JoinWork, ToJoin } from './joinWorker.js';
import { OrderedSends } from './unsentBudget.js';

/** The compiled worker script (tests that run from source use the built one beside it). */
function workerUrl(): URL {
  const here = new URL('./joinWorker.js', import.meta.url);
  return here.pathname.includes('/src/') ? new URL(here.href.replace('/src/', '/dist/')) : here;
}

export function joinInWorker(
  session: Session,
  work: JoinWork,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<JoinResult> {
  const worker = new Worker(workerUrl());
  const tell = (m: ToJoin) => worker.postMessage(m);
  return new Promise<JoinResult>((resolve, reject) => {
    let settled = false;
    const finish = (end: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      end();
    };
    const onAbort = () => finish(() => reject(options.signal?.reason));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void session.ended.then((e) => {
      if (e) finish(() => reject(e));
    });
    worker.on('error', (e) =>
      finish(() => reject(new InternalError(`the join's worker failed: ${e.message}`))),
    );
    worker.on('exit', () => finish(() => reject(new InternalError("the join's worker exited"))));
    // One after another per peer, each once the one before it was taken; the worker waits past its budget.
    const sends = new OrderedSends(
      (to, bytes) => (settled ? undefined : session.send(to, bytes)),
      (e) => finish(() => reject(e)),
      (bytes) => {
        if (!settled) tell({ type: 'sent', bytes });
      },
    );
    worker.on('message', (m: FromJoin) => {
      if (m.type === 'send') {
        sends.push(m.to, m.bytes);
      } else if (m.type === 'consumed') {
        session.consumed(m.from, m.bytes);
      } else if (m.type === 'progress') {
        options.onProgress?.(m.done, m.total);
      } else if (m.type === 'result') {
        // Done once the transport has taken every message (the final tags the peers still wait for).
        const result = { rows: m.rows, ownRows: m.ownRows, holders: m.holders, sizes: m.sizes };
        void sends.settled().then(() => finish(() => resolve(result)));
      } else if (m.type === 'error') {
        finish(() => reject(errorFromJSON(m.error)));
      }
    });
    // The peers' bytes count against their receive high-water mark until the join takes them.
    session.onMessage((from, bytes) => tell({ type: 'message', from, bytes }), { holdUntilConsumed: true });
    tell({ type: 'start', work });
  });
}
