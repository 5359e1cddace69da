/**
 * The messages nodes exchange about a job on the transport's control
 * channel, msgpack-encoded: the proposal (the computation as program bytes,
 * parley-program-v1), each party's decision (or its operator's cancel), and
 * the ledger's: a finished job's entry sent to the sequencer, the
 * sequencer's call to a commit round, its word that an entry could not be
 * recorded, and a replica's request to catch up. Decoding checks every field
 * and throws ProtocolViolation naming it; a message is from the party the
 * transport authenticated, never from a name it carries. A message too large
 * to be decoded at all can still be answered: peekJobMessage reads its kind
 * and job id from its first fields without decoding the rest.
 */
import { hasUnsafeText, ProtocolViolation, safeText, type TableLayout } from '@parley/interface';
import { Packr } from 'msgpackr';

export const JOB_PROTOCOLS = ['auto', 'garbled', 'sharing', 'replicated'] as const;
export type JobProtocol = (typeof JOB_PROTOCOLS)[number];

export type JobMessage =
  | {
      t: 'propose';
      job: string;
      name: string;
      protocol: JobProtocol;
      computationId: string;
      program: Uint8Array;
      /** The computation's tables and join (checked against the program by the coordinator). */
      tables?: TableLayout;
    }
  | {
      t: 'decision';
      job: string;
      approved: boolean;
      reason?: string;
      cancelled?: boolean;
      /** On an approval: the computation id the party approved. */
      computationId?: string;
    }
  | { t: 'record'; job: string; entry: Uint8Array }
  | { t: 'ledger-round'; round: string }
  | { t: 'catch-up'; round: string }
  | { t: 'record-failed'; job: string; reason: string };

/** Message kinds that belong to the ledger recorder, not to the job coordinator. */
export const LEDGER_MESSAGES: ReadonlySet<string> = new Set([
  'record',
  'ledger-round',
  'record-failed',
  'catch-up',
]);

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
export const JOB_ID_PATTERN = /^[0-9a-f]{32}$/;
const MAX_REASON = 1000;

export function encodeJobMessage(m: JobMessage): Uint8Array {
  return packr.pack(m);
}

/** Map entries peekJobMessage reads at most before it gives up. */
const PEEK_ENTRIES = 8;

/**
 * The kind (`t`) and job id of a message, read from its leading fields
 * without decoding the rest: for a message too large to be decoded, so that
 * its sender can still be told why it was not. encodeJobMessage writes `t`
 * and `job` first; a message that does not begin with them (or is not
 * msgpack) gives what was found, possibly nothing. Reads a few short strings
 * only: its cost does not grow with the message.
 */
export function peekJobMessage(bytes: Uint8Array): { t?: string; job?: string } {
  const found: { t?: string; job?: string } = {};
  let at = 0;
  const head = bytes[at++];
  let entries: number;
  if (head >= 0x80 && head <= 0x8f) entries = head & 0x0f;
  else if (head === 0xde && bytes.length >= 3) {
    entries = (bytes[1] << 8) | bytes[2];
    at = 3;
  } else if (head === 0xdf && bytes.length >= 5) {
    entries = ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) >>> 0;
    at = 5;
  } else return found;
  // A fixstr or str8 at `at` (the only forms of a short string), or undefined.
  const shortString = (): string | undefined => {
    const h = bytes[at];
    let length: number;
    let start: number;
    if (h >= 0xa0 && h <= 0xbf) {
      length = h & 0x1f;
      start = at + 1;
    } else if (h === 0xd9 && at + 1 < bytes.length) {
      length = bytes[at + 1];
      start = at + 2;
    } else return undefined;
    if (start + length > bytes.length) return undefined;
    at = start + length;
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('utf8');
  };
  for (let i = 0; i < Math.min(entries, PEEK_ENTRIES); i++) {
    const key = shortString();
    const value = key === undefined ? undefined : shortString();
    if (value === undefined) break;
    if (key === 't') found.t = value;
    else if (key === 'job') found.job = value;
  }
  return found;
}

export function decodeJobMessage(bytes: Uint8Array, from: string): JobMessage {
  const bad = (field: string, why: string): never => {
    throw new ProtocolViolation(`job message from ${from}: ${field} ${why}`, { party: from, field });
  };
  let m: unknown;
  try {
    m = packr.unpack(bytes);
  } catch {
    bad('(message)', 'is not msgpack');
  }
  if (typeof m !== 'object' || m === null) bad('(message)', 'is not a map');
  const o = m as Record<string, unknown>;
  if (o.t === 'ledger-round' || o.t === 'catch-up') {
    if (typeof o.round !== 'string' || !JOB_ID_PATTERN.test(o.round)) bad('round', 'is not a round id');
    return o as JobMessage;
  }
  if (typeof o.job !== 'string' || !JOB_ID_PATTERN.test(o.job)) bad('job', 'is not a job id');
  if (o.t === 'propose') {
    if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 200 || hasUnsafeText(o.name))
      bad('name', 'is not a name');
    if (!(JOB_PROTOCOLS as readonly unknown[]).includes(o.protocol)) bad('protocol', 'is not a protocol');
    if (typeof o.computationId !== 'string' || !/^[0-9a-f]{64}$/.test(o.computationId))
      bad('computationId', 'is not a computation id');
    if (!(o.program instanceof Uint8Array)) bad('program', 'is not bytes');
    if (o.tables !== undefined && (typeof o.tables !== 'object' || o.tables === null))
      bad('tables', 'is not a map');
    return o as JobMessage;
  }
  if (o.t === 'decision') {
    if (typeof o.approved !== 'boolean') bad('approved', 'is not a boolean');
    if (o.reason !== undefined && (typeof o.reason !== 'string' || o.reason.length > MAX_REASON))
      bad('reason', 'is not a short text');
    // A peer's text is stored, shown and recorded: no terminal escapes, no NUL.
    if (o.reason !== undefined) o.reason = safeText(o.reason as string);
    if (o.cancelled !== undefined && typeof o.cancelled !== 'boolean') bad('cancelled', 'is not a boolean');
    if (
      o.computationId !== undefined &&
      (typeof o.computationId !== 'string' || !/^[0-9a-f]{64}$/.test(o.computationId))
    )
      bad('computationId', 'is not a computation id');
    return o as JobMessage;
  }
  if (o.t === 'record') {
    if (!(o.entry instanceof Uint8Array)) bad('entry', 'is not bytes');
    return o as JobMessage;
  }
  if (o.t === 'record-failed') {
    if (typeof o.reason !== 'string' || o.reason.length > MAX_REASON) bad('reason', 'is not a short text');
    o.reason = safeText(o.reason as string);
    return o as JobMessage;
  }
  return bad('t', 'is not a known message kind');
}
