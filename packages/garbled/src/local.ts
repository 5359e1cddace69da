/**
 * Both parties of a garbled session in one process, joined by an in-memory
 * channel: for the CLI's local runs, tests and benchmarks. Messages are
 * delivered asynchronously and in order, as a network would.
 */
import type { Column, PlainInputs, Program } from '@parley/circuit';
import type { OtContextStore } from './otContexts.js';
import { garbledJob, outputColumns } from './program.js';
import { GarbledSession } from './twoPartySession.js';

export interface LocalRunResult {
  /** Outputs each party received, by party then output name. */
  outputs: Record<string, Record<string, Column>>;
  andGates: number;
  /** Bytes sent by both parties. */
  bytes: number;
  ms: number;
  /** The parties continued an earlier session's OT extension (no base OTs). */
  resumedOt: boolean;
}

export async function runGarbledLocally(
  program: Program,
  inputs: PlainInputs,
  options: {
    chunkElements?: number;
    garblingWorkers?: number;
    /** Each party's OT contexts, to run several jobs under one OT setup (otContexts.ts). */
    otContexts?: Record<string, OtContextStore>;
    /** Copy each message when it is sent (as a transport does), so the garbler may reuse its buffers. */
    sendCopies?: boolean;
  } = {},
): Promise<LocalRunResult> {
  const t0 = performance.now();
  const sessions = new Map<string, GarbledSession>();
  let bytes = 0;
  for (const party of program.parties) {
    const job = garbledJob(program, party, inputs[party] ?? {}, options);
    const session = GarbledSession.forJob(
      job,
      party,
      (to, msg) => {
        bytes += msg.length;
        const m = options.sendCopies ? msg.slice() : msg;
        setImmediate(() => sessions.get(to)?.handleMessage(party, m));
      },
      {
        garblingWorkers: options.garblingWorkers,
        otContexts: options.otContexts?.[party],
        sendCopies: options.sendCopies,
      },
    );
    sessions.set(party, session);
  }
  const outputs: Record<string, Record<string, Column>> = {};
  await Promise.all(
    [...sessions].map(async ([party, s]) => {
      outputs[party] = outputColumns(program, await s.output());
    }),
  );
  const ms = performance.now() - t0;
  const stats = [...sessions.values()][0].stats();
  return { outputs, andGates: stats.andGates, bytes, ms, resumedOt: stats.resumedOt };
}
