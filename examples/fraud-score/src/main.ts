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
 *
 * `--against DIR` runs the job on nodes that are already running, set up as
 * `parley demo` sets them up (DIR/bankA, DIR/bankB, DIR/bankC, each started
 * with `parley node start --node DIR/bankX`): it submits to bankA's node and
 * reads each bank's outputs from its own node.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FRAUD_BANKS, type FraudBank, fraudScoreComputation } from '@parley/circuits';
import { fraudJobTimeoutMs, readDemoData, runFraudDemo, runFraudJob } from '@parley/cli';
import { InvalidArgument } from '@parley/interface';

const { values: flags } = parseArgs({
  options: {
    accounts: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    against: { type: 'string' },
  },
});

function wholeNumber(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new InvalidArgument(`--${name}: expected a whole number 1..${max}, got '${v}'`, { field: name });
  }
  return n;
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

async function main(): Promise<void> {
  const t0 = performance.now();
  if (flags.against) {
    await againstRunningNodes(resolve(flags.against));
  } else {
    const accounts = wholeNumber('accounts', flags.accounts as string, 1_000_000);
    const seed = wholeNumber('seed', flags.seed as string, 2 ** 31);
    // In --dir, or a temporary directory removed at the end unless --keep.
    const report = await runFraudDemo({
      name: 'fraud-score',
      dir: flags.dir,
      keep: flags.keep,
      accounts,
      seed,
    });
    console.log('');
    console.log(`job ${report.jobId}: submit to recorded in ${report.jobSeconds.toFixed(1)} s`);
  }
  console.log(`fraud-score example done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e: Error) => {
  console.error(`fraud-score: ${e.message}`);
  process.exit(1);
});
