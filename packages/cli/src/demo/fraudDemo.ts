/**
 * The main job, shared by `parley demo` and examples/fraud-score: the three
 * banks' fraud score over their joined account tables (@parley/circuits
 * fraudScore.ts) submitted to running nodes, followed with a progress bar,
 * each bank's flagged customers read by key, the public counts, a check
 * against the plaintext reference, the ledger receipt and the offline
 * verifier's verdict (jobReport.ts). `runFraudDemo` also sets the banks up
 * in a directory and starts and stops their nodes (localNodes.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FRAUD_BANKS,
  FRAUD_TABLES,
  type FraudBank,
  type FraudBankData,
  fraudScoreComputation,
  fraudTables,
  sameFlaggedScores,
  syntheticFraudBanks,
} from '@parley/circuits';
import { ProtocolViolation } from '@parley/interface';
import { type Computation, connect } from '@parley/sdk';
import { ProgressView } from '../progressView.js';
import { setUpDemo } from './demoSetup.js';
import { reportReceipt } from './jobReport.js';
import { onLocalNodes } from './localNodes.js';
import { progressLines } from './progressLines.js';

export interface FraudDemoOptions {
  /** Who runs the demo, one word, as its messages start (`parley`, `fraud-score`). */
  name: string;
  /** Where the three node directories and the data go (kept); a fresh temporary directory when absent. */
  dir?: string;
  /** Keep the temporary directory. */
  keep?: boolean;
  /** Accounts per bank. */
  accounts: number;
  seed: number;
  /** Prints a line (default console.log). */
  print?: (line: string) => void;
}

export interface FraudJobReport {
  jobId: string;
  /** Seconds from submission to the recorded job. */
  jobSeconds: number;
  joinedCount: bigint;
  flaggedCount: bigint;
  /** Flagged customers each bank got. */
  flagged: Record<FraudBank, number>;
  /** True when every output equals the plaintext reference (scores within 1e-3). */
  matchesPlaintext: boolean | undefined;
  receiptValid: boolean;
}

function shortList(ids: string[]): string {
  return `${ids.length} (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''})`;
}

/** Time a job may take: a minute, plus a second per thousand accounts. */
export function fraudJobTimeoutMs(accounts: number): number {
  return 60_000 + accounts;
}

/**
 * Submits the fraud score to bankA's node (the nodes are running, their
 * directories in `dirs`), follows it and reports. With `data`, every bank's
 * outputs are checked against the plaintext reference.
 */
export async function runFraudJob(
  dirs: Record<FraudBank, string>,
  computation: Computation,
  options: {
    consortiumFile: string;
    receiptFile: string;
    data?: Record<FraudBank, FraudBankData>;
    timeoutMs: number;
    print?: (line: string) => void;
  },
): Promise<FraudJobReport> {
  const print = options.print ?? console.log;
  const say = progressLines(print);
  say('computation', `${computation.name} ${computation.id}`);
  const clients = Object.fromEntries(FRAUD_BANKS.map((b) => [b, connect({ node: dirs[b] })])) as Record<
    FraudBank,
    ReturnType<typeof connect>
  >;
  const t0 = performance.now();
  const job = await clients.bankA.submit(computation);
  say('job', `${job.id}, submitted to bankA`);
  const view = new ProgressView(job.id);
  const status = await job
    .wait({ onProgress: (s) => view.update(s), timeoutMs: options.timeoutMs })
    .finally(() => view.end());
  const jobSeconds = (performance.now() - t0) / 1000;
  print('');
  const plain = options.data ? computation.evaluateTables(fraudTables(options.data)) : undefined;
  let same = plain !== undefined;
  const flagged = {} as Record<FraudBank, number>;
  let counts = { joinedCount: 0n, flaggedCount: 0n };
  for (const bank of FRAUD_BANKS) {
    const handle = clients[bank].job(job.id);
    const output = FRAUD_TABLES[bank].output;
    const scores = (await handle.outputsByKey())[output] ?? {};
    const mine = Object.entries(scores).filter(([, v]) => Number(v) !== 0);
    flagged[bank] = mine.length;
    say(
      bank,
      `flagged customers: ${shortList(mine.map(([k, v]) => `${k.slice(0, 8)}… ${Number(v).toFixed(3)}`))}`,
    );
    const outputs = await handle.outputs();
    counts = { joinedCount: outputs.joinedCount as bigint, flaggedCount: outputs.flaggedCount as bigint };
    if (plain) {
      same &&=
        sameFlaggedScores(scores, plain.byKey[output]) &&
        outputs.joinedCount === plain.outputs.joinedCount &&
        outputs.flaggedCount === plain.outputs.flaggedCount;
    }
  }
  say('public', `customers at two or more banks: ${counts.joinedCount}; flagged: ${counts.flaggedCount}`);
  if (plain)
    say(
      'check',
      same ? "equal to the plaintext reference's outputs" : 'DIFFERS from the plaintext reference',
    );
  print('');
  // bankB notes the ledger entry when the commit round reaches it, which may be after bankA did.
  const atBankB = clients.bankB.job(job.id);
  await atBankB.wait({ timeoutMs: options.timeoutMs });
  const receipt = await reportReceipt(await atBankB.receipt(), {
    computationId: computation.id,
    consortiumFile: options.consortiumFile,
    receiptFile: options.receiptFile,
    say,
  });
  if (receipt.problems.length > 0 || (plain && !same) || status.state !== 'recorded') {
    throw new ProtocolViolation('the fraud-score job did not end as expected (see above)');
  }
  return {
    jobId: job.id,
    jobSeconds,
    ...counts,
    flagged,
    matchesPlaintext: plain ? same : undefined,
    receiptValid: receipt.valid,
  };
}

/**
 * Sets the three banks up in a directory (`dir`, or a temporary one), starts
 * their nodes, runs the job and stops the nodes (whatever happens; localNodes.ts).
 */
export async function runFraudDemo(o: FraudDemoOptions): Promise<FraudJobReport> {
  const print = o.print ?? console.log;
  const say = progressLines(print);
  const data = syntheticFraudBanks(o.accounts, o.seed);
  const computation = fraudScoreComputation(o.accounts);
  return onLocalNodes({ name: o.name, dir: o.dir, keep: o.keep, say }, async (nodes) => {
    const banks = await setUpDemo(nodes.dir, computation, data);
    say(
      'data',
      `${nodes.dir}: ${banks.map((b) => b.name).join(', ')}, ${o.accounts} synthetic accounts each, keyed by hashed customer id`,
    );
    const apis = await Promise.all(banks.map((b) => nodes.start(b.name, b.dir)));
    say('nodes', banks.map((b, i) => `${b.name} (api ${apis[i]})`).join(', '));
    say('', 'parties talk over mutual TLS on 127.0.0.1; logs in each node directory (node.log)');
    return await runFraudJob(
      Object.fromEntries(banks.map((b) => [b.name, b.dir])) as Record<FraudBank, string>,
      computation,
      {
        consortiumFile: join(nodes.dir, 'consortium.json'),
        receiptFile: join(nodes.dir, 'receipt.json'),
        data,
        timeoutMs: fraudJobTimeoutMs(o.accounts),
        print,
      },
    );
  });
}

/** The banks' data as a demo directory holds it (each bank's accounts.csv), for the plaintext check. */
export async function readDemoData(dir: string): Promise<Record<FraudBank, FraudBankData>> {
  const out = {} as Record<FraudBank, FraudBankData>;
  for (const bank of FRAUD_BANKS) {
    const [, ...lines] = (await readFile(join(dir, bank, 'accounts.csv'), 'utf8')).trim().split('\n');
    const cells = lines.map((l) => l.split(','));
    out[bank] = { keys: cells.map((c) => c[0]), values: cells.map((c) => Number(c[1])) };
  }
  return out;
}
