import type { ChildProcess } from 'node:child_process';

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
