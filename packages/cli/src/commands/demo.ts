/**
 * `parley demo [--dir DIR]`: the main job. Sets up three banks (fresh keys,
 * synthetic accounts, policies, one consortium), starts their three party
 * nodes on 127.0.0.1 (mutual TLS between them), submits the three-bank fraud
 * score to bankA, follows it with a progress bar, and prints what each bank
 * received, the public aggregate, the ledger receipt and the offline
 * verifier's verdict. The nodes are stopped at the end, whatever happens; the
 * data stay in DIR.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fraudScoreComputation, syntheticFraudInputs } from '@parley/circuits';
import { InvalidArgument, loadConsortium, ProtocolViolation } from '@parley/interface';
import { connect, type OutputValue, verifyReceipt } from '@parley/sdk';
import type { Command } from 'commander';
import { accountId, setUpDemo } from '../demo/demoSetup.js';
import { NodeProcesses } from '../demo/nodeProcesses.js';
import { ProgressView } from '../progressView.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new InvalidArgument(`expected a whole number 1..100000, got '${v}'`);
  return n;
}

const JOB_TIMEOUT_MS = 50_000;

function flaggedAccounts(flags: OutputValue): string[] {
  const list = Array.isArray(flags) ? flags : [flags];
  return list.flatMap((f, i) => (Number(f) !== 0 ? [accountId(i)] : []));
}

function shortList(ids: string[]): string {
  return `${ids.length} (${ids.slice(0, 6).join(', ')}${ids.length > 6 ? ', …' : ''})`;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('three bank nodes compute a joint fraud score with MPC and record it on the ledger')
    .option('--dir <dir>', 'where the three node directories and the data go', 'parley-demo')
    .option('--accounts <n>', 'accounts per bank', positiveInt, 1000)
    .option('--seed <n>', 'seed of the synthetic data', positiveInt, 1)
    .action(async (flags: { dir: string; accounts: number; seed: number }) => {
      const t0 = performance.now();
      const dir = resolve(flags.dir);
      const computation = fraudScoreComputation(flags.accounts);
      const banks = await setUpDemo(dir, computation, flags.accounts, flags.seed);
      const row = (label: string, value: string) => console.log(`${label.padEnd(12)} ${value}`);
      row(
        'data',
        `${dir}: ${banks.map((b) => b.name).join(', ')}, ${flags.accounts} synthetic accounts each`,
      );

      const nodes = new NodeProcesses();
      const onSignal = () => {
        void nodes.stopAll().then(() => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const apis = await Promise.all(banks.map((b) => nodes.start(b.name, b.dir)));
        row('nodes', banks.map((b, i) => `${b.name} (api ${apis[i]})`).join(', '));
        row('', 'parties talk over mutual TLS on 127.0.0.1; logs in each node directory (node.log)');
        row('computation', `${computation.name} ${computation.id}`);

        const clients = banks.map((b) => connect({ node: b.dir }));
        const job = await clients[0].submit(computation);
        row('job', `${job.id}, submitted to ${banks[0].name}`);
        const view = new ProgressView(job.id);
        const status = await job
          .wait({ onProgress: (s) => view.update(s), timeoutMs: JOB_TIMEOUT_MS })
          .finally(() => view.end());

        console.log('');
        const plain = computation.evaluatePlaintext(syntheticFraudInputs(flags.accounts, flags.seed));
        let outputs: Record<string, OutputValue> = {};
        for (const [i, b] of banks.entries()) {
          outputs = await clients[i].job(job.id).outputs();
          row(b.name, `flagged accounts: ${shortList(flaggedAccounts(outputs.flagged))}`);
        }
        const mean = Number(outputs.meanScore);
        row('public', `flaggedCount=${outputs.flaggedCount} meanScore=${mean.toFixed(4)}`);
        const same =
          flaggedAccounts(outputs.flagged).join() === flaggedAccounts(plain.flagged).join() &&
          Number(outputs.flaggedCount) === Number(plain.flaggedCount) &&
          Math.abs(mean - Number(plain.meanScore)) < 1e-3;
        row(
          'check',
          same ? "equal to the plaintext evaluator's outputs" : 'DIFFERS from the plaintext evaluator',
        );

        const receipt = await clients[1].job(job.id).receipt();
        const receiptFile = join(dir, 'receipt.json');
        await writeFile(receiptFile, `${JSON.stringify(receipt, null, 2)}\n`);
        const consortium = await loadConsortium(join(dir, 'consortium.json'));
        const verdict = verifyReceipt(receipt, consortium);
        console.log('');
        row(
          'receipt',
          `ledger entry ${receipt.leafIndex} of ${receipt.treeHead.size}, outcome ${receipt.entry.outcome}, head signed by ${Object.keys(receipt.treeHead.signatures).join(', ')}`,
        );
        row('', `saved to ${receiptFile}`);
        row(
          'verifier',
          verdict.ok
            ? `VALID: the receipt verifies offline against ${join(dir, 'consortium.json')}`
            : `INVALID: ${verdict.problems.join('; ')}`,
        );
        if (!verdict.ok || !same || status.state !== 'recorded') {
          throw new ProtocolViolation('the demo job did not end as expected (see above)');
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await nodes.stopAll();
      }
      console.log('');
      console.log(
        `done in ${((performance.now() - t0) / 1000).toFixed(1)} s; nodes stopped; data left in ${dir}`,
      );
      console.log(`try: npx parley ledger verify --node ${join(dir, 'bankA')}`);
    });
}
