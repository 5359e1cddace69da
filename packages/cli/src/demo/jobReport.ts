/**
 * What the examples and `parley demo` report about a job they submit to
 * party nodes: the job followed to its ledger record, with its transitions
 * as the proposer's node logged them; and its ledger receipt, saved,
 * verified offline against the consortium file with `verifyReceipt`, and
 * checked to be for the computation submitted. Each returns what went wrong,
 * one line each, for the caller's closing report.
 */
import { writeFile } from 'node:fs/promises';
import { loadConsortium } from '@parley/interface';
import {
  type Computation,
  type JobHandle,
  type ParleyClient,
  type ReceiptJSON,
  type SubmitRequest,
  verifyReceipt,
} from '@parley/sdk';
import { type ProgressLines, progressLines, secondsSince } from './progressLines.js';

export interface FollowJobOptions {
  /** The party whose node `client` talks to, for the job line. */
  proposer: string;
  /** The id of the computation submitted: the nodes must have computed it. */
  computationId: string;
  /** Time the job may take, submit to recorded. */
  timeoutMs: number;
  say?: ProgressLines;
}

/**
 * Submits `computation` with `client`, waits until the job is recorded, and
 * prints its transitions timed from the proposal. Returns the job, and the
 * problems (the nodes computed another computation).
 */
export async function submitAndFollow(
  client: ParleyClient,
  computation: Computation | SubmitRequest,
  options: FollowJobOptions,
): Promise<{ job: JobHandle; problems: string[] }> {
  const say = options.say ?? progressLines();
  const problems: string[] = [];
  const t0 = performance.now();
  const job = await client.submit(computation);
  say('job', `${job.id}, submitted to ${options.proposer}'s node; waiting for it to be recorded`);
  const status = await job.wait({ timeoutMs: options.timeoutMs });
  const start = status.events[0]?.at ?? status.createdAt;
  for (const e of status.events) {
    say(
      '',
      `${e.state.padEnd(17)} +${((e.at - start) / 1000).toFixed(2)} s${e.detail ? `  ${e.detail}` : ''}`,
    );
  }
  if (status.computationId !== options.computationId) {
    problems.push(`the nodes computed ${status.computationId}, not ${options.computationId}`);
  }
  say('', `submit to recorded in ${secondsSince(t0)}`);
  return { job, problems };
}

export interface ReceiptReportOptions {
  /** The id of the computation submitted: the receipt must be for it. */
  computationId: string;
  /** The consortium file the receipt is verified against. */
  consortiumFile: string;
  /** Where to save the receipt; not saved when absent. */
  receiptFile?: string;
  say?: ProgressLines;
}

/**
 * Saves the receipt (when asked), verifies it offline and prints its lines:
 * where it is in the ledger, where it was saved, the verifier's verdict.
 * Returns whether it verifies, and the problems found.
 */
export async function reportReceipt(
  receipt: ReceiptJSON,
  options: ReceiptReportOptions,
): Promise<{ valid: boolean; problems: string[] }> {
  const say = options.say ?? progressLines();
  const problems: string[] = [];
  if (options.receiptFile) await writeFile(options.receiptFile, `${JSON.stringify(receipt, null, 2)}\n`);
  const checked = verifyReceipt(receipt, await loadConsortium(options.consortiumFile));
  const signers = Object.keys(receipt.treeHead.signatures).join(', ');
  say(
    'receipt',
    `ledger entry ${receipt.leafIndex} of ${receipt.treeHead.size}, outcome ${receipt.entry.outcome}, head signed by ${signers}`,
  );
  if (receipt.entry.computationId !== options.computationId) {
    problems.push(
      `the receipt is for computation ${receipt.entry.computationId}, not ${options.computationId}`,
    );
  }
  if (options.receiptFile) say('', `saved to ${options.receiptFile}`);
  if (checked.ok) {
    say('verifier', `VALID: the receipt verifies offline against ${options.consortiumFile}`);
  } else {
    say('verifier', `INVALID: ${checked.problems.join('; ')}`);
    problems.push(`the receipt does not verify: ${checked.problems.join('; ')}`);
  }
  return { valid: checked.ok, problems };
}
