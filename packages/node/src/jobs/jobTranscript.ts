/**
 * What a job commits to, and what the parties agree on before the ledger
 * records it (DESIGN.md, "How a job flows", steps 4, 6 and 7).
 *
 * - Input commitment: SHA-256(domain ‖ job ‖ salt ‖ each input column), a
 *   fresh 32-byte salt that never leaves the node (a hiding, binding hash
 *   commitment in the random-oracle model).
 * - Output hash: SHA-256(domain ‖ job ‖ name ‖ type ‖ salt ‖ values), where the
 *   salt is made by the output's recipients alone: each sends the others a
 *   fresh 32-byte contribution over their authenticated channel and the salt
 *   is the hash of all of them. A party that did not receive an output never
 *   learns its salt, so the recorded hash tells it nothing, even about a
 *   one-bit output; a recipient keeps the salt to show an auditor later that a
 *   value is the recorded one.
 * - Every party then sends every other the hashes of the outputs it received,
 *   so all parties hold the same map of output hashes and check that the
 *   recipients of each output agree.
 * - Transcript hash: SHA-256 of the job's public record (computation, parties,
 *   proposer, input commitments, output hashes), the same on every party.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Column, type Program, typeToString, type ValueType, widthOf } from '@parley/circuit';
import { InvalidArgument, ledgerSeq, own, ProtocolViolation, safeText } from '@parley/interface';
import {
  checkEntryName,
  type LedgerEntryInput,
  LIMITS,
  type LocalJobView,
  type Outcome,
} from '@parley/ledger';
import type { Session } from '@parley/transport';
import { Packr } from 'msgpackr';
import type { JobRecord, JobState, JobStore } from './jobStore.js';

const INPUT_DOMAIN = 'parley/input-commitment/v1';
const SALT_DOMAIN = 'parley/output-salt/v1';
const OUTPUT_DOMAIN = 'parley/output-hash/v1';
const TRANSCRIPT_DOMAIN = 'parley/job-transcript/v1';
const HEX64 = /^[0-9a-f]{64}$/;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** The values of a column as fixed-width little-endian bytes (the width of the type, rounded up to bytes). */
function columnBytes(col: Column, type: ValueType): Buffer {
  const bytes = Math.ceil(widthOf(type) / 8);
  const buf = Buffer.alloc(bytes * col.length);
  for (let i = 0; i < col.length; i++) {
    let v = col[i];
    for (let k = 0; k < bytes; k++, v >>= 8n) buf[i * bytes + k] = Number(v & 0xffn);
  }
  return buf;
}

/** This node's commitment to its input columns (by input node id). */
export function inputCommitment(jobId: string, program: Program, columns: Map<number, Column>): string {
  const salt = randomBytes(32);
  const h = createHash('sha256').update(INPUT_DOMAIN).update(jobId).update(salt);
  for (const [id, col] of [...columns].sort(([a], [b]) => a - b)) {
    const n = program.nodes[id];
    h.update(`${n.op === 'input' ? n.name : id}:${typeToString(n.type)}:${col.length};`);
    h.update(columnBytes(col, n.type));
  }
  salt.fill(0);
  return h.digest('hex');
}

/** Sends `value` to every other party and receives each one's, checked by `check`. */
async function exchange<T>(
  session: Session,
  others: readonly string[],
  value: (to: string) => unknown,
  check: (from: string, got: unknown) => T,
): Promise<Record<string, T>> {
  await Promise.all(others.map((p) => session.send(p, packr.pack(value(p)))));
  const all: Record<string, T> = {};
  for (const p of others) {
    let got: unknown;
    try {
      got = packr.unpack(await session.recv(p));
    } catch (e) {
      if ((e as { code?: string }).code) throw e;
      throw new ProtocolViolation(`${p} sent a message that is not msgpack`, { party: p });
    }
    all[p] = check(p, got);
  }
  return all;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

/** Exchanges every party's input commitment; returns all, by party. */
export async function exchangeCommitments(
  session: Session,
  self: string,
  parties: readonly string[],
  mine: string,
): Promise<Record<string, string>> {
  const others = parties.filter((p) => p !== self);
  const theirs = await exchange(
    session,
    others,
    () => mine,
    (p, got) => {
      if (typeof got !== 'string' || !HEX64.test(got))
        throw new ProtocolViolation(`${p} sent a malformed input commitment`, { party: p });
      return got;
    },
  );
  return { [self]: mine, ...theirs };
}

export interface AgreedOutputs {
  /** The salt of each output this node received (hex). */
  salts: Record<string, string>;
  /** The hash of every output of the job, by name. */
  outputHashes: Record<string, string>;
}

/**
 * Makes the salts of the outputs this node received with their other
 * recipients, hashes them, and exchanges the hashes with every party (see the
 * file comment). `outputs` are this node's outputs by name.
 */
export async function agreeOnOutputs(
  session: Session,
  self: string,
  jobId: string,
  program: Program,
  outputs: Record<string, Column>,
): Promise<AgreedOutputs> {
  const others = program.parties.filter((p) => p !== self);
  const mineNames = program.outputs.filter((o) => o.recipients.includes(self)).map((o) => o.name);
  const contribution = Object.fromEntries(mineNames.map((n) => [n, randomBytes(32)]));
  // Round 1: salt contributions, only for outputs both ends receive.
  const received = await exchange(
    session,
    others,
    (to) =>
      Object.fromEntries(
        program.outputs
          .filter((o) => o.recipients.includes(self) && o.recipients.includes(to))
          .map((o) => [o.name, own(contribution, o.name)]),
      ),
    (p, got) => {
      const expected = program.outputs.filter((o) => o.recipients.includes(self) && o.recipients.includes(p));
      const ok =
        isRecord(got) &&
        Object.keys(got).length === expected.length &&
        expected.every((o) => {
          const salt = own(got as Record<string, unknown>, o.name);
          return salt instanceof Uint8Array && salt.length === 32;
        });
      if (!ok) throw new ProtocolViolation(`${p} sent malformed output salt contributions`, { party: p });
      return got as Record<string, Uint8Array>;
    },
  );
  const salts: Record<string, string> = {};
  const mine: Record<string, string> = {};
  for (const o of program.outputs) {
    if (!o.recipients.includes(self)) continue;
    const h = createHash('sha256').update(SALT_DOMAIN).update(o.name);
    for (const r of [...o.recipients].sort()) {
      const part = r === self ? own(contribution, o.name) : own(own(received, r), o.name);
      h.update(r).update(part as Uint8Array);
    }
    const salt = h.digest();
    salts[o.name] = salt.toString('hex');
    const node = program.nodes[o.node];
    const column = own(outputs, o.name) as Column;
    mine[o.name] = createHash('sha256')
      .update(OUTPUT_DOMAIN)
      .update(jobId)
      .update(`${o.name}:${typeToString(node.type)}:${column.length};`)
      .update(salt)
      .update(columnBytes(column, node.type))
      .digest('hex');
  }
  // Round 2: every party learns the hash of every output; recipients must agree.
  const hashes = await exchange(
    session,
    others,
    () => mine,
    (p, got) => {
      const expected = program.outputs.filter((o) => o.recipients.includes(p));
      const ok =
        isRecord(got) &&
        Object.keys(got).length === expected.length &&
        expected.every((o) => {
          const hash = own(got as Record<string, unknown>, o.name);
          return typeof hash === 'string' && HEX64.test(hash);
        });
      if (!ok) throw new ProtocolViolation(`${p} sent malformed output hashes`, { party: p });
      return got as Record<string, string>;
    },
  );
  // By name in a Map: an output named like a member of Object.prototype is an output like any other.
  const byName = new Map<string, string>();
  for (const o of program.outputs) {
    for (const r of o.recipients) {
      const h = (r === self ? own(mine, o.name) : own(own(hashes, r), o.name)) as string;
      const seen = byName.get(o.name);
      if (seen !== undefined && seen !== h) {
        throw new ProtocolViolation(`the recipients of output ${o.name} disagree on its value`, {
          field: o.name,
        });
      }
      byName.set(o.name, h);
    }
  }
  return { salts, outputHashes: Object.fromEntries(byName) };
}

/** The hash of a succeeded job's public record; the same on every party. */
export function transcriptHash(
  job: Pick<JobRecord, 'id' | 'computationId' | 'parties' | 'proposer'>,
  commitments: Record<string, string>,
  outputHashes: Record<string, string>,
): string {
  const sorted = (r: Record<string, string>) =>
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k]]);
  return createHash('sha256')
    .update(TRANSCRIPT_DOMAIN)
    .update(
      JSON.stringify({
        job: job.id,
        computation: job.computationId,
        parties: job.parties,
        proposer: job.proposer,
        inputs: sorted(commitments),
        outputs: sorted(outputHashes),
      }),
    )
    .digest('hex');
}

/** The ledger outcome of a job in `state`; undefined while it is still running. */
export function outcomeOf(state: JobState): Outcome | undefined {
  if (state === 'delivered' || state === 'recorded') return 'succeeded';
  if (state === 'refused') return 'refused';
  if (state === 'failed' || state === 'cancelled') return 'failed';
  return undefined;
}

/**
 * Throws InvalidArgument, naming the field, unless the program has two or
 * more parties and its outputs fit a ledger entry (at most LIMITS.maxOutputs, names of at most
 * LIMITS.maxNameLength characters without control characters): checked when
 * a job is submitted or proposed, so a job that runs can be recorded.
 */
export function checkRecordable(program: Program): void {
  if (program.parties.length < 2) {
    // Members outside a job sign its entry only when another party than the sender vouches for it.
    throw new InvalidArgument(`the computation has ${program.parties.length} party; a job has two or more`, {
      field: 'parties',
    });
  }
  if (program.outputs.length > LIMITS.maxOutputs) {
    throw new InvalidArgument(
      `the computation has ${program.outputs.length} outputs; a ledger entry holds at most ${LIMITS.maxOutputs}`,
      { field: 'outputs' },
    );
  }
  for (const [i, o] of program.outputs.entries()) {
    try {
      checkEntryName(o.name, `outputs[${i}]`);
    } catch (e) {
      throw new InvalidArgument(`output ${i} cannot be recorded: ${(e as Error).message}`, {
        field: `outputs[${i}]`,
      });
    }
  }
}

/**
 * The ledger entry of a finished job, as its proposer puts it forward. A
 * refused or failed job records neither commitments nor outputs (parties may
 * have got to different steps), only the outcome and the reason.
 */
export function ledgerEntryFor(job: JobRecord, store: JobStore): LedgerEntryInput {
  const outcome = outcomeOf(job.state);
  if (outcome === undefined) throw new ProtocolViolation(`job ${job.id} has not finished`, { job: job.id });
  const digests = outcome === 'succeeded' ? store.digests(job.id) : undefined;
  const entry: LedgerEntryInput = {
    jobId: job.id,
    computationId: job.computationId,
    parties: [...job.parties],
    inputCommitments: digests ? store.commitments(job.id) : {},
    outputHashes: digests?.outputHashes ?? {},
    transcriptHash:
      digests?.transcriptHash ??
      transcriptHash(job, {}, { outcome: createHash('sha256').update(outcome).digest('hex') }),
    outcome,
    startedAt: job.createdAt,
    finishedAt: Math.max(job.createdAt, job.updatedAt),
  };
  if (outcome !== 'succeeded') {
    // The message may quote a peer: cleaned of control characters and cut without splitting a character.
    entry.reason = job.error ? safeText(`${job.error.code}: ${job.error.message}`, 2000) : outcome;
  }
  return entry;
}

/** This node's own view of a job, against which it checks a proposed entry before co-signing it. */
export function ledgerViewOf(job: JobRecord, store: JobStore, self: string): LocalJobView {
  const outcome = outcomeOf(job.state);
  if (outcome === undefined) {
    // Still running here: the entry waits (the proposer retries), whatever outcome it claims.
    return { computationId: job.computationId, parties: job.parties, unfinished: true };
  }
  const view: LocalJobView = { computationId: job.computationId, parties: job.parties, outcome };
  const recorded = ledgerSeq(job);
  if (recorded !== undefined) view.recordedSeq = recorded;
  if (outcome !== 'succeeded') return view;
  const digests = store.digests(job.id);
  const mine = store.commitments(job.id)[self];
  if (mine !== undefined) view.inputCommitment = mine;
  if (digests) {
    view.outputHashes = digests.outputHashes;
    view.transcriptHash = digests.transcriptHash;
  }
  return view;
}
