/**
 * `parley demo`: the main job. Until the party node exists, it runs the
 * three-bank fraud score from circuits/ on the plaintext evaluator with
 * synthetic data, and says so plainly.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fraudScoreComputation, syntheticFraudInputs } from '@parley/circuits';
import { InvalidArgument } from '@parley/interface';
import type { Command } from 'commander';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new InvalidArgument(`expected a whole number 1..100000, got '${v}'`);
  return n;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the three-bank fraud score on synthetic data (currently a plaintext run)')
    .option('--dir <dir>', 'where to write the synthetic bank data', '.parley-demo')
    .option('--accounts <n>', 'accounts per bank', positiveInt, 1000)
    .option('--seed <n>', 'seed of the synthetic data', positiveInt, 1)
    .action(async (flags: { dir: string; accounts: number; seed: number }) => {
      const t0 = performance.now();
      const dir = resolve(flags.dir);
      const inputs = syntheticFraudInputs(flags.accounts, flags.seed);
      for (const [bank, cols] of Object.entries(inputs)) {
        await mkdir(join(dir, bank), { recursive: true });
        const [[column, values]] = Object.entries(cols);
        const rows = values.map((v, i) => `acct-${String(i).padStart(6, '0')},${v}`);
        await writeFile(join(dir, bank, 'accounts.csv'), `account,${column}\n${rows.join('\n')}\n`);
      }
      const computation = fraudScoreComputation(flags.accounts);
      console.log(
        "PLAINTEXT RUN: the three banks' data are evaluated in one process, without MPC and without",
      );
      console.log('a ledger. The party nodes that compute this jointly arrive with the node daemon.');
      console.log('');
      console.log(`computation  ${computation.name}`);
      console.log(`id           ${computation.id}`);
      console.log(`accounts     ${flags.accounts} per bank (synthetic, seed ${flags.seed}, in ${dir})`);
      const stats = computation.booleanStats();
      console.log(
        `circuit      ${computation.circuit.nodes.length} IR nodes; ${stats.and.toLocaleString('en-US')} AND gates when lowered to boolean`,
      );
      const out = computation.evaluatePlaintext(inputs);
      const flagged = (out.flagged as bigint[]).flatMap((f, i) =>
        f ? [`acct-${String(i).padStart(6, '0')}`] : [],
      );
      console.log('');
      for (const bank of computation.parties) {
        const shown = flagged.slice(0, 8).join(', ');
        console.log(
          `${bank}        flagged accounts: ${flagged.length} (${shown}${flagged.length > 8 ? ', …' : ''})`,
        );
      }
      console.log('');
      console.log(
        `public       flaggedCount=${out.flaggedCount} meanScore=${(out.meanScore as number).toFixed(4)}`,
      );
      console.log(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    });
}
