/**
 * Chosen-message OT from random OT (the standard one-time-pad step, e.g.
 * Beaver, "Precomputing Oblivious Transfer", CRYPTO 1995): after a batch of
 * random OTs with the receiver's real choice bits r_j, the sender sends
 * y0_j = m0_j ⊕ pad0_j and y1_j = m1_j ⊕ pad1_j, and the receiver recovers
 * m_{r_j} = y_{r_j} ⊕ pad_{r_j}. Messages are 1..16 bytes per OT (8 for a
 * Z_2^64 value, as Gilboa multiplication will need); the pads are the first
 * bytes of the 16-byte TCCR outputs. One message, tag 'C' (see _messages.ts).
 */
import { InvalidArgument } from '@parley/interface';
import { xorBlocks } from '@parley/kernels';
import {
  CHUNK_HEADER_BYTES,
  checkChunkHeader,
  expectAgreement,
  expectFrame,
  TAG_CHOSEN,
  writeChunkHeader,
} from './_messages.js';
import { checkOtCount } from './_session.js';

function checkMessageBytes(messageBytes: number): void {
  if (!Number.isInteger(messageBytes) || messageBytes < 1 || messageBytes > 16) {
    throw new InvalidArgument(`messageBytes must be 1..16, got ${messageBytes}`, { field: 'messageBytes' });
  }
}

/** Checks the sender's arguments; returns the number of OTs. */
export function checkChosenMessages(m0: Uint8Array, m1: Uint8Array, messageBytes: number): number {
  checkMessageBytes(messageBytes);
  if (!(m0 instanceof Uint8Array) || !(m1 instanceof Uint8Array) || m0.length !== m1.length) {
    throw new InvalidArgument('m0 and m1 must be byte arrays of equal length', { field: 'm1' });
  }
  if (m0.length % messageBytes !== 0) {
    throw new InvalidArgument(`m0 length ${m0.length} is not a multiple of ${messageBytes}`, { field: 'm0' });
  }
  const n = m0.length / messageBytes;
  checkOtCount(n, 'n');
  return n;
}

/** Checks the receiver's messageBytes (choices are checked by the OT call). */
export function checkChosenReceive(messageBytes: number): void {
  checkMessageBytes(messageBytes);
}

/** y_j = m_j ⊕ pad_j[0..messageBytes) for n OTs. */
function mask(y: Uint8Array, m: Uint8Array, pads: Uint8Array, n: number, messageBytes: number): void {
  if (messageBytes === 16) {
    xorBlocks(y, m, pads, n);
    return;
  }
  for (let j = 0; j < n; j++) {
    const o = j * messageBytes;
    const p = 16 * j;
    for (let b = 0; b < messageBytes; b++) y[o + b] = m[o + b] ^ pads[p + b];
  }
}

/** The sender's 'C' message for OTs position..position+n-1. */
export function encodeChosen(
  m0: Uint8Array,
  m1: Uint8Array,
  pad0: Uint8Array,
  pad1: Uint8Array,
  messageBytes: number,
  position: number,
): Uint8Array {
  const n = m0.length / messageBytes;
  const body = n * messageBytes;
  const message = new Uint8Array(CHUNK_HEADER_BYTES + 4 + 2 * body);
  writeChunkHeader(message, TAG_CHOSEN, n, position);
  new DataView(message.buffer).setUint32(CHUNK_HEADER_BYTES, messageBytes, true);
  const start = CHUNK_HEADER_BYTES + 4;
  mask(message.subarray(start, start + body), m0, pad0, n, messageBytes);
  mask(message.subarray(start + body), m1, pad1, n, messageBytes);
  return message;
}

/** The receiver's side: checks the 'C' message and returns m_{r_j}, n·messageBytes bytes. */
export function decodeChosen(
  message: Uint8Array,
  choices: Uint8Array,
  pads: Uint8Array,
  messageBytes: number,
  position: number,
): Uint8Array {
  const n = choices.length;
  const body = n * messageBytes;
  const view = expectFrame(message, TAG_CHOSEN, CHUNK_HEADER_BYTES + 4 + 2 * body, 'chosen-message OT');
  checkChunkHeader(view, n, position, 'chosen-message OT');
  expectAgreement('chosen-message OT message bytes', messageBytes, view.getUint32(CHUNK_HEADER_BYTES, true));
  const start = CHUNK_HEADER_BYTES + 4;
  const out = new Uint8Array(body);
  for (let j = 0; j < n; j++) {
    // Select y1 under an all-ones mask, y0 under zero: no address depends on the choice.
    const select = -choices[j] & 0xff;
    const o = j * messageBytes;
    const y0 = start + o;
    const y1 = y0 + body;
    const p = 16 * j;
    for (let b = 0; b < messageBytes; b++) {
      out[o + b] = ((message[y0 + b] & ~select) | (message[y1 + b] & select)) ^ pads[p + b];
    }
  }
  return out;
}
