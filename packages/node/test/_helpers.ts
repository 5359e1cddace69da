import { join } from 'node:path';
import type { Consortium, ParleyError } from '@parley/interface';
import type { Session, WsEndpoint } from '@parley/transport';
import { type Logger, pino } from 'pino';
import { type EnginePool, type JobRecord, JobRunner, JobStore, type NodeConfig } from '../src/index.js';

/** The error `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<ParleyError> {
  try {
    await p;
  } catch (e) {
    return e as ParleyError;
  }
  throw new Error('expected a rejection');
}

/** bankA and bankB with made-up keys, at 127.0.0.1 ports `firstPort` and the next (never dialled). */
export function twoBanks(firstPort: number): Consortium {
  return {
    parties: ['bankA', 'bankB'].map((name, i) => ({
      name,
      publicKey: `${i + 1}`.repeat(64),
      address: `127.0.0.1:${firstPort + i}`,
    })),
  };
}

/**
 * An endpoint whose sessions open at once and never take a message: a job
 * fails when it first sends. What its sessions are aborted with goes to `aborted`.
 */
export function silentEndpoint(aborted: ParleyError[]): WsEndpoint {
  return {
    async openSession(id: string): Promise<Session> {
      return {
        id,
        ended: new Promise(() => {}),
        abort: (e: ParleyError) => aborted.push(e),
        close: async () => {},
      } as unknown as Session;
    },
  } as unknown as WsEndpoint;
}

/** bankB's JobRunner over `endpoint` (no engines: a job fails before it computes), its store in `dir/file`. */
export function bankBRunner(o: {
  dir: string;
  file: string;
  endpoint: WsEndpoint;
  dataSources?: NodeConfig['dataSources'];
  log?: Logger;
}): { store: JobStore; runner: JobRunner } {
  const store = JobStore.open(join(o.dir, o.file));
  const runner = new JobRunner({
    self: 'bankB',
    dir: o.dir,
    config: { dataSources: o.dataSources ?? {} } as NodeConfig,
    store,
    endpoint: o.endpoint,
    log: o.log ?? pino({ level: 'silent' }),
    engines: {} as EnginePool,
  });
  return { store, runner };
}

/** Job `id` of bankA and bankB, proposed by `proposer`, approved, in `store`. */
export function approvedJob(store: JobStore, id: string, proposer: string): JobRecord {
  store.create({ id, computationId: 'c'.repeat(64), name: 'test', parties: ['bankA', 'bankB'], proposer });
  store.transition(id, 'approved');
  return store.get(id) as JobRecord;
}
