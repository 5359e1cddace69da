/**
 * Jobs as a node's API describes them (packages/node/README.md, "The job
 * flow"): the record, its transitions, progress and ledger entry; the typed
 * error of a job that ended badly; and output values decoded from the text
 * the node sends (decimal, `0x` hex above 64 bits, decimal fractions for
 * fixed point) by their type. Answers are checked at this boundary: a field
 * the client relies on that is missing or of the wrong kind is a
 * MalformedFrame naming the field.
 */
import { decodeValue, encodeValue, parseType, typeToString } from '@parley/circuit';
import {
  errorFromJSON,
  InternalError,
  JOB_STATES,
  JobCancelled,
  type JobEvent,
  type JobLedger,
  type JobRecord,
  type JobState,
  ledgerSeq,
  MalformedFrame,
  type ParleyError,
  PolicyRefused,
} from '@parley/interface';
import type { OutputValue } from '../defineComputation.js';
import { NotRecorded } from './clientErrors.js';

export { JOB_STATES, type JobState, ledgerSeq };

/** States a job never leaves (a refused or failed job may still gain a ledger entry). */
export const FINAL_STATES: readonly JobState[] = ['recorded', 'refused', 'failed', 'cancelled'];
/** States that end a job without its outputs. */
export const FAILED_STATES: readonly JobState[] = ['refused', 'failed', 'cancelled'];

export function isFinalState(state: JobState): boolean {
  return FINAL_STATES.includes(state);
}

export type { JobEvent, JobLedger, JobRecord };

export interface JobProgress {
  done: number;
  total: number;
  /** What is counted (`AND gates`, `layers`, …). */
  unit: string;
}

/** `GET /jobs/:id`: the record with its transitions, the parties' input commitments and progress. */
export interface JobStatus extends JobRecord {
  events: JobEvent[];
  /** Each party's input commitment, hex. */
  commitments: Record<string, string>;
  /** While computing: how far the engine is. */
  progress?: JobProgress;
}

/** An output as the node sends it: the type's text and each value as text. */
export interface EncodedOutput {
  type: string;
  values: string[];
  /** For an output given per row of the node's table: each row's key (null where the node holds no row). */
  keys?: Array<string | null>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function malformed(where: string, field: string, expected: string): never {
  throw new MalformedFrame(`${where}: ${field} is not ${expected}`, { field });
}

/** Checks the fields of a job record the client relies on; returns it typed. */
export function checkJobRecord(json: unknown, where: string): JobRecord {
  if (!isObject(json)) malformed(where, 'the job', 'an object');
  if (typeof json.id !== 'string' || json.id === '') malformed(where, 'id', 'a string');
  if (!JOB_STATES.includes(json.state as JobState)) malformed(where, 'state', 'a job state');
  if (typeof json.name !== 'string') malformed(where, 'name', 'a string');
  if (!Array.isArray(json.parties) || !json.parties.every((p) => typeof p === 'string'))
    malformed(where, 'parties', 'a list of names');
  if (json.error !== undefined && !(isObject(json.error) && typeof json.error.code === 'string'))
    malformed(where, 'error', 'an error { code, message }');
  const l = json.ledger;
  if (l !== undefined && !(isObject(l) && (typeof l.seq === 'number' || typeof l.error === 'string')))
    malformed(where, 'ledger', '{ seq } or { error }');
  return json as unknown as JobRecord;
}

export function checkJobStatus(json: unknown, where: string): JobStatus {
  const s = checkJobRecord(json, where) as JobStatus & Record<string, unknown>;
  if (!Array.isArray(s.events)) s.events = [];
  if (!isObject(s.commitments)) s.commitments = {};
  const p = s.progress as unknown;
  if (p !== undefined && p !== null) {
    if (!isObject(p) || typeof p.done !== 'number' || typeof p.total !== 'number')
      malformed(where, 'progress', '{ done, total, unit }');
  } else {
    delete s.progress;
  }
  return s;
}

/**
 * The typed error of a job that ended refused, failed or cancelled, or
 * NotRecorded for one delivered whose ledger entry could not be made (each
 * with `details.job` and `details.state`); undefined otherwise.
 */
export function jobError(record: JobRecord): ParleyError | undefined {
  const details = { job: record.id, state: record.state };
  if (record.state === 'delivered' && record.ledger !== undefined && 'error' in record.ledger) {
    return new NotRecorded(
      `job ${record.id} was delivered but not recorded on the ledger: ${record.ledger.error}`,
      details,
    );
  }
  if (!FAILED_STATES.includes(record.state)) return undefined;
  if (record.error !== undefined) return errorFromJSON({ ...record.error, details });
  if (record.state === 'refused') return new PolicyRefused(`job ${record.id} was refused`, details);
  if (record.state === 'cancelled') return new JobCancelled(`job ${record.id} was cancelled`, details);
  return new InternalError(`job ${record.id} failed without a reason`, details);
}

/** One output's values by its type: integers as bigint, fixed point as number; one value alone, more as an array. */
export function decodeOutput(name: string, output: EncodedOutput): OutputValue {
  if (!isObject(output) || typeof output.type !== 'string' || !Array.isArray(output.values)) {
    throw new MalformedFrame(`output ${name} is not { type, values }`, { field: name });
  }
  let type: ReturnType<typeof parseType>;
  try {
    type = parseType(output.type);
  } catch {
    throw new MalformedFrame(`output ${name}: unknown type '${output.type.slice(0, 40)}'`, { field: name });
  }
  const values = output.values.map((text, i) => {
    const what = `output ${name}[${i}]`;
    if (typeof text !== 'string') throw new MalformedFrame(`${what} is not text`, { field: name });
    if (type.kind === 'fixed') {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n))
        throw new MalformedFrame(`${what} is not a number`, { field: name });
      // The range as the node decodes it: the type's least and greatest values as numbers.
      const lo = -(2 ** (type.bits - 1 - type.frac));
      const hi = decodeValue((1n << BigInt(type.bits - 1)) - 1n, type) as number;
      if (n < lo || n > hi || !Number.isInteger(n * 2 ** type.frac)) {
        throw new MalformedFrame(`${what} is not a value of ${typeToString(type)}`, { field: name });
      }
      return n;
    }
    let encoded: bigint;
    try {
      encoded = encodeValue(text, type, what);
    } catch (e) {
      // encodeValue names the output and what is wrong with it, never the value.
      throw new MalformedFrame((e as Error).message, { field: name });
    }
    return decodeValue(encoded, type);
  });
  return values.length === 1 ? values[0] : values;
}

export function decodeOutputs(outputs: Record<string, EncodedOutput>): Record<string, OutputValue> {
  return Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, decodeOutput(name, o)]));
}
