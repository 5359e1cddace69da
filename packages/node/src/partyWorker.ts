/**
 * A party in a worker thread: its own identity and TLS WebSocket endpoint on
 * 127.0.0.1, running its side of a garbled session or of a private join. Driven through comlink by
 * workerRun.ts, so that the parties of a local run use separate cores.
 */
import { parentPort } from 'node:worker_threads';
import type { Column, PlainInputs, Program } from '@parley/circuit';
import { GarbledSession, garbledJob, OtContextStore, outputColumns } from '@parley/garbled';
import { type Consortium, InternalError } from '@parley/interface';
import { ecdhJoin } from '@parley/psi';
import { createIdentity, type Session, WsEndpoint } from '@parley/transport';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

let endpoint: WsEndpoint | undefined;
/** OT extension per peer, kept across this party's sessions (as a node keeps it). */
const otContexts = new OtContextStore();

export interface PartyRunResult {
  outputs: Record<string, Column>;
  andGates: number;
  bytesSent: number;
  ms: number;
}

/**
 * `work` on `session`, which is closed afterwards whatever happens (a session
 * left open stays in the endpoint's books). When `work` fails, its error is
 * the one thrown: a failure to close does not replace it.
 */
async function closedAfter<T>(session: Session, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (e) {
    await session.close().catch(() => {});
    throw e;
  }
  await session.close();
  return result;
}

const api = {
  /** Creates this party's identity and endpoint; returns what the consortium file lists for it. */
  async listen(name: string): Promise<{ name: string; publicKey: string; address: string }> {
    const identity = await createIdentity(name);
    endpoint = await WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 });
    return { name, publicKey: identity.publicKeyHex, address: endpoint.address };
  },

  async join(consortium: Consortium): Promise<void> {
    if (!endpoint) throw new InternalError('the party worker was not started (listen() first)');
    await endpoint.join(consortium);
  },

  async run(
    program: Program,
    party: string,
    inputs: PlainInputs,
    sessionId: string,
    options: { garblingWorkers?: number } = {},
  ): Promise<PartyRunResult> {
    if (!endpoint) throw new InternalError('the party worker was not started (listen() first)');
    const job = garbledJob(program, party, inputs[party] ?? {});
    const session = await endpoint.openSession(sessionId, [...job.parties]);
    return closedAfter(session, async () => {
      const t0 = performance.now();
      const s = GarbledSession.forJob(job, party, (to, bytes) => session.send(to, bytes), {
        garblingWorkers: options.garblingWorkers ?? 0,
        otContexts,
        // The transport copies what it is given before send returns.
        sendCopies: true,
      });
      session.onMessage((from, bytes) => s.handleMessage(from, bytes));
      const outputs = outputColumns(program, await s.output());
      const ms = performance.now() - t0;
      const stats = s.stats();
      return { outputs, andGates: stats.andGates, bytesSent: stats.bytesSent, ms };
    });
  },

  /** This party's side of the ECDH private join on `keys` (@parley/psi); the joined rows and the time it took. */
  async privateJoin(
    keys: Uint8Array[],
    parties: string[],
    party: string,
    sessionId: string,
    minParties?: number,
  ): Promise<{ rows: number; ownRows: Int32Array; ms: number }> {
    if (!endpoint) throw new InternalError('the party worker was not started (listen() first)');
    const session = await endpoint.openSession(sessionId, parties);
    return closedAfter(session, async () => {
      const t0 = performance.now();
      const r = await ecdhJoin(session, party, parties, keys, { context: sessionId, minParties });
      return { rows: r.rows, ownRows: r.ownRows, ms: performance.now() - t0 };
    });
  },

  async close(): Promise<void> {
    otContexts.clear();
    await endpoint?.close();
    endpoint = undefined;
  },
};

export type PartyWorkerApi = typeof api;

if (parentPort) Comlink.expose(api, nodeEndpoint(parentPort));
