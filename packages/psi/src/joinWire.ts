/**
 * Messages of the ECDH join (ecdhJoin.ts): a 4-byte header — version, step
 * (0 … n−1 around the ring, 255 for an owner's final tags), flags (bit 0:
 * the list's last chunk), reserved zero — then whole 32-byte points.
 */
import { ProtocolViolation } from '@parley/interface';
import { POINT_BYTES } from './commutativeX25519.js';

const VERSION = 1;
const HEADER_BYTES = 4;
/** The step of an owner's fully encrypted tags, sent to every party. */
export const FINAL_STEP = 255;

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

/** Decodes a message from `from` that must be of step `step`; anything else is a ProtocolViolation naming the sender. */
export function decodeJoinMessage(bytes: Uint8Array, from: string, step: number): JoinMessage {
  const bad = (what: string) => new ProtocolViolation(`join message from ${from}: ${what}`, { party: from });
  if (bytes.length < HEADER_BYTES) throw bad(`${bytes.length} bytes is shorter than its header`);
  if (bytes[0] !== VERSION) throw bad(`unknown version ${bytes[0]}`);
  if (bytes[1] !== step) throw bad(`step ${bytes[1]} where step ${step} was expected`);
  if (bytes[2] > 1 || bytes[3] !== 0) throw bad('malformed header');
  const points = bytes.subarray(HEADER_BYTES);
  if (points.length % POINT_BYTES !== 0) {
    throw bad(`${points.length} bytes of points is not a whole number of ${POINT_BYTES}-byte points`);
  }
  return { step, last: bytes[2] === 1, points };
}
