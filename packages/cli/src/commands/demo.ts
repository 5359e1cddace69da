/**
 * `parley demo [--dir DIR]`: the main job. Sets up three banks (fresh keys,
 * synthetic accounts keyed by hashed customer ids, policies, one
 * consortium), starts their three party nodes on 127.0.0.1 (mutual TLS
 * between them), submits the three-bank fraud score over their privately
 * joined tables to bankA, follows it with a progress bar, and prints what
 * each bank received, the public counts, the ledger receipt and the offline
 * verifier's verdict (demo/fraudDemo.ts). The nodes are stopped at the end,
 * whatever happens; the data stay in DIR.
 */
import { join, resolve } from 'node:path';
import { InvalidArgument } from '@parley/interface';
import type { Command } from 'commander';
import { runFraudDemo } from '../demo/fraudDemo.js';

/** A flag's parser: a whole number 1..1000000; the error names the flag. */
function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 1_000_000)
      throw new InvalidArgument(`${flag}: expected a whole number 1..1000000, got '${v}'`, {
        field: flag.slice(2),
      });
    return n;
  };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('three bank nodes compute a joint fraud score with MPC and record it on the ledger')
    .option('--dir <dir>', 'where the three node directories and the data go', 'parley-demo')
    .option('--accounts <n>', 'accounts per bank', positiveInt('--accounts'), 1000)
    .option('--seed <n>', 'seed of the synthetic data', positiveInt('--seed'), 1)
    .action(async (flags: { dir: string; accounts: number; seed: number }) => {
      const t0 = performance.now();
      const dir = resolve(flags.dir);
      await runFraudDemo({ name: 'parley', dir, accounts: flags.accounts, seed: flags.seed });
      console.log('');
      console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      console.log(
        `try: npx parley ledger verify --node ${join(dir, 'bankA')} --consortium ${join(dir, 'consortium.json')}`,
      );
    });
}
