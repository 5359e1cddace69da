/**
 * Runs an approved job on this node (DESIGN.md, "How a job flows", steps
 * 4–6): reads this node's inputs from the data sources its policy bound
 * them to, commits to them (exchanged with every party before anything is
 * computed), runs the engine with the other parties over the job's own
 * transport session `job-<id>`, keeps the outputs this node is entitled to
 * and agrees with the others on the output hashes and the transcript hash
 * the ledger will record (jobTranscript.ts; on the session `job-<id>.ctl`,
 * so that these messages never mix with the engine's). Any failure fails the
 * job here with its typed error; the aborted sessions make the other parties
 * fail it too, with the same error. The operator's cancel aborts them with
 * JobCancelled: the job ends cancelled on every party. A session belongs to
 * the job from the moment it opens: one still opening when the job ends is
 * aborted with the job's error as soon as it opens.
 *
 * Each data source is read once per job (`DataSourceReads`), however many
 * inputs and tables it feeds, without holding the event loop for long, and
 * only up to the rows the job can use (`rowLimits`, known before the first
 * read): a source with more fails the job as data that does not fit.
 *
 * Engines (enginePool.ts, in worker threads): two-party jobs run on the
 * garbled engine (semi-honest, the OT extension kept per peer across jobs);
 * jobs of three or more parties, or asking for `sharing` or `replicated`, on
 * the secret-sharing engine (additive with OT-made triples, or 3-party
 * replicated).
 */
import { type Column, formatValue, type Program, typeToString } from '@parley/circuit';
import {
  asParleyError,
  errorForPeers,
  InternalError,
  InvalidInput,
  JobCancelled,
  own,
  ParleyError,
  type TableLayout,
} from '@parley/interface';
import type { Session, SessionOptions, WsEndpoint } from '@parley/transport';
import type { Logger } from 'pino';
import {
  DataSourceReads,
  dataFitError,
  dataSourceErrorForPeers,
  readDataSource,
} from '../data/dataSources.js';
import type { NodeConfig } from '../setup/nodeConfig.js';

import type { EnginePool } from './enginePool.js';
import type { JobProtocol } from './jobMessages.js';
import { isFinished, type JobRecord, type JobStore } from './jobStore.js';
import { agreeOnOutputs, exchangeCommitments, inputCommitment, transcriptHash } from './jobTranscript.js';
import type { JobBindings } from './policyCheck.js';
import { joinParties, readTableInputs, tableRowLimits } from './tableInputs.js';
import { tableInputNames } from './tableLayout.js';

export interface JobRunnerOptions {
  self: string;
  dir: string;
  config: NodeConfig;
  store: JobStore;
  endpoint: WsEndpoint;
  log: Logger;
  /** The worker threads that run the engines. */
  engines: EnginePool;
  /** How long a job waits for a peer's message (default 60 s). */
  recvTimeoutMs?: number;
}

/** How far a running job has got: gates or operations done of total. */
export interface JobProgress {
  done: number;
  total: number;
  unit: string;
}

/**
 * How much longer than a message's usual wait the parties may wait for each
 * other's input commitments when a join comes first: each join party does
 * one X25519 multiplication per key of every join party (~25k per second
 * per core), and allowing a slower machine, 0.12 ms per key per party.
 */
export function joinAllowanceMs(joinParties: number, rows: number): number {
  return Math.ceil(0.12 * joinParties * rows);
}

/**
 * What the other parties hear of `err`, the error that failed a job on party
 * `self` (through the ABORT of its sessions), and what this node records for
 * the job (the proposer's record is the reason on the shared ledger): a data
 * source's failure only as its source, party and code (its own message names
 * files and columns, for this node's log); data that does not fit the job (a
 * source's row count against the computation's) only as its code and the
 * input or table (the count and the source are this party's); an internal
 * error, or an error that is not a ParleyError, only as 'internal error' (its
 * text, often a runtime error's, was not written for a peer's eyes); any
 * other ParleyError as it is (its messages are written to be shared).
 */
export function jobErrorForPeers(err: ParleyError, self: string): ParleyError {
  const source = dataSourceErrorForPeers(err, self);
  if (source) return source;
  const shared = errorForPeers(err);
  return shared.code === 'INTERNAL' ? new InternalError(shared.message) : err;
}

export class JobRunner {
  /** Jobs running here: their cancel switch and progress. */
  private readonly running = new Map<string, { abort: AbortController; progress?: JobProgress }>();

  constructor(private readonly o: JobRunnerOptions) {}

  /** The progress of a job running here; undefined when it is not computing. */
  progress(jobId: string): JobProgress | undefined {
    return this.running.get(jobId)?.progress;
  }

  /**
   * Cancels a job this node runs or is about to run: its sessions are aborted
   * with JobCancelled, so every party ends it as cancelled. `parties` are the
   * job's, for a job that has not started here.
   */
  cancel(job: JobRecord, reason: string): void {
    const err = new JobCancelled(reason, { job: job.id, party: this.o.self });
    const r = this.running.get(job.id);
    if (r) {
      r.abort.abort(err);
      return;
    }
    // Not running here (still deciding, or it never will): tell the parties that may be running it.
    for (const id of [`job-${job.id}`, `job-${job.id}.ctl`]) {
      void this.o.endpoint
        .openSession(id, job.parties)
        .then((s) => s.abort(err))
        .catch(() => {});
    }
  }

  /** Runs `job` to its end on this node; never throws (a failure fails the job). */
  async run(
    job: JobRecord,
    protocol: JobProtocol,
    program: Program,
    bindings: JobBindings,
    tables?: TableLayout,
  ): Promise<void> {
    const { store, log } = this.o;
    const abort = new AbortController();
    this.running.set(job.id, { abort });
    const sessions: Session[] = [];
    // How the job ended, once it has: a session that opens later is aborted with its error, or closed.
    let ended: { error?: ParleyError } | undefined;
    // Each session is the job's as soon as it opens, not once all have: a cancel, or another session
    // failing to open, while some are still opening must abort those already open, and those that open
    // after the job ended (their peers wait on them), so that every party ends the job alike.
    const adopt = (s: Session): Session => {
      if (!ended) {
        sessions.push(s);
      } else {
        if (ended.error) s.abort(ended.error);
        void s.close().catch(() => {});
      }
      return s;
    };
    const cancelled = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    cancelled.catch(() => {});
    // A session that ends with an error (a peer aborted it, or its connection dropped) ends the job
    // at once, whatever step this node is waiting in.
    let broken: Promise<never> = new Promise<never>(() => {});
    const orCancel = <T>(p: Promise<T>): Promise<T> => Promise.race([p, cancelled, broken]);
    try {
      // The sessions first: a failure from here on (a bad data source too) aborts them, so every
      // party fails the job at once with the same typed error.
      const options = { recvTimeoutMs: this.o.recvTimeoutMs ?? 60_000 };
      // The private join runs among the joined tables' parties only, on its own session.
      const joining = tables?.join ? joinParties(tables, program) : [];
      // The input commitments come after the join: a party waits for them as long as a join may take.
      const ctlOptions = {
        recvTimeoutMs: options.recvTimeoutMs + joinAllowanceMs(joining.length, tables?.join?.rows ?? 0),
      };
      const open = (id: string, parties: readonly string[], o: SessionOptions) =>
        this.o.endpoint.openSession(id, parties, o).then((s) => adopt(s));
      const [engine, ctl, join] = await orCancel(
        Promise.all([
          open(`job-${job.id}`, job.parties, options),
          open(`job-${job.id}.ctl`, job.parties, ctlOptions),
          joining.includes(this.o.self) ? open(`job-${job.id}.join`, joining, options) : undefined,
        ]),
      );
      broken = new Promise<never>((_, reject) => {
        for (const session of sessions) void session.ended.then((e) => e && reject(e));
      });
      broken.catch(() => {});
      // Each data source is read once for the job, however many inputs and tables it feeds, and no
      // further than the job can use; its rows are dropped once the inputs are read.
      const reads = new DataSourceReads(abort.signal, this.rowLimits(program, bindings, tables));
      const columns = await orCancel(this.readInputs(program, bindings.inputs, tables, reads));
      const keysOf: Record<string, Array<string | null>> = {};
      if (tables) {
        const read = await orCancel(
          readTableInputs({
            self: this.o.self,
            jobId: job.id,
            dir: this.o.dir,
            config: this.o.config,
            program,
            layout: tables,
            bindings,
            joinSession: join,
            recvTimeoutMs: this.o.recvTimeoutMs ?? 60_000,
            signal: abort.signal,
            reads,
            onJoinProgress: (done, total) => {
              const r = this.running.get(job.id);
              if (r) r.progress = { done, total, unit: 'keys encrypted (join)' };
            },
          }),
        );
        for (const [id, col] of read.columns) columns.set(id, col);
        Object.assign(keysOf, read.keysOf);
      }
      reads.clear();
      const commitments = await orCancel(
        exchangeCommitments(ctl, this.o.self, job.parties, inputCommitment(job.id, program, columns)),
      );
      store.saveCommitments(job.id, commitments);
      store.transition(job.id, 'inputs-committed');
      store.transition(job.id, 'computing');
      log.info({ job: job.id }, 'job computing');
      const outputs = await orCancel(this.compute(job.id, engine, protocol, program, columns, abort.signal));
      const agreed = await orCancel(agreeOnOutputs(ctl, this.o.self, job.id, program, outputs));
      store.saveOutputs(
        job.id,
        Object.fromEntries(
          Object.entries(outputs).map(([name, col]) => {
            const node = program.nodes[program.outputs.find((o) => o.name === name)?.node ?? -1];
            const keys = own(keysOf, own(tables?.rowOutputs, name) ?? '');
            return [
              name,
              {
                type: typeToString(node.type),
                values: Array.from({ length: col.length }, (_, i) => formatValue(col[i], node.type)),
                salt: agreed.salts[name],
                ...(keys ? { keys } : {}),
              },
            ];
          }),
        ),
      );
      store.saveDigests(job.id, {
        outputHashes: agreed.outputHashes,
        transcriptHash: transcriptHash(job, commitments, agreed.outputHashes),
      });
      store.transition(job.id, 'delivered');
      log.info({ job: job.id, outputs: Object.keys(outputs) }, 'job outputs delivered');
    } catch (e) {
      // A ParleyError only: an Error that merely has a `code` (a Node.js system error, SQLite's) is a
      // runtime error like any other.
      const err = e instanceof ParleyError ? e : asParleyError(e, `job ${job.id} failed`);
      // The full error stays in this node's log; the parties and the job's record get the shared form.
      const shared = jobErrorForPeers(err, this.o.self);
      ended = { error: shared };
      for (const s of sessions) s.abort(shared);
      try {
        const now = store.find(job.id);
        if (now && !isFinished(now.state)) {
          store.transition(job.id, shared.code === 'CANCELLED' ? 'cancelled' : 'failed', {
            error: { code: shared.code, message: shared.message },
          });
        }
      } catch (again) {
        log.error({ job: job.id, err: (again as Error).message }, 'the failed job could not be recorded');
      }
      log.warn({ job: job.id, code: err.code, err: err.message }, 'job failed');
    } finally {
      ended ??= {};
      this.running.delete(job.id);
      await Promise.all(sessions.map((s) => s.close().catch(() => {})));
    }
  }

  /**
   * The most rows this job can use of each data source this node's inputs and tables are bound to:
   * the largest any of them takes (an input its length, a table as `tableRowLimits` says). A source
   * read once for all of them must not stop short of any.
   */
  private rowLimits(
    program: Program,
    bindings: JobBindings,
    tables: TableLayout | undefined,
  ): Map<string, number> {
    const limits = new Map<string, number>();
    const allow = (source: string, rows: number) =>
      limits.set(source, Math.max(limits.get(source) ?? 0, rows));
    const tableColumns = tableInputNames(tables, this.o.self);
    for (const n of program.nodes) {
      if (n.op !== 'input' || n.party !== this.o.self || tableColumns.has(n.name)) continue;
      const b = own(bindings.inputs, n.name);
      if (b !== undefined) allow(b.source, n.length);
    }
    for (const { source, rows } of tableRowLimits(tables, bindings, this.o.self)) allow(source, rows);
    return limits;
  }

  /** This node's input columns (tables aside) by input node id, from the bound data source columns. */
  private async readInputs(
    program: Program,
    bindings: JobBindings['inputs'],
    tables: TableLayout | undefined,
    reads: DataSourceReads,
  ): Promise<Map<number, Column>> {
    const columns = new Map<number, Column>();
    const tableColumns = tableInputNames(tables, this.o.self);
    for (const [id, n] of program.nodes.entries()) {
      if (n.op !== 'input' || n.party !== this.o.self || tableColumns.has(n.name)) continue;
      // Own properties only: an input or source named `constructor` is looked up like any other name.
      const b = own(bindings, n.name);
      if (b === undefined) {
        throw new InvalidInput(`input ${n.name}: the policy binds no data to it`, { field: n.name });
      }
      const source = own(this.o.config.dataSources, b.source);
      if (!source) {
        throw new InvalidInput(`input ${n.name}: node.json has no data source '${b.source}'`, {
          field: n.name,
        });
      }
      // The source's size and name are this node's: the other parties and the ledger get neither.
      const unfit = (rows: string) =>
        dataFitError(
          new InvalidInput(
            `input ${n.name}: the computation takes ${n.length} value(s), data source ${b.source} has ${rows} row(s)`,
            { field: n.name, source: b.source },
          ),
          'input',
          n.name,
        );
      const table = await readDataSource(b.source, source, this.o.dir, [{ column: b.column, type: n.type }], {
        reads,
        tooManyRows: unfit,
      });
      if (table.rows !== n.length) throw unfit(String(table.rows));
      columns.set(id, table.columns.get(b.column) as Column);
    }
    return columns;
  }

  /** Runs the engine in the pool's worker threads, so this thread (the API, the other jobs) stays free. */
  private compute(
    jobId: string,
    session: Session,
    protocol: JobProtocol,
    program: Program,
    columns: Map<number, Column>,
    signal: AbortSignal,
  ): Promise<Record<string, Column>> {
    return this.o.engines.run(
      {
        protocol,
        program,
        party: this.o.self,
        inputs: columns,
        timeoutMs: this.o.recvTimeoutMs ?? 60_000,
      },
      {
        send: (to, bytes) => session.send(to, bytes),
        onMessage: (handler, options) => session.onMessage(handler, options),
        consumed: (from, bytes) => session.consumed(from, bytes),
        onProgress: (p) => {
          const r = this.running.get(jobId);
          if (r) r.progress = p;
        },
        signal,
        ended: session.ended,
      },
    );
  }
}
