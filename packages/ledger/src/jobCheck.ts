/**
 * What a node checks before it co-signs an entry (the commit protocol, step
 * "each node checks it against its own record of the job"): the entry must
 * say what this node itself saw. The node daemon supplies its record of each
 * job as a `LocalJobView`; a node that is not a party to a job has no record
 * and checks only that the parties (two or more, so that another party than
 * the sender vouches for the entry) are members of the consortium. A job that
 * has not ended on this node is signed for no outcome.
 */
import type { Consortium } from '@parley/interface';
import { consortiumKeys } from './consortium.js';
import type { LedgerEntry, Outcome } from './entry.js';

/** A node's own record of a job. Digests are 64 lowercase hex characters. */
export interface LocalJobView {
  computationId: string;
  /** The parties, in the job's order. */
  parties: readonly string[];
  /** This node's own input commitment, when it gave input. */
  inputCommitment?: string;
  /** The output hashes this node knows (each must appear, equal, in the entry). */
  outputHashes?: Readonly<Record<string, string>>;
  transcriptHash?: string;
  outcome?: Outcome;
  /** The sequence number of the job's entry when this node has seen it recorded: a job goes on the ledger once. */
  recordedSeq?: number;
  /** The job has not ended on this node: no entry of it may be signed yet, whatever its outcome. */
  unfinished?: boolean;
}

/** Looks up this node's record of a job; undefined when it has none. */
export type JobRecords = (jobId: string) => LocalJobView | undefined | Promise<LocalJobView | undefined>;

/** Everything on which `entry` disagrees with this node's view of its job; empty when it may be signed. */
export function compareEntryWithJob(
  entry: LedgerEntry,
  view: LocalJobView | undefined,
  self: string,
  consortium: Consortium,
): string[] {
  const problems: string[] = [];
  const { keys } = consortiumKeys(consortium);
  for (const p of entry.parties)
    if (!keys.has(p)) problems.push(`party "${p}" is not a member of the consortium`);
  const mine = entry.parties.includes(self);
  if (view === undefined) {
    if (mine) problems.push(`${self} has no record of job ${entry.jobId}`);
    // A node outside the job signs what its parties vouch for: with one party, nobody but the sender would.
    else if (entry.parties.length < 2)
      problems.push(`job ${entry.jobId} names one party, and a job has two or more`);
    return problems;
  }
  const job = `job ${entry.jobId}`;
  if (view.unfinished) problems.push(`${job} has not ended on ${self}`);
  if (view.recordedSeq !== undefined)
    problems.push(`${job} is on the ledger already (entry ${view.recordedSeq})`);
  if (view.computationId !== entry.computationId) problems.push(`${job}: the computation id differs`);
  if (view.parties.length !== entry.parties.length || view.parties.some((p, i) => entry.parties[i] !== p)) {
    problems.push(`${job}: the parties differ`);
  }
  const committed = Object.hasOwn(entry.inputCommitments, self) ? entry.inputCommitments[self] : undefined;
  if (view.inputCommitment !== committed) {
    problems.push(
      view.inputCommitment === undefined
        ? `${job}: the entry records an input commitment for ${self}, which gave no input`
        : `${job}: ${self}'s input commitment differs`,
    );
  }
  for (const [name, hash] of Object.entries(view.outputHashes ?? {})) {
    if (!Object.hasOwn(entry.outputHashes, name) || entry.outputHashes[name] !== hash)
      problems.push(`${job}: the hash of output "${name}" differs`);
  }
  if (view.transcriptHash !== undefined && view.transcriptHash !== entry.transcriptHash) {
    problems.push(`${job}: the transcript hash differs`);
  }
  if (view.outcome !== undefined && view.outcome !== entry.outcome) {
    problems.push(`${job}: the outcome is "${entry.outcome}", not "${view.outcome}"`);
  }
  return problems;
}
