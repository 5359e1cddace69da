import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DATA =
  process.env.PARLEY_SHARED_DATA ?? fileURLToPath(new URL('../../shared/data/', import.meta.url));
export const BRISTOL = `${DATA.replace(/\/$/, '')}/bristol`;
const BIN = `${ROOT}packages/cli/bin/parley.js`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `parley` CLI (npm test builds before vitest runs). */
export function parley(
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  if (!existsSync(`${ROOT}packages/cli/dist/program.js`)) {
    throw new Error('packages/cli is not built: run `npm run build` first');
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}
