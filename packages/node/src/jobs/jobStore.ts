/**
 * The node's job records, in its SQLite database (node.db): each job's
 * computation, parties, state and outcome, and every state transition with
 * its time. States follow DESIGN.md's job flow:
 *
 *   proposed → approved → inputs-committed → computing → delivered → recorded
 *            ↘ refused     (any state before recorded) → failed | cancelled
 *
 * A transition the flow does not allow is refused (InvalidArgument): a job
 * never goes back, and a finished job never changes. When a node starts,
 * jobs it was still computing (or had not started) are marked failed with the
 * reason; a delivered job keeps its outputs and waits for its ledger entry.
 */
import {
  InvalidArgument,
  JOB_STATES,
  type JobEvent,
  type JobRecord,
  type JobState,
  NotFound,
} from '@parley/interface';
import Database from 'better-sqlite3';

export { JOB_STATES, type JobState };

/** States a job can move to from each state (the ends have none). */
const NEXT: Record<JobState, readonly JobState[]> = {
  proposed: ['approved', 'refused', 'failed', 'cancelled'],
  approved: ['inputs-committed', 'failed', 'cancelled'],
  'inputs-committed': ['computing', 'failed', 'cancelled'],
  computing: ['delivered', 'failed', 'cancelled'],
  delivered: ['recorded', 'failed'],
  recorded: [],
  refused: [],
  failed: [],
  cancelled: [],
};

export function isFinished(state: JobState): boolean {
  return NEXT[state].length === 0;
}

/** Whether a job in `state` has its outcome here (delivered, or finished): what its ledger entry records. */
export function hasOutcome(state: JobState): boolean {
  return state === 'delivered' || isFinished(state);
}

export type { JobEvent, JobRecord };

/** What every party of a succeeded job agrees on before it is recorded (jobTranscript.ts). */
export interface JobRecordDigests {
  /** Salted hash of each output, by output name (all outputs, whoever received them). */
  outputHashes: Record<string, string>;
  transcriptHash: string;
}

/** An output as this node keeps it. */
export interface StoredOutput {
  type: string;
  values: string[];
  /** Hex salt of the output's ledger hash. */
  salt: string;
  /** For an output given per row of this node's table: the row's key, null on rows it does not hold. */
  keys?: Array<string | null>;
}

interface JobRow {
  id: string;
  computation_id: string;
  name: string;
  parties: string;
  proposer: string;
  state: JobState;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
  ledger_seq: number | null;
  ledger_error: string | null;
}

function toRecord(r: JobRow): JobRecord {
  const job: JobRecord = {
    id: r.id,
    computationId: r.computation_id,
    name: r.name,
    parties: JSON.parse(r.parties) as string[],
    proposer: r.proposer,
    state: r.state,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.error_code !== null) job.error = { code: r.error_code, message: r.error_message ?? '' };
  if (r.ledger_seq !== null) job.ledger = { seq: r.ledger_seq };
  else if (r.ledger_error !== null) job.ledger = { error: r.ledger_error };
  return job;
}

/** Brings a table made by an earlier version up to date (columns are only ever added). */
function addMissingColumns(db: Database.Database, table: string, columns: string[]): void {
  const have = new Set((db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name));
  for (const c of columns) if (!have.has(c.split(' ')[0])) db.exec(`alter table ${table} add column ${c}`);
}

/** Called after every state change of a job, with the job as it now is. */
export type JobListener = (job: JobRecord) => void;

export class JobStore {
  private readonly listeners = new Set<JobListener>();

  private constructor(private readonly db: Database.Database) {}

  static open(file: string): JobStore {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      create table if not exists jobs (
        id text primary key,
        computation_id text not null,
        name text not null,
        parties text not null,
        proposer text not null,
        state text not null,
        error_code text,
        error_message text,
        created_at integer not null,
        updated_at integer not null,
        output_hashes text,
        transcript_hash text,
        ledger_seq integer,
        ledger_error text
      );
      create table if not exists job_commitments (
        job_id text not null references jobs(id),
        party text not null,
        commitment text not null,
        primary key (job_id, party)
      );
      create table if not exists job_outputs (
        job_id text not null references jobs(id),
        name text not null,
        type text not null,
        vals text not null,
        salt text not null,
        primary key (job_id, name)
      );
      create table if not exists job_events (
        job_id text not null references jobs(id),
        seq integer not null,
        state text not null,
        at integer not null,
        detail text,
        primary key (job_id, seq)
      );
    `);
    addMissingColumns(db, 'jobs', [
      'output_hashes text',
      'transcript_hash text',
      'ledger_seq integer',
      'ledger_error text',
    ]);
    addMissingColumns(db, 'job_outputs', ["salt text not null default ''", 'keys text']);
    return new JobStore(db);
  }

  create(
    job: Pick<JobRecord, 'id' | 'computationId' | 'name' | 'parties' | 'proposer'>,
    now = Date.now(),
  ): JobRecord {
    if (this.find(job.id)) throw new InvalidArgument(`job ${job.id} exists already`, { job: job.id });
    this.db.transaction(() => {
      this.db
        .prepare(
          'insert into jobs (id, computation_id, name, parties, proposer, state, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          job.id,
          job.computationId,
          job.name,
          JSON.stringify(job.parties),
          job.proposer,
          'proposed',
          now,
          now,
        );
      this.db
        .prepare('insert into job_events (job_id, seq, state, at) values (?, 0, ?, ?)')
        .run(job.id, 'proposed', now);
    })();
    return this.get(job.id);
  }

  /**
   * Moves job `id` to `state`; `error` for refused, failed and cancelled jobs;
   * `ledgerSeq` notes the job's ledger entry in the same transaction (a
   * delivered job becoming recorded).
   */
  transition(
    id: string,
    state: JobState,
    options: {
      error?: { code: string; message: string };
      detail?: string;
      now?: number;
      ledgerSeq?: number;
    } = {},
  ): JobRecord {
    const now = options.now ?? Date.now();
    this.db.transaction(() => {
      const job = this.get(id);
      if (!NEXT[job.state].includes(state)) {
        throw new InvalidArgument(`job ${id} cannot go from ${job.state} to ${state}`, {
          job: id,
          from: job.state,
          to: state,
        });
      }
      this.db
        .prepare('update jobs set state = ?, error_code = ?, error_message = ?, updated_at = ? where id = ?')
        .run(state, options.error?.code ?? null, options.error?.message ?? null, now, id);
      if (options.ledgerSeq !== undefined) this.#noteSeq(id, options.ledgerSeq);
      const seq =
        (this.db.prepare('select max(seq) as s from job_events where job_id = ?').get(id) as { s: number })
          .s + 1;
      this.db
        .prepare('insert into job_events (job_id, seq, state, at, detail) values (?, ?, ?, ?, ?)')
        .run(id, seq, state, now, options.detail ?? options.error?.message ?? null);
    })();
    const job = this.get(id);
    for (const l of this.listeners) l(job);
    return job;
  }

  /** Calls `listener` after every state change; returns the function that stops it. */
  onChange(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The digests every party agreed on for a succeeded job (saved before it is delivered). */
  saveDigests(id: string, d: JobRecordDigests): void {
    this.db
      .prepare('update jobs set output_hashes = ?, transcript_hash = ? where id = ?')
      .run(JSON.stringify(d.outputHashes), d.transcriptHash, id);
  }

  digests(id: string): JobRecordDigests | undefined {
    const r = this.db.prepare('select output_hashes, transcript_hash from jobs where id = ?').get(id) as
      | { output_hashes: string | null; transcript_hash: string | null }
      | undefined;
    if (!r || r.output_hashes === null || r.transcript_hash === null) return undefined;
    return { outputHashes: JSON.parse(r.output_hashes), transcriptHash: r.transcript_hash };
  }

  /** Jobs `proposer` proposed whose recording failed (oldest first, at most `limit`). */
  unrecorded(proposer: string, limit = 100): JobRecord[] {
    const rows = this.db
      .prepare(
        'select * from jobs where proposer = ? and ledger_seq is null and ledger_error is not null order by updated_at limit ?',
      )
      .all(proposer, limit) as JobRow[];
    return rows.map(toRecord);
  }

  /**
   * Jobs `proposer` proposed that have an outcome (delivered or ended) and no
   * ledger entry yet, oldest first, at most `limit`: what it puts forward when it starts.
   */
  notOnLedger(proposer: string, limit = 100): JobRecord[] {
    const states = JOB_STATES.filter((s) => hasOutcome(s) && s !== 'recorded');
    const rows = this.db
      .prepare(
        `select * from jobs where proposer = ? and ledger_seq is null and state in (${states.map(() => '?').join(', ')}) order by updated_at limit ?`,
      )
      .all(proposer, ...states, limit) as JobRow[];
    return rows.map(toRecord);
  }

  /**
   * Notes where the job's ledger entry is, or why recording it failed. An
   * entry is final: once a job's seq is noted, a later failure (a second
   * submission of it, refused) does not replace it. Returns whether it noted.
   */
  setLedger(id: string, ledger: { seq: number } | { error: string }): boolean {
    if ('seq' in ledger) return this.#noteSeq(id, ledger.seq);
    return (
      this.db
        .prepare('update jobs set ledger_error = ? where id = ? and ledger_seq is null')
        .run(ledger.error.slice(0, 2000), id).changes > 0
    );
  }

  /** Notes the job's ledger entry (clearing a recorded failure); whether the job exists. */
  #noteSeq(id: string, seq: number): boolean {
    return (
      this.db.prepare('update jobs set ledger_seq = ?, ledger_error = null where id = ?').run(seq, id)
        .changes > 0
    );
  }

  find(id: string): JobRecord | undefined {
    const r = this.db.prepare('select * from jobs where id = ?').get(id) as JobRow | undefined;
    return r && toRecord(r);
  }

  get(id: string): JobRecord {
    const job = this.find(id);
    if (!job) throw new NotFound(`no job ${id}`, { job: id });
    return job;
  }

  /** Jobs, newest first. */
  list(options: { state?: JobState; limit?: number } = {}): JobRecord[] {
    const limit = options.limit ?? 100;
    const rows = (
      options.state
        ? this.db
            .prepare('select * from jobs where state = ? order by created_at desc, id limit ?')
            .all(options.state, limit)
        : this.db.prepare('select * from jobs order by created_at desc, id limit ?').all(limit)
    ) as JobRow[];
    return rows.map(toRecord);
  }

  events(id: string): JobEvent[] {
    this.get(id);
    return (
      this.db
        .prepare('select state, at, detail from job_events where job_id = ? order by seq')
        .all(id) as Array<{
        state: JobState;
        at: number;
        detail: string | null;
      }>
    ).map((e) =>
      e.detail === null ? { state: e.state, at: e.at } : { state: e.state, at: e.at, detail: e.detail },
    );
  }

  /** Every party's input commitment (hex), as exchanged before the computation. */
  saveCommitments(id: string, commitments: Record<string, string>): void {
    const insert = this.db.prepare(
      'insert into job_commitments (job_id, party, commitment) values (?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const [party, c] of Object.entries(commitments)) insert.run(id, party, c);
    })();
  }

  commitments(id: string): Record<string, string> {
    const rows = this.db
      .prepare('select party, commitment from job_commitments where job_id = ? order by party')
      .all(id) as Array<{
      party: string;
      commitment: string;
    }>;
    return Object.fromEntries(rows.map((r) => [r.party, r.commitment]));
  }

  /**
   * The outputs this node received: values as text (decimal, or 0x hex above
   * 64 bits), by output name, each with the salt of its ledger hash (hex), which
   * lets this node later show an auditor that a value is the recorded one.
   */
  saveOutputs(id: string, outputs: Record<string, StoredOutput>): void {
    const insert = this.db.prepare(
      'insert into job_outputs (job_id, name, type, vals, salt, keys) values (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const [name, o] of Object.entries(outputs))
        insert.run(
          id,
          name,
          o.type,
          JSON.stringify(o.values),
          o.salt,
          o.keys ? JSON.stringify(o.keys) : null,
        );
    })();
  }

  outputs(id: string): Record<string, StoredOutput> {
    this.get(id);
    const rows = this.db
      .prepare('select name, type, vals, salt, keys from job_outputs where job_id = ? order by name')
      .all(id) as Array<{
      name: string;
      type: string;
      vals: string;
      salt: string;
      keys: string | null;
    }>;
    return Object.fromEntries(
      rows.map((r) => [
        r.name,
        {
          type: r.type,
          values: JSON.parse(r.vals) as string[],
          salt: r.salt,
          ...(r.keys === null ? {} : { keys: JSON.parse(r.keys) as Array<string | null> }),
        },
      ]),
    );
  }

  /** At start-up: every job still in flight and not yet delivered failed, with `error`. Returns them. */
  failInFlight(error: { code: string; message: string }, now = Date.now()): JobRecord[] {
    // A delivered job's computation is over and every party holds its outputs: only its recording is left.
    const states = JOB_STATES.filter((s) => !isFinished(s) && s !== 'delivered');
    const inFlight = this.db
      .prepare(`select id from jobs where state in (${states.map(() => '?').join(', ')})`)
      .all(...states) as Array<{ id: string }>;
    return inFlight.map((r) => this.transition(r.id, 'failed', { error, now }));
  }

  close(): void {
    this.db.close();
  }
}
