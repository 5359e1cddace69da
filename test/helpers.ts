import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

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

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs a built script of the project with Node; resolves with its exit status and output (never rejects). */
export function runScript(script: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(script)) throw new Error(`${script} is not built: run \`npm run build\` first`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      {
        cwd: options.cwd ?? ROOT,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 << 20,
        env: options.env ?? process.env,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/** Runs the built `parley` CLI (npm test builds before vitest runs). */
export function parley(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runScript(BIN, args, options);
}

/** Processes whose command line names `text` (none left behind is what the end-to-end tests check). */
export function processesNaming(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A temporary directory for the tests of one file, made before they run and
 * removed after the last: call it at the top level; the function it returns
 * names the directory (in hooks and tests).
 */
export function temporaryDirectory(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error(`the temporary directory ${prefix}… is made before the tests run`);
    return dir;
  };
}
