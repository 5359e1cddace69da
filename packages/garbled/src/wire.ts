/** Messages of the two-party garbled protocol: a one-byte tag, then the payload. */
import { errorForPeers, errorFromJSON, type ParleyError, ProtocolViolation } from '@parley/interface';

export const Tag = {
  HELLO: 1,
  OT: 2,
  GARBLER_INPUTS: 3,
  TABLES: 4,
  OUTPUT_CHECKS: 5,
  EVALUATOR_OUTPUTS: 6,
  ABORT: 255,
} as const;
export type TagCode = (typeof Tag)[keyof typeof Tag];

const NAMES = Object.fromEntries(Object.entries(Tag).map(([k, v]) => [v, k]));

export function frame(tag: TagCode, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = tag;
  out.set(payload, 1);
  return out;
}

/** Frames a word array without an extra copy of the payload beyond the one into the frame. */
export function frameWords(tag: TagCode, words: Uint32Array): Uint8Array {
  return frame(tag, new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
}

/** Checks the tag of a received frame and returns its payload; an ABORT frame throws the peer's error. */
export function unframe(bytes: Uint8Array, expected: TagCode, from: string): Uint8Array {
  if (bytes.length === 0) throw new ProtocolViolation(`empty message from ${from}`, { party: from });
  const tag = bytes[0];
  if (tag === Tag.ABORT) throw abortError(bytes.subarray(1), from);
  if (tag !== expected) {
    throw new ProtocolViolation(
      `expected ${NAMES[expected]} from ${from}, got ${NAMES[tag] ?? `tag ${tag}`}`,
      {
        party: from,
      },
    );
  }
  return bytes.subarray(1);
}

export function abortFrame(error: ParleyError | Error): Uint8Array {
  return frame(Tag.ABORT, new TextEncoder().encode(JSON.stringify(errorForPeers(error))));
}

function abortError(payload: Uint8Array, from: string): ParleyError {
  try {
    const e = errorFromJSON(JSON.parse(new TextDecoder().decode(payload)));
    e.details.party ??= from;
    return e;
  } catch {
    return new ProtocolViolation(`${from} aborted the session with an unreadable reason`, { party: from });
  }
}

/** A view of the payload as 32-bit words (copied when unaligned); its length must be a multiple of `unit` bytes. */
export function asWords(payload: Uint8Array, what: string, from: string, unit = 16): Uint32Array {
  if (payload.length % unit !== 0) {
    throw new ProtocolViolation(
      `${what} from ${from}: ${payload.length} bytes is not a whole number of ${unit}-byte units`,
      {
        party: from,
      },
    );
  }
  if (payload.byteOffset % 4 === 0)
    return new Uint32Array(payload.buffer, payload.byteOffset, payload.length / 4);
  return new Uint32Array(payload.slice().buffer);
}
