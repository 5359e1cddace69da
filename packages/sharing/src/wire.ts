/**
 * Messages of the sharing engine. A round message carries, for one peer, the
 * words of every exchange of that round, in the order both sides derive from
 * the program; it travels as one or more frames of at most MAX_FRAME_PAYLOAD
 * bytes:
 *
 *   tag (1) | flags (1: bit 0 = more frames follow, others 0) | 0 0 | round (u32 LE) | payload
 *
 * The 8-byte header keeps the payload 8-byte aligned. OT frames are the tag
 * and the offline phase's bytes; an abort frame is the tag and a typed error
 * as JSON (errorFromJSON), so every party ends with the same error.
 */
import { errorForPeers, errorFromJSON, type ParleyError, ProtocolViolation } from '@parley/interface';

export const Tag = {
  ROUND: 1,
  OT: 2,
  ABORT: 255,
} as const;
export type TagCode = (typeof Tag)[keyof typeof Tag];

const NAMES: Record<number, string> = { 1: 'ROUND', 2: 'OT', 255: 'ABORT' };

/** Largest payload of one frame: 16 MiB (a round message of more is split; the transport caps frames at 64 MiB). */
export const MAX_FRAME_PAYLOAD = 16 << 20;
export const HEADER_BYTES = 8;
/** Bit 0 of the flags byte: more frames of this round message follow. Bits 1–7 and bytes 2–3 are zero. */
const MORE_FRAMES = 1;

/**
 * Buffers made by `sendable` whose header room is still this party's to
 * write. The shape of an array (8 bytes in, reaching the end of its buffer)
 * does not say that: a received share cut from a reassembled round message
 * can have it, and its first 8 bytes are then another live value.
 */
const headerRoom = new WeakSet<ArrayBufferLike>();

/**
 * A word array with room for a frame header before it in its own buffer: a
 * round message to a peer made of this array alone is framed in place,
 * without copying the payload (products' and ANDs' messages are).
 */
export function sendable(n: number): BigUint64Array {
  const words = new BigUint64Array(n + HEADER_BYTES / 8).subarray(HEADER_BYTES / 8);
  headerRoom.add(words.buffer);
  return words;
}

/**
 * The frame of a round message made of one whole `sendable` array, in place;
 * undefined for any other array (the caller copies it into a frame). An
 * array is framed in place once: the frame then belongs to the `send`, which
 * may keep it, and a peer in the same process may keep a view of it as a
 * share, so a later send of the same words is copied.
 */
export function frameInPlace(round: number, words: BigUint64Array): Uint8Array | undefined {
  const { buffer, byteOffset, byteLength } = words;
  if (!headerRoom.has(buffer)) return undefined;
  if (byteOffset !== HEADER_BYTES || buffer.byteLength !== HEADER_BYTES + byteLength) return undefined;
  if (byteLength > MAX_FRAME_PAYLOAD) return undefined;
  headerRoom.delete(buffer);
  const f = new Uint8Array(buffer);
  f[0] = Tag.ROUND;
  f[1] = 0;
  f[2] = 0;
  f[3] = 0;
  new DataView(buffer).setUint32(4, round, true);
  return f;
}

/**
 * The frames of one round message (the payload as consecutive word arrays).
 * With `reuse`, frames are written into that buffer (grown as needed) and
 * each must be sent before the next is made: for a `send` that copies.
 */
export function roundFrames(
  round: number,
  parts: readonly BigUint64Array[],
  maxPayload = MAX_FRAME_PAYLOAD,
  reuse?: { buffer: Uint8Array },
): Uint8Array[] {
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const frames: Uint8Array[] = [];
  let part = 0;
  let at = 0; // byte offset within parts[part]
  let left = total;
  do {
    const size = Math.min(maxPayload, left);
    let f: Uint8Array;
    if (reuse) {
      if (reuse.buffer.length < HEADER_BYTES + size) reuse.buffer = new Uint8Array(HEADER_BYTES + size);
      f = reuse.buffer.subarray(0, HEADER_BYTES + size);
    } else f = new Uint8Array(HEADER_BYTES + size);
    f[0] = Tag.ROUND;
    f[1] = left > size ? MORE_FRAMES : 0;
    f[2] = 0;
    f[3] = 0;
    new DataView(f.buffer).setUint32(4, round, true);
    let o = HEADER_BYTES;
    while (o < f.length) {
      const p = parts[part];
      const bytes = new Uint8Array(p.buffer, p.byteOffset + at, p.byteLength - at);
      const n = Math.min(bytes.length, f.length - o);
      f.set(bytes.subarray(0, n), o);
      o += n;
      at += n;
      if (at === p.byteLength) {
        part++;
        at = 0;
      }
    }
    frames.push(f);
    left -= size;
  } while (left > 0);
  return frames;
}

export function frame(tag: TagCode, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = tag;
  out.set(payload, 1);
  return out;
}

export function abortFrame(error: Error): Uint8Array {
  return frame(Tag.ABORT, new TextEncoder().encode(JSON.stringify(errorForPeers(error))));
}

/** The error an abort frame carries (its sender named when the error names no party). */
export function abortError(payload: Uint8Array, from: string): ParleyError {
  try {
    const e = errorFromJSON(JSON.parse(new TextDecoder().decode(payload)));
    e.details.party ??= from;
    return e;
  } catch {
    return new ProtocolViolation(`${from} aborted the session with an unreadable reason`, { party: from });
  }
}

/**
 * Reassembles a round message from its frames: checks each frame's tag,
 * round and size against what this party expects from `from` in `round`.
 */
export class RoundReader {
  private out: Uint8Array | undefined;
  private at = 0;

  constructor(
    private readonly from: string,
    private readonly round: number,
    private readonly expectedBytes: number,
  ) {}

  /** Adds a frame; returns the words once the last frame is in. */
  add(bytes: Uint8Array): BigUint64Array | undefined {
    const { from, round } = this;
    if (bytes.length < HEADER_BYTES || bytes[0] !== Tag.ROUND) {
      const got = bytes.length === 0 ? 'an empty message' : (NAMES[bytes[0]] ?? `tag ${bytes[0]}`);
      throw new ProtocolViolation(`round ${round}: expected a share message from ${from}, got ${got}`, {
        party: from,
        seq: round,
      });
    }
    const theirs = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
    if (theirs !== round) {
      throw new ProtocolViolation(`round ${round}: ${from} sent a message of round ${theirs}`, {
        party: from,
        seq: round,
      });
    }
    if ((bytes[1] & ~MORE_FRAMES) !== 0 || bytes[2] !== 0 || bytes[3] !== 0) {
      throw new ProtocolViolation(
        `round ${round}: a share message from ${from} sets reserved header bits (flags ${bytes[1]}, bytes 2-3 ${bytes[2]} ${bytes[3]})`,
        { party: from, seq: round },
      );
    }
    const payload = bytes.subarray(HEADER_BYTES);
    const more = (bytes[1] & MORE_FRAMES) !== 0;
    const end = this.at + payload.length;
    // A frame that says more follow must leave bytes for them (and carry some itself): else its
    // sender owes nothing more and the reader would wait for ever.
    const short = more ? end >= this.expectedBytes || payload.length === 0 : end !== this.expectedBytes;
    if (end > this.expectedBytes || short || payload.length % 8 !== 0) {
      throw new ProtocolViolation(
        `round ${round}: a share message from ${from} has ${more ? 'at least ' : ''}${end} bytes, expected ${this.expectedBytes}`,
        { party: from, seq: round },
      );
    }
    if (!more && this.at === 0 && (bytes.byteOffset + HEADER_BYTES) % 8 === 0) {
      return new BigUint64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, payload.length / 8);
    }
    this.out ??= new Uint8Array(this.expectedBytes);
    this.out.set(payload, this.at);
    this.at = end;
    return more ? undefined : new BigUint64Array(this.out.buffer, 0, this.expectedBytes / 8);
  }
}
