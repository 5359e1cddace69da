/**
 * The command line the examples that run a job on party nodes share: the
 * options for where the nodes are (--dir, --keep, --setup-only, --node,
 * --help) and how they combine; how a run ends (one `FAILED:` line per
 * problem, exit status 1, or the closing line, 0); and how it ends on an
 * error (a mistake on the command line is printed with the usage, exit
 * status 2; anything else with its code, 1).
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import { secondsSince } from './progressLines.js';

/** A mistake on the command line: printed with the usage, exit status 2. */
export class UsageError extends Error {}

/** The options (node:util parseArgs) for where an example's party nodes are. */
export const PARTY_NODE_OPTIONS = {
  dir: { type: 'string' },
  keep: { type: 'boolean', default: false },
  'setup-only': { type: 'boolean', default: false },
  node: { type: 'string', multiple: true },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

/** Checks how PARTY_NODE_OPTIONS combine; throws a UsageError. */
export function checkPartyNodeFlags(flags: {
  dir?: string;
  keep?: boolean;
  'setup-only'?: boolean;
  node?: string[];
}): void {
  if (flags['setup-only'] && !flags.dir) throw new UsageError('--setup-only needs --dir DIR');
  if (flags.node && (flags.dir || flags.keep || flags['setup-only'])) {
    throw new UsageError('--node runs on existing nodes: it takes no --dir, --keep or --setup-only');
  }
}

/** `e`, a problem with the command line, as a UsageError. */
export function asUsageError(e: unknown): UsageError {
  return e instanceof UsageError ? e : new UsageError((e as Error).message);
}

/**
 * The end of a run: each problem on a `FAILED:` line, or
 * `NAME example done in T: OUTCOME`. Returns the exit status.
 */
export function finishExample(
  name: string,
  problems: readonly string[],
  t0: number,
  outcome: string,
): number {
  console.log('');
  if (problems.length > 0) {
    for (const p of problems) console.log(`FAILED: ${p}`);
    return 1;
  }
  console.log(`${name} example done in ${secondsSince(t0)}: ${outcome}`);
  return 0;
}

/**
 * Runs an example's `main` and sets the exit status: what `main` returns; 2
 * after a UsageError (printed with `usage`); 1 after any other error.
 */
export function runExample(name: string, usage: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        console.error(`${name}: ${e.message}\n${usage}`);
        process.exitCode = 2;
        return;
      }
      const err = e as { code?: string; message?: string };
      console.error(`${name}: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`);
      process.exitCode = 1;
    },
  );
}
