/**
 * Ledger entries: the record of one job, as a canonical msgpack map (see
 * canonicalMsgpack.ts). The entry's bytes are what the Merkle log hashes
 * (RFC 9162 §2.1.1 leaf = SHA-256(0x00 || bytes)); `encodeEntry` gives the only
 * byte string of a record and `decodeEntry` rejects every other.
 *
 * Wire form (keys sorted bytewise, as canonical msgpack sorts them):
 *   appData?          map {"bytes": bin} or {"json": str (canonical JSON text)}
 *   computationId     bin 32
 *   finishedAt        uint, ms since the Unix epoch
 *   inputCommitments  map party -> bin 32 (keys a subset of `parties`)
 *   jobId             str
 *   outcome           str "succeeded" | "refused" | "failed"
 *   outputHashes      map output name -> bin 32
 *   parties           array of str (distinct)
 *   reason?           str, present exactly when outcome is not "succeeded"
 *   seq               uint, the entry's index in the log
 *   startedAt         uint, ms since the Unix epoch, <= finishedAt
 *   transcriptHash    bin 32
 *   v                 uint, format version = 1
 *
 * Limits (the decoder checks every one and names the field): see LIMITS.
 * Nothing secret belongs in an entry: commitments and hashes only (hash
 * outputs with a salt when they are guessable).
 */
import { hasLoneSurrogate, hasUnsafeText, InvalidInput } from '@parley/interface';
import { keyPath, quoteUntrusted } from './_untrusted.js';
import { type CanonicalValue, decodeCanonical, encodeCanonical } from './canonicalMsgpack.js';

export const ENTRY_FORMAT_VERSION = 1;

/** Caps on entries, checked by `encodeEntry` and `decodeEntry`. */
export const LIMITS = Object.freeze({
  /** Whole encoded entry. */
  maxEntryBytes: 256 * 1024,
  /** Application data: bytes, or the canonical JSON text. */
  maxAppDataBytes: 64 * 1024,
  maxParties: 64,
  maxOutputs: 256,
  /** Job id, party names and output names, in characters. */
  maxNameLength: 128,
  maxReasonLength: 2048,
});

export type Outcome = 'succeeded' | 'refused' | 'failed';
export const OUTCOMES: readonly Outcome[] = ['succeeded', 'refused', 'failed'];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Optional application data: unstructured bytes or a JSON value. */
export type AppData = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'json'; json: JsonValue };

/** One job's record. Digests are 64 lowercase hex characters (SHA-256). */
export interface LedgerEntry {
  seq: number;
  jobId: string;
  computationId: string;
  parties: string[];
  /** Each party's input commitment, by party name (parties without input are absent). */
  inputCommitments: Record<string, string>;
  /** Hash of each output, by output name. */
  outputHashes: Record<string, string>;
  transcriptHash: string;
  outcome: Outcome;
  /** Why the job was refused or failed; absent when it succeeded. */
  reason?: string;
  startedAt: number;
  finishedAt: number;
  appData?: AppData;
}

/** An entry before the log gives it a sequence number. */
export type LedgerEntryInput = Omit<LedgerEntry, 'seq'>;

const HEX64 = /^[0-9a-f]{64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: names must not carry control characters
const CONTROL = /[\u0000-\u001f\u007f]/;
const ENTRY_KEYS = new Set([
  'appData',
  'computationId',
  'finishedAt',
  'inputCommitments',
  'jobId',
  'outcome',
  'outputHashes',
  'parties',
  'reason',
  'seq',
  'startedAt',
  'transcriptHash',
  'v',
]);

function bad(field: string, why: string): never {
  throw new InvalidInput(`ledger entry: ${field} ${why}`, { field });
}

/** Throws InvalidInput naming `field` unless `x` fits an entry's names: job id, party and output names. */
export function checkName(x: unknown, field: string): string {
  if (typeof x !== 'string' || x.length === 0) bad(field, 'must be a non-empty string');
  if (x.length > LIMITS.maxNameLength) bad(field, `is longer than ${LIMITS.maxNameLength} characters`);
  if (CONTROL.test(x) || hasUnsafeText(x)) bad(field, 'contains a control character or a lone surrogate');
  if (x === '__proto__') bad(field, 'is "__proto__", which JavaScript objects cannot hold as a key');
  return x;
}

function checkDigest(x: unknown, field: string): string {
  if (typeof x !== 'string' || !HEX64.test(x)) bad(field, 'must be 64 lowercase hex characters (SHA-256)');
  return x;
}

/** The last millisecond a JavaScript Date holds (+275760-09-13): later times have no ISO form. */
export const MAX_TIME_MS = 8.64e15;

function checkTime(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > MAX_TIME_MS) {
    bad(field, 'must be a whole number of milliseconds since 1970, at most 8.64e15');
  }
  return x;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

/** JSON text with keys sorted (as JavaScript sorts strings) and no spaces; rejects non-JSON values. */
export function canonicalJson(value: unknown, field = 'json'): string {
  return canonicalJsonAt(value, () => field);
}

// `path` names the value only when it is refused: keys are untrusted, so they are quoted (keyPath) then.
function canonicalJsonAt(value: unknown, path: () => string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) bad(path(), 'holds a number that is not finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v, i) => canonicalJsonAt(v, () => `${path()}[${i}]`)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJsonAt(value[k], () => keyPath(path(), k))}`).join(',')}}`;
  }
  return bad(path(), `holds a ${typeof value}, which JSON cannot`);
}

function checkDigestMap(x: unknown, field: string, max: number): Record<string, string> {
  if (!isPlainObject(x)) bad(field, 'must be an object of name -> digest');
  const keys = Object.keys(x);
  if (keys.length > max) bad(field, `has more than ${max} items`);
  const out: Record<string, string> = {};
  for (const k of keys.sort()) {
    checkName(k, `${field} key`);
    const v = x[k];
    if (typeof v !== 'string' || !HEX64.test(v))
      bad(keyPath(field, k), 'must be 64 lowercase hex characters (SHA-256)');
    out[k] = v;
  }
  return out;
}

/** Validates an entry (as built by a node) and returns a normalised copy; throws InvalidInput naming the field. */
export function validateEntry(e: LedgerEntry): LedgerEntry {
  if (!isPlainObject(e)) bad('entry', 'must be an object');
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 0)
    bad('seq', 'must be a whole number >= 0');
  const jobId = checkName(e.jobId, 'jobId');
  const computationId = checkDigest(e.computationId, 'computationId');
  if (!Array.isArray(e.parties) || e.parties.length === 0) bad('parties', 'must be a non-empty array');
  if (e.parties.length > LIMITS.maxParties) bad('parties', `has more than ${LIMITS.maxParties} items`);
  const parties = e.parties.map((p, i) => checkName(p, `parties[${i}]`));
  if (new Set(parties).size !== parties.length) bad('parties', 'names a party twice');
  const inputCommitments = checkDigestMap(e.inputCommitments, 'inputCommitments', LIMITS.maxParties);
  for (const p of Object.keys(inputCommitments)) {
    if (!parties.includes(p))
      bad('inputCommitments', `names ${quoteUntrusted(p)}, which is not among the parties`);
  }
  const outputHashes = checkDigestMap(e.outputHashes, 'outputHashes', LIMITS.maxOutputs);
  const transcriptHash = checkDigest(e.transcriptHash, 'transcriptHash');
  if (!OUTCOMES.includes(e.outcome)) bad('outcome', `must be one of ${OUTCOMES.join(', ')}`);
  let reason: string | undefined;
  if (e.outcome === 'succeeded') {
    if (e.reason !== undefined) bad('reason', 'must be absent when the outcome is "succeeded"');
  } else {
    if (typeof e.reason !== 'string' || e.reason.length === 0) {
      bad('reason', `is required when the outcome is "${e.outcome}"`);
    }
    if (e.reason.length > LIMITS.maxReasonLength)
      bad('reason', `is longer than ${LIMITS.maxReasonLength} characters`);
    // Refused rather than cleaned: a member signs only what it was sent (nodes clean reasons with safeText).
    if (hasUnsafeText(e.reason)) bad('reason', 'contains a control character or a lone surrogate');
    reason = e.reason;
  }
  const startedAt = checkTime(e.startedAt, 'startedAt');
  const finishedAt = checkTime(e.finishedAt, 'finishedAt');
  if (finishedAt < startedAt) bad('finishedAt', 'is before startedAt');
  const out: LedgerEntry = {
    seq: e.seq,
    jobId,
    computationId,
    parties,
    inputCommitments,
    outputHashes,
    transcriptHash,
    outcome: e.outcome,
    startedAt,
    finishedAt,
  };
  if (reason !== undefined) out.reason = reason;
  if (e.appData !== undefined) out.appData = checkAppData(e.appData);
  return out;
}

function checkAppData(a: AppData): AppData {
  if (!isPlainObject(a)) bad('appData', 'must be { kind: "bytes", bytes } or { kind: "json", json }');
  if (a.kind === 'bytes') {
    if (!(a.bytes instanceof Uint8Array)) bad('appData.bytes', 'must be bytes');
    if (a.bytes.length > LIMITS.maxAppDataBytes)
      bad('appData', `is larger than ${LIMITS.maxAppDataBytes} bytes`);
    return { kind: 'bytes', bytes: a.bytes };
  }
  if (a.kind === 'json') {
    checkJsonText(a.json, () => 'appData.json');
    const text = canonicalJson(a.json, 'appData.json');
    if (Buffer.byteLength(text) > LIMITS.maxAppDataBytes) {
      bad('appData', `is larger than ${LIMITS.maxAppDataBytes} bytes as JSON`);
    }
    return { kind: 'json', json: JSON.parse(text) as JsonValue };
  }
  return bad('appData.kind', 'must be "bytes" or "json"');
}

/**
 * Refuses a NUL or a lone surrogate in any string or key of a JSON value:
 * PostgreSQL's jsonb refuses both, so a replica there could not store an
 * entry every member had signed.
 */
function checkJsonText(value: unknown, path: () => string): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000') || hasLoneSurrogate(value))
      bad(path(), 'holds a NUL character or a lone surrogate');
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkJsonText(v, () => `${path()}[${i}]`);
  } else if (isPlainObject(value)) {
    for (const k of Object.keys(value)) {
      checkJsonText(k, () => `${path()} key`);
      checkJsonText(value[k], () => keyPath(path(), k));
    }
  }
}

const hexToBytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const bytesToHex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function digestMapToWire(m: Record<string, string>): { [key: string]: CanonicalValue } {
  const out: { [key: string]: CanonicalValue } = {};
  for (const k of Object.keys(m)) out[k] = hexToBytes(m[k]);
  return out;
}

/** The canonical bytes of an entry (validated first). */
export function encodeEntry(entry: LedgerEntry): Uint8Array {
  const e = validateEntry(entry);
  const wire: { [key: string]: CanonicalValue } = {
    v: ENTRY_FORMAT_VERSION,
    seq: e.seq,
    jobId: e.jobId,
    computationId: hexToBytes(e.computationId),
    parties: e.parties,
    inputCommitments: digestMapToWire(e.inputCommitments),
    outputHashes: digestMapToWire(e.outputHashes),
    transcriptHash: hexToBytes(e.transcriptHash),
    outcome: e.outcome,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
  };
  if (e.reason !== undefined) wire.reason = e.reason;
  if (e.appData?.kind === 'bytes') wire.appData = { bytes: e.appData.bytes };
  if (e.appData?.kind === 'json') wire.appData = { json: canonicalJson(e.appData.json) };
  const bytes = encodeCanonical(wire);
  if (bytes.length > LIMITS.maxEntryBytes) bad('entry', `encodes to more than ${LIMITS.maxEntryBytes} bytes`);
  return bytes;
}

function wireDigest(x: CanonicalValue, field: string): string {
  if (!(x instanceof Uint8Array) || x.length !== 32) bad(field, 'must be 32 bytes');
  return bytesToHex(x);
}

function wireDigestMap(x: CanonicalValue, field: string): Record<string, string> {
  if (!isPlainObject(x)) bad(field, 'must be a map');
  // fromEntries defines every key as its own, "__proto__" too, so validateEntry sees and refuses it.
  return Object.fromEntries(
    Object.keys(x).map((k) => {
      const v = x[k];
      if (!(v instanceof Uint8Array) || v.length !== 32) bad(keyPath(field, k), 'must be 32 bytes');
      return [k, bytesToHex(v)];
    }),
  );
}

/** Decodes and validates canonical entry bytes; throws InvalidInput naming the field or offset. */
export function decodeEntry(bytes: Uint8Array): LedgerEntry {
  const w = decodeCanonical(bytes, 'ledger entry', LIMITS.maxEntryBytes);
  if (!isPlainObject(w)) bad('entry', 'is not a map');
  for (const k of Object.keys(w)) {
    // The key is the bytes' text: quoted and cut, never echoed as it is.
    if (!ENTRY_KEYS.has(k))
      bad('entry', `has the key ${quoteUntrusted(k)}, which is not a field of a version 1 entry`);
  }
  if (w.v !== ENTRY_FORMAT_VERSION) bad('v', `must be ${ENTRY_FORMAT_VERSION}`);
  if (!Array.isArray(w.parties)) bad('parties', 'must be an array');
  const entry: LedgerEntry = {
    seq: w.seq as number,
    jobId: w.jobId as string,
    computationId: wireDigest(w.computationId as CanonicalValue, 'computationId'),
    parties: w.parties as string[],
    inputCommitments: wireDigestMap(w.inputCommitments as CanonicalValue, 'inputCommitments'),
    outputHashes: wireDigestMap(w.outputHashes as CanonicalValue, 'outputHashes'),
    transcriptHash: wireDigest(w.transcriptHash as CanonicalValue, 'transcriptHash'),
    outcome: w.outcome as Outcome,
    startedAt: w.startedAt as number,
    finishedAt: w.finishedAt as number,
  };
  if (w.reason !== undefined) entry.reason = w.reason as string;
  if (w.appData !== undefined) {
    const a = w.appData;
    if (!isPlainObject(a) || Object.keys(a).length !== 1) bad('appData', 'must be a map with one key');
    if (a.bytes instanceof Uint8Array) entry.appData = { kind: 'bytes', bytes: a.bytes };
    else if (typeof a.json === 'string') {
      let json: JsonValue;
      try {
        json = JSON.parse(a.json) as JsonValue;
      } catch {
        return bad('appData.json', 'is not valid JSON');
      }
      if (canonicalJson(json) !== a.json) bad('appData.json', 'is not canonical JSON');
      entry.appData = { kind: 'json', json };
    } else bad('appData', 'must hold "bytes" (bin) or "json" (str)');
  }
  for (const p of entry.parties) if (typeof p !== 'string') bad('parties', 'must hold strings');
  return validateEntry(entry);
}

/** The JSON form of an entry used in receipts and `parley ledger show --json`: times as ISO 8601, bytes as hex. */
export type LedgerEntryJSON = Omit<LedgerEntry, 'startedAt' | 'finishedAt' | 'appData'> & {
  startedAt: string;
  finishedAt: string;
  appData?: { bytes: string } | { json: JsonValue };
};

export function entryToJSON(e: LedgerEntry): LedgerEntryJSON {
  const out: LedgerEntryJSON = {
    seq: e.seq,
    jobId: e.jobId,
    computationId: e.computationId,
    parties: [...e.parties],
    inputCommitments: { ...e.inputCommitments },
    outputHashes: { ...e.outputHashes },
    transcriptHash: e.transcriptHash,
    outcome: e.outcome,
    startedAt: new Date(e.startedAt).toISOString(),
    finishedAt: new Date(e.finishedAt).toISOString(),
  };
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.appData?.kind === 'bytes') out.appData = { bytes: bytesToHex(e.appData.bytes) };
  if (e.appData?.kind === 'json') out.appData = { json: e.appData.json };
  return out;
}
