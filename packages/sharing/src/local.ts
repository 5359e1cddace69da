/**
 * Every party of a sharing session in one process, joined by in-memory
 * channels that deliver asynchronously and in order, as a network would: for
 * the CLI's local runs, tests and benchmarks.
 */
import type { Column, PlainInputs, Program } from '@parley/circuit';
import { prepareSharing } from './plan.js';
import { type SharingOptions, SharingSession, type SharingStats, schemeOf } from './session.js';

export interface LocalSharingResult {
  /** Outputs each party received, by party then output name. */
  outputs: Record<string, Record<string, Column>>;
  /** Statistics of each party's session. */
  stats: Record<string, SharingStats>;
  /** Bytes sent by all parties. */
  bytes: number;
  ms: number;
}

export async function runSharingLocally(
  program: Program,
  inputs: PlainInputs,
  options: SharingOptions = {},
): Promise<LocalSharingResult> {
  const t0 = performance.now();
  const prepared = prepareSharing(program, schemeOf(options.protocol ?? 'sharing'));
  const sessions = new Map<string, SharingSession>();
  let bytes = 0;
  for (const party of program.parties) {
    const session = new SharingSession(
      prepared,
      party,
      inputs[party] ?? {},
      (to, msg) => {
        bytes += msg.length;
        setImmediate(() => sessions.get(to)?.handleMessage(party, msg));
      },
      options,
    );
    sessions.set(party, session);
  }
  const outputs: Record<string, Record<string, Column>> = {};
  const settled = await Promise.allSettled(
    [...sessions].map(async ([party, s]) => {
      outputs[party] = await s.output();
    }),
  );
  const failure = settled.find((r) => r.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  const stats = Object.fromEntries([...sessions].map(([party, s]) => [party, s.stats()]));
  return { outputs, stats, bytes, ms: performance.now() - t0 };
}
