/**
 * Proposal and approval of jobs (DESIGN.md, "How a job flows", steps 2–3).
 * The proposing node sends the computation to every party named in it; each
 * node decodes and checks the program, asks its own policy, records the job
 * and sends its decision to every other party. A job is approved on a node
 * once every party's approval has arrived, and refused, with the refusing
 * party's reason, as soon as one refusal arrives; no input is read before
 * approval. Decisions that arrive before their proposal wait (a few seconds,
 * boundedly, and at most EARLY_PER_PEER from each member, so one member
 * cannot crowd out the others'); a job whose decisions do not all arrive
 * within the timeout fails with Timeout on that node.
 *
 * A member may have at most MAX_AWAITING_PER_PEER of its proposals waiting
 * for decisions here at once (each holds its decoded program until it is
 * decided): past that, its proposal is recorded and refused at once with
 * LimitExceeded, and every party hears the refusal, as of any refusal.
 * Refusals a peer's message causes are not queued without bound while that
 * peer (or another party) does not read them (MAX_REPLIES_IN_FLIGHT).
 *
 * A proposal is decoded and checked on the node's main thread, which also
 * keeps its party links alive: its program may be at most MAX_PROGRAM_BYTES
 * (far below a control message's 64 MiB), refused before it is decoded, and
 * a job message larger than MAX_PROPOSAL_BYTES is not decoded at all. A
 * proposal naming a party that is not a consortium member is refused; the
 * operator's submission is refused the same way before anything is sent.
 * A submission is answered once the job is recorded here: the proposal goes
 * out after (a party that is down does not hold the operator's request up),
 * and a party that does not get it leaves the job to end on the timeout.
 */
import { randomBytes } from 'node:crypto';
import { computationId, decodeProgram, type Program } from '@parley/circuit';
import {
  type Consortium,
  errorForPeers,
  InvalidArgument,
  JobCancelled,
  LimitExceeded,
  type ParleyError,
  PolicyRefused,
  ProtocolViolation,
  type TableLayout,
  Timeout,
} from '@parley/interface';
import type { ControlChannel } from '@parley/transport';
import type { Logger } from 'pino';
import type { Policy } from '../setup/policyFile.js';
import {
  decodeJobMessage,
  encodeJobMessage,
  JOB_ID_PATTERN,
  type JobMessage,
  type JobProtocol,
  LEDGER_MESSAGES,
  peekJobMessage,
} from './jobMessages.js';
import type { JobRecord, JobStore } from './jobStore.js';
import { checkRecordable } from './jobTranscript.js';
import { checkPolicy, type JobBindings, programSize } from './policyCheck.js';
import { checkTableLayout, tableInputNames } from './tableLayout.js';

export interface JobCoordinatorOptions {
  self: string;
  consortium: Consortium;
  policy: Policy;
  store: JobStore;
  control: ControlChannel;
  log: Logger;
  /** How long a node waits for every party's decision (default 30 s). */
  decisionTimeoutMs?: number;
  /** Called when a job is approved on this node, with its protocol, its program and this node's input bindings. */
  onApproved?: (
    job: JobRecord,
    protocol: JobProtocol,
    program: Program,
    bindings: JobBindings,
    tables: TableLayout | undefined,
  ) => void;
  /** Ledger messages on the control channel (the ledger recorder's). */
  onLedgerMessage?: (from: string, m: JobMessage) => void;
}

interface Pending {
  proposer: string;
  parties: string[];
  protocol: JobProtocol;
  program: Program;
  tables?: TableLayout;
  decisions: Map<string, { approved: boolean; reason?: string }>;
  bindings?: JobBindings;
  timer: ReturnType<typeof setTimeout>;
}

/** Job ids with decisions waiting for their proposal, at most (all members together). */
const EARLY_LIMIT = 1000;
/** Decisions waiting for their proposal, at most, from any one member. */
export const EARLY_PER_PEER = 64;
/** Proposals of one member waiting for their decisions here, at most, at once. */
export const MAX_AWAITING_PER_PEER = 16;
/** Refusal replies to one peer still waiting to be sent (no connection, or the peer does not read), at most. */
const MAX_REPLIES_IN_FLIGHT = 32;
/**
 * A job's program (parley-program-v1 bytes) at most, proposed by a peer or
 * submitted here. Decoding and checking it blocks the main thread, which
 * also keeps the party links alive (a link without traffic for 5 s drops):
 * about 0.1 s per MiB for a program of many small nodes, the costliest kind
 * measured, so the cap keeps that under a second. Real programs are far
 * smaller: AES-128 as a Bristol call encodes to 0.6 MB, the fraud score and
 * a group-by over 2^20 rows to under 10 KB (their sizes are in their nodes'
 * lengths, not in the program).
 */
export const MAX_PROGRAM_BYTES = 8 << 20;
/**
 * A proposal message at most: its program and 1 MiB for the rest (name, ids,
 * table layout). Other job messages are far smaller (a ledger entry is at
 * most 256 KiB), so a job message above this is not decoded at all.
 */
export const MAX_PROPOSAL_BYTES = MAX_PROGRAM_BYTES + (1 << 20);

/** A party's decision; an approval names the computation id the party checked against its policy. */
type Decision = { approved: boolean; reason?: string; cancelled?: boolean; computationId?: string };
type EarlyDecision = Decision & { from: string };

export class JobCoordinator {
  private readonly pending = new Map<string, Pending>();
  private readonly early = new Map<string, EarlyDecision[]>();
  /** How many of the early decisions each member sent. */
  private readonly earlyFrom = new Map<string, number>();
  /** Refusal replies waiting to be sent, by peer. */
  private readonly replying = new Map<string, number>();
  private readonly members: ReadonlySet<string>;
  private readonly timeoutMs: number;

  constructor(private readonly o: JobCoordinatorOptions) {
    this.timeoutMs = o.decisionTimeoutMs ?? 30_000;
    this.members = new Set(o.consortium.parties.map((p) => p.name));
    o.control.onMessage((from, bytes) => this.receive(from, bytes));
  }

  /** The operator's submission: this node proposes the job to every party of the program. */
  async submit(request: {
    name: string;
    protocol: JobProtocol;
    program: Uint8Array;
    tables?: unknown;
  }): Promise<JobRecord> {
    // Before decoding: the parties would refuse it undecoded, and decoding it would stall this node too.
    checkProgramSize(request.program.length);
    const { program, tables } = admitProgram(request.program, request.tables, request.protocol);
    if (!program.parties.includes(this.o.self)) {
      throw new InvalidArgument(
        `${this.o.self} is not a party of this computation (${program.parties.join(', ')})`,
      );
    }
    const strangers = this.strangers(program);
    if (strangers) {
      throw new InvalidArgument(`parties not in the consortium: ${strangers}`, { field: 'parties' });
    }
    const id = randomBytes(16).toString('hex');
    const computation = computationId(program, { name: request.name, protocol: request.protocol, tables });
    const proposal = encodeJobMessage({
      t: 'propose',
      job: id,
      name: request.name,
      protocol: request.protocol,
      computationId: computation,
      program: request.program,
      ...(tables ? { tables } : {}),
    });
    // Refused here, before a job exists: past either limit the proposal could reach no one.
    if (proposal.length > MAX_PROPOSAL_BYTES) {
      throw new LimitExceeded(
        `the proposal is ${proposal.length} bytes, more than the ${MAX_PROPOSAL_BYTES} a proposal may be`,
        { field: 'tables', size: proposal.length, limit: MAX_PROPOSAL_BYTES },
      );
    }
    if (proposal.length > this.o.control.maxMessageBytes) {
      throw new LimitExceeded(
        `the proposal is ${proposal.length} bytes, more than the ${this.o.control.maxMessageBytes} a control message may hold`,
        { field: 'program', size: proposal.length, limit: this.o.control.maxMessageBytes },
      );
    }
    const job = this.o.store.create({
      id,
      computationId: computation,
      name: request.name,
      parties: program.parties,
      proposer: this.o.self,
    });
    this.track(job, this.o.self, request.protocol, program, tables);
    this.o.log.info({ job: job.id, name: job.name, computation: job.computationId }, 'job proposed');
    // Not awaited: a party that is down would hold the operator's request for the connect timeout. The
    // sends are queued in order (the proposal to each party before this node's decision); one that fails
    // is logged, and the job then ends on the decision timeout, as for a party that never answers.
    void this.broadcast(job.parties, proposal, job.id);
    this.decide(job.id);
    return this.o.store.get(job.id);
  }

  /** The parties of `program` that are not consortium members, as a short list for a message ('' if none). */
  private strangers(program: Program): string {
    const out = program.parties.filter((p) => !this.members.has(p));
    return out.length > 8 ? `${out.slice(0, 8).join(', ')} and ${out.length - 8} more` : out.join(', ');
  }

  /**
   * The operator cancels a job that is still being decided: every party ends
   * it as cancelled. Returns false when the job is past its decisions (the
   * runner cancels it then).
   */
  cancelPending(jobId: string): boolean {
    const p = this.pending.get(jobId);
    if (!p) return false;
    const reason = `cancelled by the operator of ${this.o.self}`;
    void this.broadcast(
      p.parties,
      encodeJobMessage({ t: 'decision', job: jobId, approved: false, reason, cancelled: true }),
      jobId,
    );
    this.settle(jobId, new JobCancelled(reason, { party: this.o.self, job: jobId }));
    return true;
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.early.clear();
    this.earlyFrom.clear();
  }

  /** One control message from a peer. Nothing a peer sends may end this process: every failure is logged. */
  private receive(from: string, bytes: Uint8Array): void {
    if (bytes.length > MAX_PROPOSAL_BYTES) {
      this.refuseUndecoded(from, bytes);
      return;
    }
    let m: JobMessage;
    try {
      m = decodeJobMessage(bytes, from);
    } catch (e) {
      this.o.log.warn({ from, code: (e as ParleyError).code, err: (e as Error).message }, 'bad job message');
      return;
    }
    try {
      if (LEDGER_MESSAGES.has(m.t)) this.o.onLedgerMessage?.(from, m);
      else if (m.t === 'propose') this.onProposal(from, m);
      else if (m.t === 'decision')
        this.onDecision(from, m.job, {
          approved: m.approved,
          reason: m.reason,
          cancelled: m.cancelled,
          computationId: m.computationId,
        });
    } catch (e) {
      this.o.log.error(
        {
          from,
          type: m.t,
          job: 'job' in m ? m.job : undefined,
          code: (e as ParleyError).code,
          err: (e as Error).message,
        },
        'a job message could not be handled',
      );
      if (m.t === 'propose') this.refuseAfterFailure(from, m.job, e);
    }
  }

  /**
   * A job message larger than any job message may be, not decoded (that alone
   * could stall this node for seconds): a proposal, when its first fields say
   * so, is refused to its proposer, as an invalid one is; anything else is
   * logged and dropped.
   */
  private refuseUndecoded(from: string, bytes: Uint8Array): void {
    try {
      const { t, job } = peekJobMessage(bytes);
      const e = new LimitExceeded(
        `the proposal is ${bytes.length} bytes, more than the ${MAX_PROPOSAL_BYTES} a proposal may be`,
        { party: from, size: bytes.length, limit: MAX_PROPOSAL_BYTES },
      );
      this.o.log.warn({ from, type: t, job, size: bytes.length }, 'a job message too large to decode');
      if (t !== 'propose' || job === undefined || !JOB_ID_PATTERN.test(job) || this.o.store.find(job)) return;
      this.refuseInvalid(from, job, e);
    } catch (e) {
      this.o.log.error({ from, err: (e as Error).message }, 'a job message could not be handled');
    }
  }

  /** A proposal that is not valid (or too large): only its proposer is told, and no job is recorded. */
  private refuseInvalid(from: string, jobId: string, e: unknown): void {
    this.o.log.warn({ from, job: jobId, err: (e as Error).message }, 'the proposal is not valid');
    const reason = `the proposal is not valid: ${sharedMessage(e)}`.slice(0, 900);
    this.reply(from, encodeJobMessage({ t: 'decision', job: jobId, approved: false, reason }), jobId);
  }

  /**
   * A proposal whose handling failed: a job already pending here ends
   * refused and every party hears the refusal; otherwise the proposer does.
   */
  private refuseAfterFailure(from: string, jobId: string, e: unknown): void {
    // The peer-safe form: a runtime error's text (a database's, say) is for this node's log only.
    const reason = `the proposal could not be handled: ${sharedMessage(e)}`.slice(0, 900);
    const refusal = encodeJobMessage({ t: 'decision', job: jobId, approved: false, reason });
    const p = this.pending.get(jobId);
    if (!p) {
      this.reply(from, refusal, jobId);
      return;
    }
    void this.broadcast(p.parties, refusal, jobId);
    try {
      this.settle(jobId, new PolicyRefused(reason, { party: this.o.self, job: jobId }));
    } catch (again) {
      this.o.log.error(
        { job: jobId, err: (again as Error).message },
        'the failed proposal could not be ended',
      );
    }
  }

  private onProposal(from: string, m: Extract<JobMessage, { t: 'propose' }>): void {
    if (this.o.store.find(m.job)) {
      this.o.log.warn({ from, job: m.job }, 'a proposal repeats a known job id; ignored');
      return;
    }
    let program: Program;
    let tables: TableLayout | undefined;
    try {
      checkProgramSize(m.program.length);
      ({ program, tables } = admitProgram(m.program, m.tables, m.protocol));
      const id = computationId(program, { name: m.name, protocol: m.protocol, tables });
      if (id !== m.computationId)
        throw new ProtocolViolation('the computation id does not match the program');
      if (!program.parties.includes(from) || !program.parties.includes(this.o.self)) {
        throw new ProtocolViolation('the proposer and this node must both be parties of the computation');
      }
      // A job with a party no link leads to could only wait for that party's decision until the timeout.
      const strangers = this.strangers(program);
      if (strangers) {
        const why = `the computation names parties that are not consortium members: ${strangers}`;
        throw new ProtocolViolation(why, { party: from, field: 'parties' });
      }
    } catch (e) {
      this.refuseInvalid(from, m.job, e);
      return;
    }
    const awaiting = this.awaitingFrom(from);
    if (awaiting >= MAX_AWAITING_PER_PEER) {
      this.refuseOverLimit(from, m, program, awaiting);
      return;
    }
    const job = this.createReceived(from, m, program);
    this.o.log.info(
      { job: job.id, name: job.name, proposer: from, computation: job.computationId },
      'job received',
    );
    this.track(job, from, m.protocol, program, tables);
    for (const d of this.takeEarly(job.id)) this.onDecision(d.from, job.id, d);
    this.decide(job.id);
  }

  /** The job row of a proposal `from` sent. */
  private createReceived(
    from: string,
    m: Extract<JobMessage, { t: 'propose' }>,
    program: Program,
  ): JobRecord {
    return this.o.store.create({
      id: m.job,
      computationId: m.computationId,
      name: m.name,
      parties: program.parties,
      proposer: from,
    });
  }

  /** How many of `from`'s proposals wait for their decisions here. */
  private awaitingFrom(from: string): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.proposer === from) n++;
    return n;
  }

  /**
   * A valid proposal from a member that has MAX_AWAITING_PER_PEER proposals
   * waiting here already: its program is not kept; the job is recorded here
   * and refused at once, and every party hears the refusal, so that the job
   * ends refused everywhere (and this node, having a record of it, can
   * co-sign its ledger entry).
   */
  private refuseOverLimit(
    from: string,
    m: Extract<JobMessage, { t: 'propose' }>,
    program: Program,
    awaiting: number,
  ): void {
    const reason = `${from} has ${awaiting} proposals waiting for decisions on ${this.o.self}, the most one party may have`;
    const job = this.createReceived(from, m, program);
    this.takeEarly(job.id);
    const refusal = encodeJobMessage({ t: 'decision', job: job.id, approved: false, reason });
    for (const p of job.parties) if (p !== this.o.self) this.reply(p, refusal, job.id);
    const e = new LimitExceeded(`${this.o.self}: ${reason}`, {
      party: from,
      job: job.id,
      limit: MAX_AWAITING_PER_PEER,
    });
    this.o.store.transition(job.id, 'refused', { error: { code: e.code, message: e.message } });
    this.o.log.warn({ job: job.id, proposer: from, awaiting }, 'job refused: too many proposals waiting');
  }

  /**
   * Sends a refusal that a peer's message caused, unless MAX_REPLIES_IN_FLIGHT
   * replies to `to` are still waiting to be sent (the peer does not read, or
   * is not connected): then it is dropped, and logged, rather than queued
   * without bound.
   */
  private reply(to: string, bytes: Uint8Array, jobId: string): void {
    const waiting = this.replying.get(to) ?? 0;
    if (waiting >= MAX_REPLIES_IN_FLIGHT) {
      this.o.log.debug({ to, job: jobId }, 'a refusal was not sent: earlier ones still wait to be read');
      return;
    }
    this.replying.set(to, waiting + 1);
    const done = () => {
      const n = (this.replying.get(to) ?? 1) - 1;
      if (n > 0) this.replying.set(to, n);
      else this.replying.delete(to);
    };
    let sent: Promise<void>;
    try {
      sent = this.o.control.send(to, bytes);
    } catch {
      done();
      return;
    }
    void sent.then(done, (e: Error) => {
      done();
      this.o.log.warn({ job: jobId, to, err: e?.message }, 'could not send a refusal');
    });
  }

  /** The early decisions of job `jobId`, taken out of the waiting ones. */
  private takeEarly(jobId: string): EarlyDecision[] {
    const list = this.early.get(jobId) ?? [];
    this.early.delete(jobId);
    for (const d of list) {
      const n = (this.earlyFrom.get(d.from) ?? 1) - 1;
      if (n > 0) this.earlyFrom.set(d.from, n);
      else this.earlyFrom.delete(d.from);
    }
    return list;
  }

  /** Runs a timer's work: what it throws (a closed database, say) is logged, never left uncaught. */
  private guarded(what: string, jobId: string, work: () => void): void {
    try {
      work();
    } catch (e) {
      this.o.log.error(
        { job: jobId, code: (e as ParleyError)?.code, err: (e as Error)?.message },
        `${what} failed`,
      );
    }
  }

  private track(
    job: JobRecord,
    proposer: string,
    protocol: JobProtocol,
    program: Program,
    tables: TableLayout | undefined,
  ): void {
    const timer = setTimeout(
      () => this.guarded('ending a job without decisions', job.id, () => this.expire(job.id)),
      this.timeoutMs,
    );
    timer.unref();
    this.pending.set(job.id, {
      proposer,
      parties: job.parties,
      protocol,
      program,
      tables,
      decisions: new Map(),
      timer,
    });
  }

  /** This node's own decision, from its policy, sent to every other party. */
  private decide(jobId: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    const job = this.o.store.get(jobId);
    const mine = p.program.nodes.filter((n) => n.op === 'input' && n.party === this.o.self);
    const columns = tableInputNames(p.tables, this.o.self);
    const decision = checkPolicy(this.o.policy, {
      computationId: job.computationId,
      name: job.name,
      inputs: mine.flatMap((n) => (n.op === 'input' && !columns.has(n.name) ? [n.name] : [])),
      tables: Object.entries(p.tables?.tables ?? {}).flatMap(([t, s]) =>
        s.party === this.o.self ? [t] : [],
      ),
      outputRecipients: [...new Set(p.program.outputs.flatMap((o) => o.recipients))],
      minRows: fewestRows(mine),
      size: programSize(p.program),
    });
    const reason = decision.approved ? undefined : decision.reason;
    if (decision.approved) p.bindings = decision;
    this.o.log.info({ job: jobId, approved: decision.approved, reason }, 'policy decision');
    // An approval names what it approved: a proposer that sent the parties different computations is caught here.
    const computation = decision.approved ? { computationId: job.computationId } : {};
    void this.broadcast(
      p.parties,
      encodeJobMessage({ t: 'decision', job: jobId, approved: decision.approved, reason, ...computation }),
      jobId,
    );
    this.onDecision(this.o.self, jobId, { approved: decision.approved, reason, ...computation });
  }

  private onDecision(from: string, jobId: string, d: Decision): void {
    const p = this.pending.get(jobId);
    if (!p) {
      if (this.o.store.find(jobId)) return; // already settled here
      this.keepEarly(from, jobId, d);
      return;
    }
    if (!p.parties.includes(from) || p.decisions.has(from)) {
      this.o.log.warn({ from, job: jobId }, 'an unexpected decision; ignored');
      return;
    }
    p.decisions.set(from, d);
    const ours = this.o.store.get(jobId).computationId;
    if (d.approved && !d.cancelled && d.computationId !== ours) {
      this.settle(
        jobId,
        new ProtocolViolation(
          `${from} approved computation ${String(d.computationId ?? 'unnamed').slice(0, 64)}, not ${ours}: the parties were proposed different computations`,
          { party: from, job: jobId },
        ),
      );
    } else if (d.cancelled) {
      this.settle(
        jobId,
        new JobCancelled(`${from}: ${d.reason ?? 'cancelled'}`, { party: from, job: jobId }),
      );
    } else if (!d.approved) {
      this.settle(jobId, new PolicyRefused(`${from}: ${d.reason ?? 'refused'}`, { party: from, job: jobId }));
    } else if (p.parties.every((party) => p.decisions.get(party)?.approved)) {
      this.settle(jobId);
    }
  }

  /**
   * Keeps a decision for a proposal still on its way: one decision per member
   * and job at most, EARLY_PER_PEER per member (a member sending decisions for
   * made-up job ids fills only its own share), EARLY_LIMIT job ids in all, one
   * timer per job id.
   */
  private keepEarly(from: string, jobId: string, d: Decision): void {
    if (!this.members.has(from)) return;
    const mine = this.earlyFrom.get(from) ?? 0;
    if (mine >= EARLY_PER_PEER) {
      this.o.log.debug({ from, job: jobId }, 'an early decision dropped: its sender has too many waiting');
      return;
    }
    const list = this.early.get(jobId);
    if (list) {
      if (list.length >= this.members.size || list.some((x) => x.from === from)) return;
      list.push({ from, ...d });
    } else {
      if (this.early.size >= EARLY_LIMIT) return;
      this.early.set(jobId, [{ from, ...d }]);
      setTimeout(
        () => this.guarded('dropping early decisions', jobId, () => this.takeEarly(jobId)),
        this.timeoutMs,
      ).unref();
    }
    this.earlyFrom.set(from, mine + 1);
  }

  private settle(jobId: string, refusal?: ParleyError): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(jobId);
    if (refusal) {
      const cancelled = refusal.code === 'CANCELLED';
      this.o.store.transition(jobId, cancelled ? 'cancelled' : 'refused', {
        error: { code: refusal.code, message: refusal.message },
      });
      this.o.log.info({ job: jobId, reason: refusal.message }, cancelled ? 'job cancelled' : 'job refused');
      return;
    }
    const job = this.o.store.transition(jobId, 'approved');
    this.o.log.info({ job: jobId }, 'job approved by every party');
    this.o.onApproved?.(
      job,
      p.protocol,
      p.program,
      p.bindings ?? { inputs: {}, tables: {}, minRows: 1 },
      p.tables,
    );
  }

  private expire(jobId: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    const missing = p.parties.filter((party) => !p.decisions.has(party));
    this.pending.delete(jobId);
    const e = new Timeout(`no decision from ${missing.join(', ')} within ${this.timeoutMs} ms`, {
      job: jobId,
    });
    this.o.store.transition(jobId, 'failed', { error: { code: e.code, message: e.message } });
    this.o.log.warn({ job: jobId, missing }, 'job failed: decisions missing');
  }

  private async broadcast(parties: string[], bytes: Uint8Array, jobId: string): Promise<void> {
    await Promise.all(
      parties
        .filter((p) => p !== this.o.self)
        .map((p) =>
          this.o.control.send(p, bytes).catch((e: Error) => {
            this.o.log.warn({ job: jobId, to: p, err: e.message }, 'could not send a job message');
          }),
        ),
    );
  }
}

/**
 * What a peer may read of `e`, an error a proposal caused here: a
 * ParleyError's message (written to be shared), anything else only as
 * 'internal error' (a runtime error's text was not written for a peer).
 */
function sharedMessage(e: unknown): string {
  return e instanceof Error ? errorForPeers(e).message : 'internal error';
}

/** Refuses, with LimitExceeded, a program of more than MAX_PROGRAM_BYTES (checked before it is decoded). */
function checkProgramSize(bytes: number): void {
  if (bytes > MAX_PROGRAM_BYTES) {
    const why = `the program is ${bytes} bytes, more than the ${MAX_PROGRAM_BYTES} a job's program may be`;
    throw new LimitExceeded(why, { field: 'program', size: bytes, limit: MAX_PROGRAM_BYTES });
  }
}

/**
 * A program as submitted or proposed, decoded and checked: its party count
 * fits the protocol, its outputs fit a ledger entry, and its table layout (if
 * any) fits it.
 */
function admitProgram(
  bytes: Uint8Array,
  layout: unknown,
  protocol: JobProtocol,
): { program: Program; tables: TableLayout | undefined } {
  const program = decodeProgram(bytes);
  if (protocol === 'replicated' && program.parties.length !== 3) {
    // Refused before a job exists: the engine would fail only once every party had approved.
    throw new InvalidArgument(
      `replicated sharing runs three parties; this computation has ${program.parties.length}`,
      { field: 'protocol' },
    );
  }
  checkRecordable(program);
  return { program, tables: layout === undefined ? undefined : checkTableLayout(layout, program) };
}

/** The fewest rows among this party's inputs (a loop: a spread of many nodes would overflow the stack). */
function fewestRows(inputs: ReadonlyArray<{ length: number }>): number {
  let fewest = Number.MAX_SAFE_INTEGER;
  for (const n of inputs) if (n.length < fewest) fewest = n.length;
  return fewest;
}
