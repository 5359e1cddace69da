/**
 * The commit protocol among the nodes: a two-phase commit whose commit point
 * is a tree head signed by every member (the unanimous quorum of the
 * consortium), in the style of Certificate Transparency's co-signed heads.
 *
 *   proposer -> all   propose(round, baseSize, entries, head)
 *   node              checks: the proposal extends its own log; the root is
 *                     what it computes; each entry matches its own record of
 *                     the job (computation id, parties, its own input
 *                     commitment, the output hashes it knows); the clock
 *   node -> proposer  sign(signature on the head)  or  refuse(reason)
 *   proposer          all signed and every signature verifies?
 *   proposer -> all   commit(signatures)           or  abort(typed error)
 *   node              verifies all signatures, appends durably, then
 *   node -> proposer  ack
 *
 * Nothing is appended anywhere before every signature is in and verified;
 * a refusal, a bad signature or a silent peer aborts the round on every node
 * with the same typed error (LedgerCommitRefused, SignatureError, Timeout …).
 * A node that signed but missed the commit (it crashed) is behind by one
 * fully signed batch; it refuses the next proposal ("must catch up first")
 * until it has caught up (catchUp.ts).
 *
 * The protocol is written against `CommitPeers`, the send/recv shape of
 * @parley/transport, so wiring it to the network is a one-line adapter; tests
 * run it over an in-process queue.
 */

import { randomBytes } from '@parley/crypto';
import type { Consortium } from '@parley/interface';
import {
  errorFromJSON,
  InvalidArgument,
  LedgerCommitRefused,
  ParleyError,
  ProtocolViolation,
  SignatureError,
} from '@parley/interface';
import { type CommitMessage, decodeCommitMessage, encodeCommitMessage } from './commitMessages.js';
import { consortiumKeys } from './consortium.js';
import type { LedgerEntry, LedgerEntryInput } from './entry.js';
import { compareEntryWithJob, type JobRecords } from './jobCheck.js';
import type { Ledger, LedgerSigner, PreparedAppend } from './ledger.js';
import { type SignedTreeHead, signTreeHead, verifyTreeHeadSignature } from './treeHead.js';

/** The channel to the other members: what @parley/transport provides. */
export interface CommitPeers {
  /** This node's member name. */
  self: string;
  send(to: string, bytes: Uint8Array): void | Promise<void>;
  /** The next frame from `from`; rejects (e.g. with Timeout) when none arrives in time. */
  recv(from: string, opts?: { timeoutMs?: number }): Promise<Uint8Array>;
}

export interface LedgerCommitterOptions {
  ledger: Ledger;
  /** This node's identity; its name is `peers.self`. */
  signer: LedgerSigner;
  peers: CommitPeers;
  /** This node's own record of each job. */
  jobs: JobRecords;
  /** How long to wait for each message (default 30 s). */
  timeoutMs?: number;
  /** How far a proposed head's timestamp may be from this node's clock (default 5 min). */
  maxClockSkewMs?: number;
  now?: () => number;
}

export interface CommitResult {
  head: SignedTreeHead;
  entries: LedgerEntry[];
  /** Members that did not acknowledge their append (they will catch up); proposer only. */
  unacknowledged: string[];
}

const MAX_STALE_FRAMES = 64;

/** One node's side of the commit protocol; holds the protocol state of its rounds (no globals). */
export class LedgerCommitter {
  private readonly ledger: Ledger;
  private readonly consortium: Consortium;
  private readonly self: string;
  private readonly timeoutMs: number;
  private readonly maxSkew: number;
  private readonly now: () => number;
  /** Rounds that ended here, so that late frames of them are dropped. */
  private readonly closedRounds: string[] = [];

  constructor(private readonly options: LedgerCommitterOptions) {
    this.ledger = options.ledger;
    this.consortium = options.ledger.consortium;
    this.self = options.peers.self;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxSkew = options.maxClockSkewMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    if (options.signer.name !== this.self) {
      throw new InvalidArgument(`signer ${options.signer.name} is not this node (${this.self})`, {
        field: 'signer',
      });
    }
    if (!consortiumKeys(this.consortium).keys.has(this.self)) {
      throw new InvalidArgument(`${this.self} is not a member of the consortium`, { field: 'self' });
    }
  }

  private get others(): string[] {
    return consortiumKeys(this.consortium).names.filter((n) => n !== this.self);
  }

  private closeRound(round: string): void {
    this.closedRounds.push(round);
    if (this.closedRounds.length > 256) this.closedRounds.shift();
  }

  private async send(to: string, m: CommitMessage): Promise<void> {
    await this.options.peers.send(to, encodeCommitMessage(m));
  }

  /** Sends to every other member, ignoring failures (used for abort, where the round is over anyway). */
  private async broadcastQuietly(m: CommitMessage): Promise<void> {
    await Promise.all(this.others.map((p) => this.send(p, m).catch(() => {})));
  }

  /** The next frame from `from` that is not from a closed round (or of another round, when `round` is given). */
  private async receive(from: string, round?: string): Promise<CommitMessage> {
    for (let i = 0; i < MAX_STALE_FRAMES; i++) {
      const m = decodeCommitMessage(await this.options.peers.recv(from, { timeoutMs: this.timeoutMs }));
      const r = 'round' in m ? m.round : undefined;
      const stale = r !== undefined && (round !== undefined ? r !== round : this.closedRounds.includes(r));
      if (!stale) return m;
    }
    throw new ProtocolViolation(`${from} sent more than ${MAX_STALE_FRAMES} frames of other rounds`, {
      party: from,
    });
  }

  /** Problems this node has with a batch, against its own records of the jobs. */
  private async ownProblems(prepared: PreparedAppend): Promise<string[]> {
    const problems: string[] = [];
    for (const r of prepared.records) {
      const view = await this.options.jobs(r.entry.jobId);
      for (const p of compareEntryWithJob(r.entry, view, this.self, this.consortium))
        problems.push(`entry ${r.seq}: ${p}`);
    }
    return problems;
  }

  /**
   * Proposes `inputs` as the next entries and drives the round. Resolves once
   * the batch is appended here (durably) and the others acknowledged or timed
   * out; throws the round's typed error, after telling every node, otherwise.
   */
  async propose(inputs: readonly LedgerEntryInput[]): Promise<CommitResult> {
    const round = Buffer.from(randomBytes(16)).toString('hex');
    const others = this.others;
    const abort = async (error: ParleyError): Promise<never> => {
      this.closeRound(round);
      await this.broadcastQuietly({ t: 'abort', round, error: error.toJSON() });
      throw error;
    };

    let prepared: PreparedAppend;
    try {
      prepared = this.ledger.prepare(inputs, this.now());
    } catch (e) {
      return abort(e instanceof ParleyError ? e : new InvalidArgument((e as Error).message));
    }
    const mine = await this.ownProblems(prepared);
    if (mine.length > 0)
      return abort(new LedgerCommitRefused(`${this.self} refused: ${mine.join('; ')}`, { party: this.self }));

    const { head } = prepared;
    const propose: CommitMessage = {
      t: 'propose',
      round,
      baseSize: prepared.baseSize,
      entries: prepared.records.map((r) => r.bytes),
      size: head.size,
      root: head.root,
      timestamp: head.timestamp,
    };
    const answers = await Promise.all(
      others.map(async (p) => {
        try {
          await this.send(p, propose);
          return { party: p, message: await this.receive(p, round) };
        } catch (e) {
          return { party: p, error: e as Error };
        }
      }),
    );

    const signatures: Record<string, Uint8Array> = {
      [this.self]: signTreeHead(head, this.options.signer.secretKey),
    };
    const refusals: string[] = [];
    let failure: ParleyError | undefined;
    const keys = consortiumKeys(this.consortium).keys;
    for (const a of answers) {
      if ('error' in a) {
        failure ??=
          a.error instanceof ParleyError
            ? a.error
            : new ProtocolViolation(`${a.party}: ${a.error?.message}`, { party: a.party });
      } else if (a.message.t === 'refuse') {
        refusals.push(`${a.party} refused: ${a.message.reason}`);
      } else if (a.message.t === 'sign') {
        if (!verifyTreeHeadSignature(head, a.message.signature, keys.get(a.party)!)) {
          failure ??= new SignatureError(
            `the signature of ${a.party} on the tree head of size ${head.size} does not verify`,
            {
              party: a.party,
            },
          );
        } else signatures[a.party] = a.message.signature;
      } else {
        failure ??= new ProtocolViolation(`${a.party} answered a proposal with "${a.message.t}"`, {
          party: a.party,
        });
      }
    }
    if (refusals.length > 0) {
      const party = answers.find((a) => a.message?.t === 'refuse')?.party;
      return abort(new LedgerCommitRefused(refusals.join('; '), { party }));
    }
    if (failure !== undefined) return abort(failure);
    if (!verifyTreeHeadSignature(head, signatures[this.self], keys.get(this.self)!)) {
      return abort(
        new SignatureError(
          `the signature of ${this.self} (the proposer) does not verify: wrong identity key`,
          {
            party: this.self,
          },
        ),
      );
    }

    // Every member signed: the head is committed. Tell everyone, then append here.
    await Promise.all(others.map((p) => this.send(p, { t: 'commit', round, signatures }).catch(() => {})));
    const signed = await this.ledger.commit(prepared, signatures);
    const acks = await Promise.all(
      others.map(async (p) => {
        try {
          const m = await this.receive(p, round);
          return m.t === 'ack' && m.ok ? undefined : p;
        } catch {
          return p;
        }
      }),
    );
    this.closeRound(round);
    return {
      head: signed,
      entries: prepared.records.map((r) => r.entry),
      unacknowledged: acks.filter((p): p is string => p !== undefined),
    };
  }

  /**
   * Takes part in the next round proposed by `proposer`: checks the proposal,
   * signs or refuses, and appends on commit. Resolves with the appended batch;
   * throws the round's typed error when it is aborted (by anyone).
   */
  async follow(proposer: string): Promise<CommitResult> {
    if (!this.others.includes(proposer)) {
      throw new InvalidArgument(`${proposer} is not another member of the consortium`, { party: proposer });
    }
    const first = await this.receive(proposer);
    if (first.t === 'abort') {
      this.closeRound(first.round);
      throw errorFromJSON(first.error);
    }
    if (first.t !== 'propose') {
      throw new ProtocolViolation(`${proposer} started a round with "${first.t}", not a proposal`, {
        party: proposer,
      });
    }
    const round = first.round;

    let prepared: PreparedAppend | undefined;
    let problems: string[];
    try {
      prepared = this.ledger.checkProposal(first.baseSize, first.entries, {
        size: first.size,
        root: first.root,
        timestamp: first.timestamp,
      });
      problems = await this.ownProblems(prepared);
      const skew = Math.abs(first.timestamp - this.now());
      if (skew > this.maxSkew)
        problems.push(`the head's timestamp is ${skew} ms away from ${this.self}'s clock`);
    } catch (e) {
      problems = [(e as Error).message];
    }

    if (problems.length > 0 || prepared === undefined) {
      const reason = problems.join('; ');
      await this.send(proposer, { t: 'refuse', round, reason });
      // The proposer aborts the round on every node with one error; wait for it to end the same way.
      let end: CommitMessage | undefined;
      try {
        end = await this.receive(proposer, round);
      } catch {
        end = undefined;
      }
      this.closeRound(round);
      if (end?.t === 'abort') throw errorFromJSON(end.error);
      throw new LedgerCommitRefused(`${this.self} refused: ${reason}`, { party: this.self });
    }

    await this.send(proposer, {
      t: 'sign',
      round,
      signature: signTreeHead(prepared.head, this.options.signer.secretKey),
    });
    const end = await this.receive(proposer, round).finally(() => this.closeRound(round));
    if (end.t === 'abort') throw errorFromJSON(end.error);
    if (end.t !== 'commit') {
      throw new ProtocolViolation(`${proposer} ended round ${round} with "${end.t}"`, { party: proposer });
    }
    let head: SignedTreeHead;
    try {
      head = await this.ledger.commit(prepared, end.signatures);
    } catch (e) {
      await this.send(proposer, { t: 'ack', round, ok: false, reason: (e as Error).message }).catch(() => {});
      throw e;
    }
    await this.send(proposer, { t: 'ack', round, ok: true });
    return { head, entries: prepared.records.map((r) => r.entry), unacknowledged: [] };
  }
}
