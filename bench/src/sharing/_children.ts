import type { ChildProcess } from 'node:child_process';
import { ENGINE_V8_FLAGS } from '@parley/node';

/**
 * Node options of a bench party process: the V8 flags a party node runs with
 * (@parley/node ENGINE_V8_FLAGS), then PARLEY_BENCH_PARTY_NODE_ARGS, e.g.
 * '--cpu-prof --cpu-prof-dir=prof' to profile the parties.
 */
export function partyExecArgv(): string[] {
  return [
    ...ENGINE_V8_FLAGS,
    ...(process.env.PARLEY_BENCH_PARTY_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
}

/**
 * The next message of each bench party (a forked child) that `pick` accepts;
 * rejects when a child reports an error (`{ error }`) or exits first.
 */
export function fromChildren<M extends object, T>(
  children: readonly ChildProcess[],
  pick: (m: M) => T | undefined,
): Promise<T[]> {
  return Promise.all(
    children.map(
      (c) =>
        new Promise<T>((resolve, reject) => {
          const onMessage = (m: M) => {
            if ('error' in m) finish(() => reject(new Error(`bench party failed: ${String(m.error)}`)));
            const v = pick(m);
            if (v !== undefined) finish(() => resolve(v));
          };
          const onExit = (code: number) => finish(() => reject(new Error(`bench party exited (${code})`)));
          const finish = (settle: () => void) => {
            c.off('message', onMessage);
            c.off('exit', onExit);
            settle();
          };
          c.on('message', onMessage);
          c.on('exit', onExit);
        }),
    ),
  );
}
