/**
 * examples/fraud-score: three banks score the customers they share for
 * fraud (the computation `parley demo` runs; @parley/circuits
 * fraudScore.ts). By default it sets the three banks up in a fresh directory,
 * starts their party nodes as real processes over mutual TLS on 127.0.0.1,
 * runs the job, checks every bank's outputs against the plaintext
 * reference, verifies the ledger receipt offline, and stops the nodes.
 *
 *   npm run example -- fraud-score [--accounts N] [--seed N] [--dir DIR] [--keep]
 *   npm run example -- fraud-score --against DIR
 *   npm run example -- fraud-score --help
 *
 * `--against DIR` runs the job on nodes that are already running, set up as
 * `parley demo` sets them up (DIR/bankA, DIR/bankB, DIR/bankC, each started
 * with `parley node start --node DIR/bankX`): it submits to bankA's node and
 * reads each bank's outputs from its own node.
 *
 * Exit status 0 when every bank's outputs equal the plaintext reference and
 * the receipt verifies; 1 otherwise; 2 for bad arguments.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FRAUD_BANKS, type FraudBank, fraudScoreComputation } from '@parley/circuits';
import {
  asUsageError,
  fraudJobTimeoutMs,
  readDemoData,
  runExample,
  runFraudDemo,
  runFraudJob,
  UsageError,
} from '@parley/cli';

const USAGE = `usage: npm run example -- fraud-score [options]
  --accounts N     synthetic accounts per bank (default 2000; 1..1000000)
  --seed N         seed of the synthetic accounts (default 1; 1..2147483648)
  --dir DIR        set the three banks up in DIR (new, empty or a previous run's; kept) instead of a
                   temporary directory
  --keep           keep the temporary directory
  --against DIR    run the job on nodes already running, set up as \`parley demo\` sets them up
                   (DIR/bankA, DIR/bankB, DIR/bankC); takes no --accounts, --seed, --dir or --keep
  --help           this text`;

function wholeNumber(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max) {
    throw new UsageError(`--${name}: expected a whole number 1..${max}, got '${v}'`);
  }
  return n;
}

/** The command line, checked; any problem is a UsageError (exit status 2). */
function parseFlags() {
  try {
    const { values: flags } = parseArgs({
      options: {
        accounts: { type: 'string' },
        seed: { type: 'string' },
        dir: { type: 'string' },
        keep: { type: 'boolean', default: false },
        against: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (flags.against !== undefined) {
      const extra = (['accounts', 'seed', 'dir'] as const)
        .filter((f) => flags[f] !== undefined)
        .map((f) => `--${f}`);
      if (flags.keep) extra.push('--keep');
      if (extra.length > 0) {
        throw new UsageError(`--against runs on existing nodes: it takes no ${extra.join(', ')}`);
      }
    }
    const accounts = wholeNumber('accounts', flags.accounts ?? '2000', 1_000_000);
    const seed = wholeNumber('seed', flags.seed ?? '1', 2 ** 31);
    return { ...flags, accounts, seed };
  } catch (e) {
    throw asUsageError(e);
  }
}

async function againstRunningNodes(dir: string): Promise<void> {
  const dirs = Object.fromEntries(FRAUD_BANKS.map((b) => [b, join(dir, b)])) as Record<FraudBank, string>;
  const data = await readDemoData(dir);
  // The computation's bound on joined customers: the largest bank's accounts, as parley demo sets it.
  const accounts = Math.max(...FRAUD_BANKS.map((b) => data[b].keys.length));
  await runFraudJob(dirs, fraudScoreComputation(accounts), {
    consortiumFile: join(dir, 'consortium.json'),
    receiptFile: join(dir, 'receipt.json'),
    data,
    timeoutMs: fraudJobTimeoutMs(accounts),
  });
}

async function main(): Promise<number> {
  const flags = parseFlags();
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const t0 = performance.now();
  if (flags.against !== undefined) {
    await againstRunningNodes(resolve(flags.against));
  } else {
    // In --dir, or a temporary directory removed at the end unless --keep.
    const report = await runFraudDemo({
      name: 'fraud-score',
      dir: flags.dir,
      keep: flags.keep,
      accounts: flags.accounts,
      seed: flags.seed,
    });
    console.log('');
    console.log(`job ${report.jobId}: submit to recorded in ${report.jobSeconds.toFixed(1)} s`);
  }
  // A job that differs from plaintext or whose receipt does not verify has thrown (exit status 1).
  console.log(`fraud-score example done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

runExample('fraud-score', USAGE, main);
