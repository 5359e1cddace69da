/**
 * The wire format of one transport frame (one WebSocket binary message):
 *
 *   offset 0   u8      magic 0x50 ('P')
 *   offset 1   u8      format version (1)
 *   offset 2   u16 BE  header length H (1..MAX_HEADER_BYTES)
 *   offset 4   H bytes msgpack array [kind, session, step, seq]
 *   offset 4+H         body: raw bytes, never re-encoded
 *
 * kinds: 0 DATA (a session message), 1 CLOSE (the sender closed the session,
 * empty body), 2 ABORT (the session failed; body = msgpack {code, message,
 * details}), 3 CONTROL (a node control message; session is '').
 * `seq` counts frames per session and direction from 0 (control frames: per
 * connection and direction); `step` is the sender's step (flush count).
 *
 * Decoding never throws: it returns the typed error (`MalformedFrame`,
 * `FrameTooLarge`) and, when the header could still be read, the session the
 * bad frame belongs to, so that only that session ends.
 */
import {
  type ErrorDetails,
  errorForPeers,
  FrameTooLarge,
  MalformedFrame,
  type ParleyError,
  safeText,
} from '@parley/interface';
import { Packr } from 'msgpackr';

export const FRAME_MAGIC = 0x50;
export const FRAME_VERSION = 1;
export const FRAME_PREFIX_BYTES = 4;
/** Cap on the msgpack header (it holds four small fields). */
export const MAX_HEADER_BYTES = 512;
/** Session ids: 1..128 printable ASCII characters. */
export const SESSION_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
/** Cap on an ABORT body (an error's code, message and details). */
export const MAX_ABORT_BODY_BYTES = 8192;
/** Cap on the message text carried by an ABORT. */
const MAX_ABORT_MESSAGE_CHARS = 1000;

export const FrameKind = { Data: 0, Close: 1, Abort: 2, Control: 3 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface FrameHeader {
  kind: FrameKind;
  /** Session id; '' for control frames. */
  session: string;
  step: number;
  seq: number;
}

export type DecodedFrame =
  | { ok: true; header: FrameHeader; body: Uint8Array }
  | { ok: false; error: ParleyError; session: string | undefined };

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/**
 * The frame for `header` and `body` as one buffer (the body is copied once),
 * taken from `allocate` (a fresh buffer by default).
 */
export function encodeFrame(
  header: FrameHeader,
  body: Uint8Array,
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  const head = packr.pack([header.kind, header.session, header.step, header.seq]);
  const frame = allocate(FRAME_PREFIX_BYTES + head.length + body.length);
  frame[0] = FRAME_MAGIC;
  frame[1] = FRAME_VERSION;
  frame.writeUInt16BE(head.length, 2);
  frame.set(head, FRAME_PREFIX_BYTES);
  frame.set(body, FRAME_PREFIX_BYTES + head.length);
  return frame;
}

/** Bytes a frame adds to its body, at most (used to check a body against `maxFrameBytes`). */
export const MAX_FRAME_OVERHEAD = FRAME_PREFIX_BYTES + MAX_HEADER_BYTES;

function malformed(reason: string, session: string | undefined, details: ErrorDetails = {}): DecodedFrame {
  return {
    ok: false,
    error: new MalformedFrame(`malformed frame: ${reason}`, session ? { ...details, session } : details),
    session,
  };
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Parses one frame. `body` is a view into `bytes` (no copy). Frames longer than
 * `maxFrameBytes` yield `FrameTooLarge`, attributed to their session when the
 * header is readable.
 */
export function decodeFrame(bytes: Uint8Array, maxFrameBytes: number): DecodedFrame {
  if (bytes.length < FRAME_PREFIX_BYTES)
    return malformed(`${bytes.length} bytes is shorter than the prefix`, undefined);
  if (bytes[0] !== FRAME_MAGIC) return malformed('bad magic byte', undefined);
  if (bytes[1] !== FRAME_VERSION) return malformed(`unsupported version ${bytes[1]}`, undefined);
  const headerLength = (bytes[2] << 8) | bytes[3];
  if (
    headerLength === 0 ||
    headerLength > MAX_HEADER_BYTES ||
    FRAME_PREFIX_BYTES + headerLength > bytes.length
  ) {
    return malformed(`header length ${headerLength} out of range`, undefined, { field: 'headerLength' });
  }
  let raw: unknown;
  try {
    raw = packr.unpack(bytes.subarray(FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + headerLength));
  } catch {
    return malformed('header is not valid msgpack', undefined, { field: 'header' });
  }
  if (!Array.isArray(raw) || raw.length !== 4)
    return malformed('header is not [kind, session, step, seq]', undefined);
  const [kind, session, step, seq] = raw as unknown[];
  const known = typeof session === 'string' && SESSION_ID_PATTERN.test(session) ? session : undefined;
  if (bytes.length > maxFrameBytes) {
    const details: ErrorDetails = { size: bytes.length, limit: maxFrameBytes };
    if (known) details.session = known;
    const error = new FrameTooLarge(
      `frame of ${bytes.length} bytes exceeds the limit of ${maxFrameBytes}`,
      details,
    );
    return { ok: false, error, session: known };
  }
  if (kind !== 0 && kind !== 1 && kind !== 2 && kind !== 3)
    return malformed('unknown kind', known, { field: 'kind' });
  if (typeof session !== 'string')
    return malformed('session is not a string', undefined, { field: 'session' });
  if (kind === FrameKind.Control ? session !== '' : known === undefined) {
    return malformed('invalid session id', undefined, { field: 'session' });
  }
  if (!isCount(step)) return malformed('step is not a non-negative integer', known, { field: 'step' });
  if (!isCount(seq)) return malformed('seq is not a non-negative integer', known, { field: 'seq' });
  const body = bytes.subarray(FRAME_PREFIX_BYTES + headerLength);
  if (kind === FrameKind.Close && body.length !== 0) return malformed('CLOSE frame with a body', known);
  if (kind === FrameKind.Abort && body.length > MAX_ABORT_BODY_BYTES)
    return malformed('ABORT body too large', known);
  return { ok: true, header: { kind, session, step, seq }, body };
}

/** The ABORT body for `error`: its code, message (capped) and flat details; an internal error as 'internal error' only. */
export function encodeAbortBody(error: ParleyError): Uint8Array {
  // What a peer may read (errorForPeers): an internal error's text may be a runtime's or a database's.
  const shared = errorForPeers(error);
  const details: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries('details' in shared ? shared.details : {})) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') details[k] = v;
  }
  let message = shared.message.slice(0, MAX_ABORT_MESSAGE_CHARS);
  for (;;) {
    const body = packr.pack({ code: shared.code, message, details });
    if (body.length <= MAX_ABORT_BODY_BYTES) return new Uint8Array(body);
    message = message.slice(0, message.length >> 1);
    for (const k of Object.keys(details)) if (typeof details[k] === 'string') delete details[k];
  }
}

/** Reads an ABORT body back into `{code, message, details}`; undefined if it is not one. */
export function decodeAbortBody(
  body: Uint8Array,
): { code: string; message: string; details: Record<string, unknown> } | undefined {
  let raw: unknown;
  try {
    raw = packr.unpack(body);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { code, message, details } = raw as Record<string, unknown>;
  if (typeof code !== 'string' || !/^[A-Z0-9_]{1,64}$/.test(code) || typeof message !== 'string')
    return undefined;
  const flat: Record<string, unknown> = {};
  if (typeof details === 'object' && details !== null) {
    for (const [k, v] of Object.entries(details)) {
      // A peer's text is logged, stored and shown: no terminal escapes, no NUL.
      if (typeof v === 'string') flat[safeText(k)] = safeText(v);
      else if (typeof v === 'number' || typeof v === 'boolean') flat[safeText(k)] = v;
    }
  }
  return { code, message: safeText(message, MAX_ABORT_MESSAGE_CHARS), details: flat };
}
