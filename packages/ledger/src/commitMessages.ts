/**
 * The messages of the ledger's commit and catch-up protocols, as msgpackr
 * frames (binary fields as raw bytes). `decodeCommitMessage` validates every
 * field of a frame from a peer and throws MalformedFrame naming the field.
 *
 * Limits: a frame of at most MAX_MESSAGE_BYTES; at most MAX_BATCH_ENTRIES
 * entries in a proposal and MAX_CATCH_UP_ENTRIES in a catch-up answer.
 */
import { MalformedFrame } from '@parley/interface';
import { Packr } from 'msgpackr';
import { MAX_BATCH_ENTRIES } from './ledger.js';
import type { SignedTreeHead } from './treeHead.js';

export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const MAX_CATCH_UP_ENTRIES = 10_000;
const MAX_HEADS = 10_000;

export type CommitMessage =
  | {
      t: 'propose';
      round: string;
      baseSize: number;
      entries: Uint8Array[];
      size: number;
      root: Uint8Array;
      timestamp: number;
    }
  | { t: 'sign'; round: string; signature: Uint8Array }
  | { t: 'refuse'; round: string; reason: string }
  | { t: 'commit'; round: string; signatures: Record<string, Uint8Array> }
  | { t: 'abort'; round: string; error: { code: string; message: string; details: Record<string, unknown> } }
  | { t: 'ack'; round: string; ok: boolean; reason?: string }
  | { t: 'catch-up-request'; haveSize: number; maxEntries: number }
  | { t: 'catch-up-response'; heads: SignedTreeHead[]; entries: Uint8Array[]; proofs: Uint8Array[][] };

const packr = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'number', copyBuffers: true });

export function encodeCommitMessage(m: CommitMessage): Uint8Array {
  return packr.pack(m);
}

function fail(field: string, why: string): never {
  throw new MalformedFrame(`ledger message: ${field} ${why}`, { field });
}

function str(x: unknown, field: string, max = 4096): string {
  if (typeof x !== 'string' || x.length > max) fail(field, 'must be a string');
  return x;
}
function uint(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail(field, 'must be a whole number');
  return x;
}
function bytes(x: unknown, field: string, length?: number): Uint8Array {
  if (!(x instanceof Uint8Array) || (length !== undefined && x.length !== length)) {
    fail(field, length === undefined ? 'must be bytes' : `must be ${length} bytes`);
  }
  return x;
}
function list<T>(x: unknown, field: string, max: number, item: (v: unknown, f: string) => T): T[] {
  if (!Array.isArray(x) || x.length > max) fail(field, `must be a list of at most ${max}`);
  return x.map((v, i) => item(v, `${field}[${i}]`));
}
function record(x: unknown, field: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array)
    fail(field, 'must be a map');
  return x as Record<string, unknown>;
}
function signatures(x: unknown, field: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const r = record(x, field);
  const names = Object.keys(r);
  if (names.length > 64) fail(field, 'has too many signatures');
  for (const name of names) out[str(name, `${field} key`, 128)] = bytes(r[name], `${field}.${name}`, 64);
  return out;
}
function head(x: unknown, field: string): SignedTreeHead {
  const r = record(x, field);
  return {
    size: uint(r.size, `${field}.size`),
    root: bytes(r.root, `${field}.root`, 32),
    timestamp: uint(r.timestamp, `${field}.timestamp`),
    signatures: signatures(r.signatures, `${field}.signatures`),
  };
}
const entry = (v: unknown, f: string): Uint8Array => bytes(v, f);
const hash = (v: unknown, f: string): Uint8Array => bytes(v, f, 32);

/** Decodes and validates a frame from a peer. */
export function decodeCommitMessage(frame: Uint8Array): CommitMessage {
  if (!(frame instanceof Uint8Array)) fail('frame', 'must be bytes');
  if (frame.length > MAX_MESSAGE_BYTES) fail('frame', `is larger than ${MAX_MESSAGE_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = packr.unpack(frame);
  } catch (e) {
    return fail('frame', `is not msgpack (${(e as Error).message})`);
  }
  const m = record(raw, 'message');
  switch (m.t) {
    case 'propose':
      return {
        t: 'propose',
        round: str(m.round, 'round', 64),
        baseSize: uint(m.baseSize, 'baseSize'),
        entries: list(m.entries, 'entries', MAX_BATCH_ENTRIES, entry),
        size: uint(m.size, 'size'),
        root: bytes(m.root, 'root', 32),
        timestamp: uint(m.timestamp, 'timestamp'),
      };
    case 'sign':
      return { t: 'sign', round: str(m.round, 'round', 64), signature: bytes(m.signature, 'signature', 64) };
    case 'refuse':
      return { t: 'refuse', round: str(m.round, 'round', 64), reason: str(m.reason, 'reason') };
    case 'commit':
      return {
        t: 'commit',
        round: str(m.round, 'round', 64),
        signatures: signatures(m.signatures, 'signatures'),
      };
    case 'abort': {
      const e = record(m.error, 'error');
      const details = e.details === undefined ? {} : record(e.details, 'error.details');
      return {
        t: 'abort',
        round: str(m.round, 'round', 64),
        error: { code: str(e.code, 'error.code', 64), message: str(e.message, 'error.message'), details },
      };
    }
    case 'ack': {
      const out: CommitMessage = { t: 'ack', round: str(m.round, 'round', 64), ok: m.ok === true };
      if (m.reason !== undefined) out.reason = str(m.reason, 'reason');
      return out;
    }
    case 'catch-up-request':
      return {
        t: 'catch-up-request',
        haveSize: uint(m.haveSize, 'haveSize'),
        maxEntries: uint(m.maxEntries, 'maxEntries'),
      };
    case 'catch-up-response':
      return {
        t: 'catch-up-response',
        heads: list(m.heads, 'heads', MAX_HEADS, head),
        entries: list(m.entries, 'entries', MAX_CATCH_UP_ENTRIES, entry),
        proofs: list(m.proofs, 'proofs', MAX_HEADS, (p, f) => list(p, f, 64, hash)),
      };
    default:
      return fail('t', `is not a ledger message type (${JSON.stringify(m.t)})`);
  }
}
