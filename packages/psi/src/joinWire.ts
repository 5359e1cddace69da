/**
 * Messages of the ECDH join (ecdhJoin.ts, blindedRows.ts): a 4-byte header —
 * version, step, flags (bit 0: the list's last chunk), reserved zero — then
 * whole elements: 32-byte points, or 4-byte little-endian integers (row
 * numbers and holder masks). Steps: 0 … n−1 around the ring, BLIND_STEP + t
 * for the blinding ring, ROWS_STEP for the joined rows' holders,
 * RETURN_STEP + h for row numbers on their way back, FINAL_STEP for an
 * owner's final tags.
 */
import { ProtocolViolation } from '@parley/interface';
import { POINT_BYTES } from './commutativeX25519.js';

const VERSION = 1;
const HEADER_BYTES = 4;
/** The step of an owner's fully encrypted tags, sent to every party. */
export const FINAL_STEP = 255;
/** Hop t (0 … n−1) of the blinding ring; the last goes to the combiner. */
export const BLIND_STEP = 64;
/** The combiner's holder masks of the joined rows, to every party. */
export const ROWS_STEP = 127;
/** Row numbers in the order after hop h (0 … n−1) of the blinding ring, on their way back to the owner. */
export const RETURN_STEP = 128;

export interface JoinMessage {
  step: number;
  last: boolean;
  points: Uint8Array;
}

export function encodeJoinMessage(step: number, last: boolean, points: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + points.length);
  out[0] = VERSION;
  out[1] = step;
  out[2] = last ? 1 : 0;
  out.set(points, HEADER_BYTES);
  return out;
}

/**
 * Decodes a message from `from` that must be of step `step`, of whole
 * `unit`-byte elements; anything else is a ProtocolViolation naming the sender.
 */
export function decodeJoinMessage(
  bytes: Uint8Array,
  from: string,
  step: number,
  unit = POINT_BYTES,
): JoinMessage {
  const bad = (what: string) => new ProtocolViolation(`join message from ${from}: ${what}`, { party: from });
  if (bytes.length < HEADER_BYTES) throw bad(`${bytes.length} bytes is shorter than its header`);
  if (bytes[0] !== VERSION) throw bad(`unknown version ${bytes[0]}`);
  if (bytes[1] !== step) throw bad(`step ${bytes[1]} where step ${step} was expected`);
  if (bytes[2] > 1 || bytes[3] !== 0) throw bad('malformed header');
  const points = bytes.subarray(HEADER_BYTES);
  if (points.length % unit !== 0) {
    throw bad(`${points.length} bytes is not a whole number of ${unit}-byte elements`);
  }
  return { step, last: bytes[2] === 1, points };
}
