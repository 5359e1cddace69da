/**
 * Shared helpers of the examples' end-to-end tests: running a built example
 * (or the example runner) as `npm run example` would; what a run leaves
 * behind in a temporary directory or in --dir; and party nodes started the
 * way an operator starts them, for `--node`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NodeProcesses } from '@parley/cli';
import { expect } from 'vitest';
import { processesNaming, ROOT, type RunResult, runScript } from '../helpers.js';

/** Runs a built script from the project's root, as `npm run` does (npm's INIT_CWD is where it was typed). */
export function runFromRoot(script: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return runScript(script, args, { timeoutMs, env: { ...process.env, INIT_CWD: ROOT } });
}

/** After a run in a temporary directory: the directory is gone, and no process names it. */
export function expectNothingLeftBehind(dir: string): void {
  expect(existsSync(dir), `${dir} is removed`).toBe(false);
  expect(processesNaming(dir)).toEqual([]);
}

/**
 * After a run in `--dir DIR`: DIR holds the receipt, no process names it, and
 * running `main` in it again is refused (a set-up never overwrites).
 */
export async function expectKeptDirectory(main: string, dir: string): Promise<void> {
  expect(existsSync(join(dir, 'receipt.json'))).toBe(true);
  expect(processesNaming(dir)).toEqual([]);
  const again = await runFromRoot(main, ['--dir', dir], 60_000);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/is not empty/);
}

/** Starts the nodes of DIR/PARTY for each party, runs `use`, and stops them whatever happens. */
export async function withRunningNodes<T>(
  dir: string,
  parties: readonly string[],
  use: () => Promise<T>,
): Promise<T> {
  const nodes = new NodeProcesses();
  try {
    await Promise.all(parties.map((p) => nodes.start(p, join(dir, p))));
    return await use();
  } finally {
    await nodes.stopAll();
  }
}
