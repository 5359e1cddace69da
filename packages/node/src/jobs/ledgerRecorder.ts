/**
 * Records every finished job on the consortium's ledger (DESIGN.md, "How a
 * job flows", step 7) with @parley/ledger's commit protocol: a two-phase
 * commit whose commit point is a tree head signed by every member.
 *
 * One member, the sequencer (the first member of the consortium file),
 * proposes every batch, one round at a time, so two rounds never extend the
 * same log at once. A job's proposer builds its entry when the job ends
 * (delivered, refused, failed or cancelled) and sends it to the sequencer;
 * the sequencer calls each round on the control channel and runs it over its
 * own transport session `ledger-<round>` with every member. Each member checks
 * the entries against its own record of the job (waiting for the job to end
 * there first, and signing nothing of a job still running there) before it
 * signs; a member that is not a party checks only that the parties, two or
 * more, are members. After the commit, each party notes the
 * entry's sequence number and moves a delivered job to `recorded`. A round
 * that fails (a refusal, a silent member) leaves the ledger unchanged
 * everywhere; the parties' jobs then carry the reason (a `record-failed`
 * from the sequencer is taken only for a job that has its outcome here and
 * no ledger entry yet).
 *
 * A replica that missed a commit (it crashed after signing) refuses the next
 * round until it has caught up: it asks another member for the co-signed
 * heads and entries it lacks (packages/ledger catchUp.ts, which trusts the
 * source for nothing) at start-up and whenever a round finds it behind; the
 * sequencer retries a round that failed for that reason once.
 */
import { randomBytes } from 'node:crypto';
import { type Consortium, hasCode, ledgerSeq } from '@parley/interface';
import {
  type CommitPeers,
  type CommitResult,
  catchUp,
  decodeEntry,
  encodeEntry,
  type Ledger,
  LedgerCommitter,
  type LedgerEntry,
  type LedgerEntryInput,
  type LedgerSigner,
  type LocalJobView,
  requestCatchUp,
  serveCatchUp,
} from '@parley/ledger';
import type { Session, WsEndpoint } from '@parley/transport';
import type { Logger } from 'pino';
import { encodeJobMessage, type JobMessage } from './jobMessages.js';
import { hasOutcome, type JobRecord, type JobStore } from './jobStore.js';
import { ledgerEntryFor, ledgerViewOf, outcomeOf } from './jobTranscript.js';

export interface LedgerRecorderOptions {
  self: string;
  consortium: Consortium;
  ledger: Ledger;
  signer: LedgerSigner;
  endpoint: WsEndpoint;
  store: JobStore;
  log: Logger;
  /** How long a round waits for each member (default 20 s). */
  timeoutMs?: number;
  /** How often the jobs this node proposed whose recording failed are put forward again (default 30 s). */
  retryEveryMs?: number;
}

/** Times a job whose recording failed is put forward again by one running node. */
const RECORD_ATTEMPTS = 3;

/** Most entries the sequencer puts in one round. */
const MAX_ROUND_ENTRIES = 256;
/** Most entries the sequencer holds for one member at a time (more are ignored until rounds take them). */
const MAX_QUEUED_PER_MEMBER = 4 * MAX_ROUND_ENTRIES;
const MAX_REASON = 900;

export class LedgerRecorder {
  readonly sequencer: string;
  private readonly members: string[];
  private readonly timeoutMs: number;
  private readonly queue: LedgerEntryInput[] = [];
  /** The member that put forward each queued job's entry (one per job), and how many each has queued. */
  private readonly queuedBy = new Map<string, string>();
  private readonly queuedPerMember = new Map<string, number>();
  /** Members whose catch-up this node is serving: one at a time per member. */
  private readonly serving = new Set<string>();
  private sequencing = false;
  /** The replica's appends, one at a time: followed rounds, the sequencer's rounds, catch-ups. */
  private appends: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly stopListening: () => void;
  private readonly retryTimer: ReturnType<typeof setInterval>;
  private readonly stopLinkEvents: () => void;
  /** Attempts made here per job whose recording failed. */
  private readonly attempts = new Map<string, number>();

  constructor(private readonly o: LedgerRecorderOptions) {
    this.members = o.consortium.parties.map((p) => p.name);
    this.sequencer = this.members[0];
    this.timeoutMs = o.timeoutMs ?? 20_000;
    // The proposer of a job puts its entry forward when it ends here.
    this.stopListening = o.store.onChange((job) => {
      if (job.proposer === o.self && job.state !== 'recorded' && outcomeOf(job.state) !== undefined) {
        this.submit(job);
      }
    });
    // A round fails while a member is down; once it is back (its link comes up), or from time to time,
    // the entry can still be recorded.
    this.retryTimer = setInterval(() => this.retryUnrecorded(), o.retryEveryMs ?? 30_000);
    this.retryTimer.unref();
    this.stopLinkEvents = o.endpoint.onEvent((e) => {
      if (e.type === 'link-up') setTimeout(() => this.retryUnrecorded(), 500).unref();
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.retryTimer);
    this.stopLinkEvents();
    this.stopListening();
  }

  /**
   * At start-up: this node notes the last round its replica appended (in case
   * it stopped before noting it), and catches up if it missed commits; then
   * the jobs it proposed that are not on the ledger go forward (those that
   * failed because it restarted, and those delivered or ended whose recording
   * it did not see through).
   */
  async resume(): Promise<void> {
    await this.noteTail().catch((e: Error) =>
      this.o.log.warn({ err: e.message }, 'reading the ledger tail at start-up failed'),
    );
    await this.serially(() => this.catchUp());
    if (this.closed) return;
    for (const job of this.o.store.notOnLedger(this.o.self)) this.submit(job);
  }

  /**
   * A node that stopped after its replica appended a round but before it
   * noted the round's entries on its jobs: no round commits without this
   * node, so that round is the tail of its replica (at most MAX_ROUND_ENTRIES
   * entries), whose entries are noted now (those noted before are skipped).
   */
  private async noteTail(): Promise<void> {
    const size = this.o.ledger.size;
    const tail: LedgerEntry[] = [];
    for (let seq = Math.max(0, size - MAX_ROUND_ENTRIES); seq < size; seq++)
      tail.push(await this.o.ledger.entry(seq));
    this.noteEntries(tail, size);
  }

  /**
   * Puts forward again the jobs this node proposed whose recording failed (a
   * few times each). Runs from timers: a failure (the job database closed
   * under it) is logged, never thrown out of the timer.
   */
  private retryUnrecorded(): void {
    if (this.closed) return;
    try {
      for (const job of this.o.store.unrecorded(this.o.self)) {
        const n = this.attempts.get(job.id) ?? 0;
        if (n >= RECORD_ATTEMPTS) continue;
        this.attempts.set(job.id, n + 1);
        this.submit(job);
      }
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'putting unrecorded jobs forward again failed');
    }
  }

  /** Puts a finished job's entry forward (to the sequencer, or into this node's own queue), unless it is recorded. */
  submit(job: JobRecord): void {
    if (ledgerSeq(job) !== undefined) return;
    let entry: LedgerEntryInput;
    let bytes: Uint8Array;
    try {
      entry = ledgerEntryFor(job, this.o.store);
      // Encoded here too on the sequencer: an entry past the ledger's limits fails this job alone.
      bytes = encodeEntry({ ...entry, seq: 0 });
    } catch (e) {
      this.failed(job.id, (e as Error).message);
      return;
    }
    if (this.o.self === this.sequencer) {
      const problem = this.enqueue(entry, this.o.self);
      if (problem !== undefined) this.failed(job.id, problem);
      return;
    }
    this.o.endpoint.control
      .send(this.sequencer, encodeJobMessage({ t: 'record', job: job.id, entry: bytes }))
      .catch((e: Error) =>
        this.failed(job.id, `the sequencer ${this.sequencer} is unreachable: ${e.message}`),
      );
  }

  /** A ledger message from `from` on the control channel (routed here by the job coordinator). */
  handle(from: string, m: JobMessage): void {
    if (this.closed) return;
    const problem = this.take(from, m);
    if (problem !== undefined)
      this.o.log.warn({ from, message: m.t, why: problem }, 'ledger message ignored');
  }

  /** Acts on a ledger message; returns why it was ignored, if it was. */
  private take(from: string, m: JobMessage): string | undefined {
    if (m.t === 'record') {
      if (this.o.self !== this.sequencer) return 'this node is not the sequencer';
      let entry: LedgerEntryInput;
      try {
        const { seq: _seq, ...rest } = decodeEntry(m.entry);
        entry = rest;
      } catch (e) {
        return (e as Error).message;
      }
      if (entry.jobId !== m.job || !entry.parties.includes(from))
        return 'the entry is not of a job of the sender';
      return this.enqueue(entry, from);
    }
    if (m.t === 'catch-up') {
      if (this.serving.has(from)) return 'a catch-up of this member is being served already';
      void this.serve(from, m.round);
      return undefined;
    }
    if (from !== this.sequencer) return 'the sender is not the sequencer';
    if (m.t === 'ledger-round') {
      void this.serially(() => this.follow(m.round));
    } else if (m.t === 'record-failed') {
      // Only a job of this node with its outcome and no entry takes the note: a running one has no entry to fail.
      const job = this.o.store.find(m.job);
      if (!job || !hasOutcome(job.state) || ledgerSeq(job) !== undefined)
        return 'not a job of this node that waits for its ledger entry';
      this.o.store.setLedger(m.job, { error: m.reason });
    }
    return undefined;
  }

  private failed(jobId: string, reason: string): void {
    if (this.o.store.setLedger(jobId, { error: reason.slice(0, MAX_REASON) }))
      this.o.log.warn({ job: jobId, reason }, 'job not recorded on the ledger');
    else
      this.o.log.info(
        { job: jobId, reason },
        'the job is on the ledger already; this failure leaves its entry noted',
      );
  }

  /** Queues an entry put forward by `from` for the next rounds; returns why it was not queued, if it was not. */
  private enqueue(entry: LedgerEntryInput, from: string): string | undefined {
    // The same job put forward twice (a retry racing another) waits once.
    if (this.queuedBy.has(entry.jobId)) return undefined;
    const count = this.queuedPerMember.get(from) ?? 0;
    if (count >= MAX_QUEUED_PER_MEMBER)
      return `the sequencer holds ${MAX_QUEUED_PER_MEMBER} entries of ${from} already`;
    this.queue.push(entry);
    this.queuedBy.set(entry.jobId, from);
    this.queuedPerMember.set(from, count + 1);
    if (!this.sequencing) void this.sequence();
    return undefined;
  }

  /** The next round's entries, out of the queue (and out of their members' counts). */
  private nextBatch(): LedgerEntryInput[] {
    const batch = this.queue.splice(0, MAX_ROUND_ENTRIES);
    for (const entry of batch) {
      const from = this.queuedBy.get(entry.jobId);
      this.queuedBy.delete(entry.jobId);
      if (from === undefined) continue;
      const left = (this.queuedPerMember.get(from) ?? 1) - 1;
      if (left > 0) this.queuedPerMember.set(from, left);
      else this.queuedPerMember.delete(from);
    }
    return batch;
  }

  /** The sequencer's loop: one round at a time while entries wait. */
  private async sequence(): Promise<void> {
    this.sequencing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.nextBatch();
        try {
          await this.serially(() => this.round(batch)).catch(async (e: Error) => {
            // A member that missed a commit asks to catch up when it refuses; give it a moment, once.
            if (!/catch up/.test(e.message) || this.closed) throw e;
            await new Promise((r) => setTimeout(r, 2000));
            await this.serially(() => this.round(batch));
          });
        } catch (e) {
          // One refused entry must not keep the others off the ledger: retry them one by one. Any other
          // failure (a member down or silent) would fail each of them the same way.
          const refused = hasCode(e, 'LEDGER_COMMIT_REFUSED');
          const retry = batch.length > 1 && refused ? batch : [];
          if (retry.length === 0) for (const entry of batch) this.notifyFailure(entry, (e as Error).message);
          for (const entry of retry) {
            if (this.closed) break;
            await this.serially(() => this.round([entry])).catch((err: Error) =>
              this.notifyFailure(entry, err.message),
            );
          }
        }
      }
    } finally {
      this.sequencing = false;
    }
  }

  /**
   * Runs `append` after every append queued before it: two appends to the
   * replica never overlap (a PostgreSQL store would refuse the second after
   * both passed the size check, and stop appending until restarted).
   * `append` must not itself call serially (follow's catch-up runs inside it).
   */
  private serially<T>(append: () => Promise<T>): Promise<T> {
    const run = this.appends.then(append);
    this.appends = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Tells every party of the entry (this node too, when it is one) that it could not be recorded. */
  private notifyFailure(entry: LedgerEntryInput, reason: string): void {
    if (entry.parties.includes(this.o.self)) this.failed(entry.jobId, reason);
    else this.o.log.warn({ job: entry.jobId, reason }, 'job not recorded on the ledger');
    const m = encodeJobMessage({ t: 'record-failed', job: entry.jobId, reason: reason.slice(0, MAX_REASON) });
    for (const p of entry.parties) {
      if (p !== this.o.self) void this.o.endpoint.control.send(p, m).catch(() => {});
    }
  }

  private committer(session: Session): LedgerCommitter {
    return new LedgerCommitter({
      ledger: this.o.ledger,
      signer: this.o.signer,
      peers: this.peers(session),
      jobs: (jobId) => this.viewWhenEnded(jobId),
      timeoutMs: this.timeoutMs,
    });
  }

  /** Runs `fn` over a transport session of its own, closed whatever happens. */
  private async inSession<T>(
    id: string,
    parties: string[],
    fn: (session: Session) => Promise<T>,
  ): Promise<T> {
    const session = await this.o.endpoint.openSession(id, parties, { recvTimeoutMs: this.timeoutMs });
    try {
      return await fn(session);
    } finally {
      await session.close().catch(() => {});
    }
  }

  private async round(entries: LedgerEntryInput[]): Promise<void> {
    const round = randomBytes(16).toString('hex');
    const call = encodeJobMessage({ t: 'ledger-round', round });
    await Promise.all(
      this.members.filter((p) => p !== this.o.self).map((p) => this.o.endpoint.control.send(p, call)),
    );
    await this.inSession(`ledger-${round}`, this.members, async (session) => {
      this.committed(await this.committer(session).propose(entries));
    });
  }

  private async follow(round: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.inSession(`ledger-${round}`, this.members, async (session) => {
        this.committed(await this.committer(session).follow(this.sequencer));
      });
    } catch (e) {
      this.o.log.warn({ round, err: (e as Error).message }, 'ledger round failed');
      if (/catch up/.test((e as Error).message)) await this.catchUp(this.sequencer);
    }
  }

  /** Catches this replica up from `source` (another member); logs and returns on failure. */
  private async catchUp(
    source: string = this.sequencer === this.o.self ? this.members[1] : this.sequencer,
  ): Promise<void> {
    if (this.closed || source === undefined) return;
    const round = randomBytes(16).toString('hex');
    try {
      await this.o.endpoint.control.send(source, encodeJobMessage({ t: 'catch-up', round }));
      await this.inSession(`catchup-${round}`, [this.o.self, source].sort(), async (session) => {
        const before = this.o.ledger.size;
        const { appended } = await catchUp(this.o.ledger, requestCatchUp(this.peers(session), source));
        if (appended > 0)
          this.o.log.info({ from: source, appended, size: this.o.ledger.size }, 'ledger caught up');
        // Entries of this node's jobs among them: noted as if this node had seen their commit.
        const entries: LedgerEntry[] = [];
        for (let seq = before; seq < this.o.ledger.size; seq++) entries.push(await this.o.ledger.entry(seq));
        this.noteEntries(entries, this.o.ledger.size);
      });
    } catch (e) {
      this.o.log.warn({ from: source, err: (e as Error).message }, 'ledger catch-up failed');
    }
  }

  /** Answers another member's catch-up requests on their session (one catch-up per member at a time). */
  private async serve(to: string, round: string): Promise<void> {
    this.serving.add(to);
    try {
      await this.inSession(`catchup-${round}`, [to, this.o.self].sort(), (session) =>
        serveCatchUp(this.o.ledger, this.peers(session), to),
      );
    } catch (e) {
      this.o.log.warn({ to, err: (e as Error).message }, 'serving a ledger catch-up failed');
    } finally {
      this.serving.delete(to);
    }
  }

  private peers(session: Session): CommitPeers {
    return {
      self: this.o.self,
      send: (to, b) => session.send(to, b),
      recv: (from, opts) => session.recv(from, opts),
    };
  }

  /** After a commit: each job of this node notes its entry, and a delivered job is recorded. */
  private committed(result: CommitResult): void {
    this.noteEntries(result.entries, result.head.size);
  }

  /**
   * Notes each entry on this node's job; a delivered job becomes recorded in
   * the same transaction. Jobs not here, or noted before, are skipped, except
   * a job still delivered with its seq noted (a node stopped between the two
   * writes before they were one), which is recorded now.
   */
  private noteEntries(entries: readonly LedgerEntry[], size: number): void {
    for (const e of entries) {
      const job = this.o.store.find(e.jobId);
      if (!job) continue;
      const noted = ledgerSeq(job);
      if (noted !== undefined && job.state !== 'delivered') continue;
      const seq = noted ?? e.seq;
      if (job.state === 'delivered')
        this.o.store.transition(job.id, 'recorded', { detail: `ledger entry ${seq}`, ledgerSeq: seq });
      else this.o.store.setLedger(job.id, { seq });
      this.o.log.info({ job: job.id, seq, size }, 'job recorded on the ledger');
    }
  }

  /** This node's view of a job once it has ended here (it may still be finishing); none if it is not a party. */
  private async viewWhenEnded(jobId: string): Promise<LocalJobView | undefined> {
    const ended = (j: JobRecord | undefined) => j === undefined || hasOutcome(j.state);
    let job = this.o.store.find(jobId);
    if (!ended(job)) {
      job = await new Promise<JobRecord | undefined>((resolve) => {
        const timer = setTimeout(() => {
          stop();
          resolve(this.o.store.find(jobId));
        }, this.timeoutMs / 2);
        const stop = this.o.store.onChange((j) => {
          if (j.id === jobId && ended(j)) {
            clearTimeout(timer);
            stop();
            resolve(j);
          }
        });
      });
    }
    return job && ledgerViewOf(job, this.o.store, this.o.self);
  }
}
