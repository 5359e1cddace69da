/**
 * Parley's first run in a fresh Node process, for
 * `garbled.ratio_vs_emp_wasm.cold_process`: the suite forks this module (with
 * the bench's V8 flags, sharing/_children.ts), sends it the compiled summon
 * circuit, and the child runs it once through mpc-framework's Protocol with
 * ParleyEngine and reports the time. The child has loaded its modules and run
 * nothing else, so the run pays everything a process's first run pays: the
 * JIT, the first use of every module, node:crypto's set-up, the base OTs, the
 * import, lowering and wire plan of the circuit.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SummonCircuit } from '@parley/circuit';
import { ParleyEngine } from '@parley/sdk';
import { fromChildren, partyExecArgv } from '../sharing/_children.js';
import { viaProtocol } from './summonChain.js';

/** Set in the child process. */
const CHILD_ENV = 'PARLEY_GARBLED_COLD_RUN';

type ToChild = { circuit: SummonCircuit; expected: number };
type FromChild = { ready: true } | { ms: number } | { error: string };

/** The time of one run of `circuit` (which must give `expected`) in a fresh process, in ms. */
export async function firstRunInFreshProcess(circuit: SummonCircuit, expected: number): Promise<number> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, [CHILD_ENV]: '1' },
    serialization: 'advanced',
    execArgv: partyExecArgv(),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await fromChildren([child], (m: FromChild) => ('ready' in m ? true : undefined));
    const done = fromChildren([child], (m: FromChild) => ('ms' in m ? m.ms : undefined));
    child.send({ circuit, expected } satisfies ToChild);
    const [ms] = await done;
    await exited;
    return ms;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

if (process.env[CHILD_ENV] && process.send) {
  // The last message, then exit (an engine's timers must not keep the child up).
  const finish = (m: FromChild) => process.send?.(m, () => process.exit(0));
  process.once('message', (m: ToChild) => {
    viaProtocol(m.circuit, () => new ParleyEngine(), m.expected).then(
      (ms) => finish({ ms }),
      (e: unknown) => finish({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  });
  process.send({ ready: true } satisfies FromChild);
}
