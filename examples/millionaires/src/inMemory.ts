/**
 * Part 1: the millionaires' circuit through mpc-framework's `Protocol` with
 * `ParleyEngine`, as an mpc-framework user runs it: one session per party,
 * each given a `send(to, bytes)` callback, the two connected in memory by
 * handing every message to the other session's `handleMessage`. Two parties
 * run on Parley's garbled engine (alice garbles, bob evaluates). Each pair's
 * output is checked against the plaintext answer, for both parties.
 */
import type { SummonCircuit } from '@parley/circuit';
import { ParleyEngine } from '@parley/sdk';
import { Protocol } from 'mpc-framework';
import {
  aliceIsRicher,
  INPUT_OF,
  OUTPUT,
  PARTIES,
  type Party,
  say,
  verdict,
  type Wealth,
} from './millionaires.js';

/** A session waits at most this long for the other party's next message. */
const RECEIVE_TIMEOUT_MS = 30_000;

interface InMemoryRun {
  outputs: Record<Party, Record<string, unknown>>;
  messages: number;
  bytes: number;
}

/** Runs the circuit once with both parties in this process. */
async function runProtocol(circuit: SummonCircuit, wealth: Wealth): Promise<InMemoryRun> {
  const sessions = {} as Record<Party, ReturnType<Protocol['join']>>;
  let messages = 0;
  let bytes = 0;
  for (const party of PARTIES) {
    const engine = new ParleyEngine({ timeoutMs: RECEIVE_TIMEOUT_MS });
    const input = { [INPUT_OF[party]]: wealth[party] };
    sessions[party] = new Protocol(circuit, engine).join(party, input, (to, msg) => {
      messages++;
      bytes += msg.length;
      // Delivered on a later tick, as a network would: never re-entrantly inside send.
      queueMicrotask(() => sessions[to as Party].handleMessage(party, msg));
    });
  }
  const outputs = await Promise.all(PARTIES.map((p) => sessions[p].output()));
  return { outputs: { alice: outputs[0], bob: outputs[1] }, messages, bytes };
}

/** Runs every pair; prints one line each. Returns the pairs whose outputs differ from plaintext. */
export async function runInMemory(circuit: SummonCircuit, pairs: readonly Wealth[]): Promise<string[]> {
  const problems: string[] = [];
  for (const wealth of pairs) {
    const t0 = performance.now();
    const run = await runProtocol(circuit, wealth);
    const ms = performance.now() - t0;
    const want = aliceIsRicher(wealth);
    const got = PARTIES.map((p) => Number(run.outputs[p][OUTPUT]));
    const pair = `alice ${wealth.alice.toLocaleString('en')} vs bob ${wealth.bob.toLocaleString('en')}`;
    const traffic = `${ms.toFixed(0)} ms, ${run.messages} messages, ${(run.bytes / 1024).toFixed(1)} KiB`;
    if (got.every((g) => g === want)) {
      say('', `${pair}: ${verdict(want)} (both got ${OUTPUT} = ${want}, as plaintext); ${traffic}`);
    } else {
      const line = `${pair}: alice got ${got[0]}, bob got ${got[1]}, plaintext says ${want}`;
      say('', `MISMATCH ${line}`);
      problems.push(line);
    }
  }
  return problems;
}
