/**
 * Runs a two-party garbled computation with each party in its own worker
 * thread and its own TLS WebSocket endpoint on 127.0.0.1: the closest a single
 * machine gets to two nodes, and what the `garbled` benchmark measures end to end.
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

export async function runGarbledInWorkers(program: Program, inputs: PlainInputs): Promise<LoopbackResult> {
  const parties = program.parties.slice(0, 2);
  const workers = parties.map(() => new Worker(workerUrl()));
  const apis = workers.map((w) => Comlink.wrap<PartyWorkerApi>(nodeEndpoint(w)));
  try {
    const members = await Promise.all(parties.map((p, i) => apis[i].listen(p)));
    const consortium: Consortium = { name: 'local-workers', parties: members };
    const results = await Promise.all(
      parties.map((p, i) => apis[i].run(consortium, program, p, inputs, 'worker-run')),
    );
    await Promise.all(apis.map((a) => a.close()));
    return {
      outputs: Object.fromEntries(parties.map((p, i) => [p, results[i].outputs])),
      andGates: results[0].andGates,
      bytes: results.reduce((s, r) => s + r.bytesSent, 0),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  } finally {
    for (const a of apis) a[Comlink.releaseProxy]();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
