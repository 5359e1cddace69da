/**
 * The relational mirror of an entry shared by the SQL stores: how entry
 * fields become column values and how read-back columns become the JSON form
 * `verifyLedger` compares with the decoded bytes. Reading never throws: a
 * column that does not parse is passed on as it is, so that the comparison
 * reports it.
 */
import { canonicalJson, type LedgerEntry } from './entry.js';
import type { EntryColumns } from './store.js';
import type { SignedTreeHead } from './treeHead.js';

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
  if (row.app_data_json !== null && row.app_data_json !== undefined)
    c.appData = { json: parseJson(row.app_data_json) };
  else if (row.app_data_bytes instanceof Uint8Array) {
    const b = row.app_data_bytes;
    c.appData = { bytes: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex') };
  }
  return c;
}

/**
 * A stored tree head from its columns; `signatures` is the JSON text (SQLite)
 * or the parsed jsonb (PostgreSQL) of name -> hex. Every name is kept as its
 * own key, "__proto__" too, and an unreadable column gives no signatures: the
 * verifier reports either.
 */
export function headFromColumns(r: {
  size: unknown;
  timestamp: unknown;
  root: unknown;
  signatures: unknown;
}): SignedTreeHead {
  const sigs = parseJson(r.signatures);
  const named = typeof sigs === 'object' && sigs !== null ? Object.entries(sigs) : [];
  return {
    size: Number(r.size),
    timestamp: Number(r.timestamp),
    root: new Uint8Array(Buffer.from(String(r.root), 'hex')),
    signatures: Object.fromEntries(
      named.map(([name, hex]) => [
        name,
        new Uint8Array(Buffer.from(typeof hex === 'string' ? hex : '', 'hex')),
      ]),
    ),
  };
}
