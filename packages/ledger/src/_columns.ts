/**
 * The relational mirror of an entry shared by the SQL stores: how entry
 * fields become column values and how read-back columns become the JSON form
 * `verifyLedger` compares with the decoded bytes. Reading never throws: an
 * entry column that does not parse is passed on as it is, so that the
 * comparison reports it, and a tree head column that does not parse strictly
 * is named in the head's `malformed` list.
 */
import { quoteUntrusted } from './_untrusted.js';
import { canonicalJson, type LedgerEntry } from './entry.js';
import type { EntryColumns, StoredTreeHead } from './store.js';

/** A stored root: SHA-256, as the stores write it. */
const ROOT_HEX = /^[0-9a-f]{64}$/;
/** A stored signature: Ed25519, 64 bytes, as the stores write it. */
const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

export interface ColumnValues {
  jobId: string;
  computationId: string;
  outcome: string;
  reason: string | null;
  parties: string;
  inputCommitments: string;
  outputHashes: string;
  transcriptHash: string;
  startedAt: string;
  finishedAt: string;
  appDataJson: string | null;
  appDataBytes: Uint8Array | null;
}

export function columnValues(e: LedgerEntry): ColumnValues {
  return {
    jobId: e.jobId,
    computationId: e.computationId,
    outcome: e.outcome,
    reason: e.reason ?? null,
    parties: JSON.stringify(e.parties),
    inputCommitments: canonicalJson(e.inputCommitments),
    outputHashes: canonicalJson(e.outputHashes),
    transcriptHash: e.transcriptHash,
    startedAt: new Date(e.startedAt).toISOString(),
    finishedAt: new Date(e.finishedAt).toISOString(),
    appDataJson: e.appData?.kind === 'json' ? canonicalJson(e.appData.json) : null,
    appDataBytes: e.appData?.kind === 'bytes' ? e.appData.bytes : null,
  };
}

function parseJson(x: unknown): unknown {
  if (typeof x !== 'string') return x;
  try {
    return JSON.parse(x);
  } catch {
    return x;
  }
}

function isoTime(x: unknown): unknown {
  if (x instanceof Date) return Number.isNaN(x.getTime()) ? String(x) : x.toISOString();
  return x;
}

/** Columns as read from a row (JSON columns as text or already parsed, times as ISO text or Date). */
export function readColumns(row: {
  seq: unknown;
  job_id: unknown;
  computation_id: unknown;
  outcome: unknown;
  reason: unknown;
  parties: unknown;
  input_commitments: unknown;
  output_hashes: unknown;
  transcript_hash: unknown;
  started_at: unknown;
  finished_at: unknown;
  app_data_json: unknown;
  app_data_bytes: unknown;
}): EntryColumns {
  const c: EntryColumns = {
    seq: typeof row.seq === 'string' ? Number(row.seq) : row.seq,
    jobId: row.job_id,
    computationId: row.computation_id,
    parties: parseJson(row.parties),
    inputCommitments: parseJson(row.input_commitments),
    outputHashes: parseJson(row.output_hashes),
    transcriptHash: row.transcript_hash,
    outcome: row.outcome,
    startedAt: isoTime(row.started_at),
    finishedAt: isoTime(row.finished_at),
  };
  if (row.reason !== null && row.reason !== undefined) c.reason = row.reason;
  // At most one appData column is set, the other is NULL: a value in the unused one is passed on beside
  // the used one, and a bytes column that holds no bytes as it is, so that neither matches an entry.
  const json = row.app_data_json;
  const bytes = row.app_data_bytes;
  const bytesValue = bytes instanceof Uint8Array ? hex(bytes) : bytes;
  if (json !== null && json !== undefined) {
    c.appData =
      bytes === null || bytes === undefined
        ? { json: parseJson(json) }
        : { json: parseJson(json), bytes: bytesValue };
  } else if (bytes !== null && bytes !== undefined) c.appData = { bytes: bytesValue };
  return c;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A whole number >= 0 from a column: an integer (SQLite) or its decimal text (PostgreSQL bigint). */
function wholeNumber(x: unknown): number | undefined {
  const n =
    typeof x === 'number' || typeof x === 'bigint'
      ? Number(x)
      : typeof x === 'string' && /^(?:0|[1-9][0-9]{0,15})$/.test(x)
        ? Number(x)
        : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * A stored tree head from its columns; `signatures` is the JSON text (SQLite)
 * or the parsed jsonb (PostgreSQL) of name -> hex. Every name is kept as its
 * own key, "__proto__" too. The root must be 64 and each signature 128
 * lowercase hex characters, the timestamp a whole number, the signatures an
 * object: any other column is named in `malformed` (and left out, or empty),
 * for the verifier to report. The size is passed on as a number, whatever it
 * is: the verifier checks it, as it reads heads in order of it.
 */
export function headFromColumns(r: {
  size: unknown;
  timestamp: unknown;
  root: unknown;
  signatures: unknown;
}): StoredTreeHead {
  const malformed: string[] = [];
  const timestamp = wholeNumber(r.timestamp);
  if (timestamp === undefined)
    malformed.push('the timestamp column is not a whole number of milliseconds since 1970');
  const rootOk = typeof r.root === 'string' && ROOT_HEX.test(r.root);
  if (!rootOk) malformed.push('the root column is not 64 lowercase hex characters');
  const sigs = parseJson(r.signatures);
  const isObject = typeof sigs === 'object' && sigs !== null && !Array.isArray(sigs);
  if (!isObject) malformed.push('the signatures column is not a JSON object of member name -> signature');
  const named: [string, Uint8Array][] = [];
  for (const [name, sig] of isObject ? Object.entries(sigs) : []) {
    if (typeof sig === 'string' && SIGNATURE_HEX.test(sig))
      named.push([name, new Uint8Array(Buffer.from(sig, 'hex'))]);
    else malformed.push(`the signature of ${quoteUntrusted(name)} is not 128 lowercase hex characters`);
  }
  // fromEntries keeps every name as its own key, "__proto__" too, for the check of who signed.
  const signatures = Object.fromEntries(named);
  const head: StoredTreeHead = {
    size: Number(r.size),
    timestamp: timestamp ?? Number(r.timestamp),
    root: rootOk ? new Uint8Array(Buffer.from(r.root as string, 'hex')) : new Uint8Array(0),
    signatures,
  };
  if (malformed.length > 0) head.malformed = malformed;
  return head;
}
