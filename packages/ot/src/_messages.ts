/**
 * Wire format of the OT messages. Every message starts with a one-byte tag
 * and carries the sizes both sides must agree on, so a message of the wrong
 * kind, length or position is detected by the side that receives it:
 *
 * | tag | message                     | layout after the tag                                   |
 * |-----|-----------------------------|--------------------------------------------------------|
 * | 'A' | Chou–Orlandi sender point   | u32 count, A (32 bytes)                                |
 * | 'B' | Chou–Orlandi receiver points| u32 count, B_1..B_count (32 bytes each)                |
 * | 'U' | IKNP u matrix, one chunk    | 3 zero bytes, u32 rows, u64 position, 128 x rows/8 bytes |
 * | 'C' | chosen-message ciphertexts  | 3 zero bytes, u32 count, u64 position, u32 message bytes, y0 ‖ y1 |
 * | 'P' | SoftSpoken punctured seeds  | 3 zero bytes, u32 instances (64), u64 0, 64 bytes per instance |
 * | 'S' | SoftSpoken corrections, one chunk | 3 zero bytes, u32 count, u64 position, 64 x rows/8 bytes |
 *
 * Integers are little-endian. The error for a wrong length or tag is
 * MalformedFrame; for a well-formed message that contradicts this side's
 * state (count, rows, position) it is ProtocolViolation.
 */
import { asParleyError, MalformedFrame, ProtocolViolation } from '@parley/interface';
import type { OtChannel } from './channel.js';

export const TAG_CO_A = 0x41;
export const TAG_CO_B = 0x42;
export const TAG_IKNP_U = 0x55;
export const TAG_CHOSEN = 0x43;
export const TAG_SOFTSPOKEN_SEEDS = 0x50;
export const TAG_SOFTSPOKEN_U = 0x53;

/** Header of the 'U' and 'C' messages. */
export const CHUNK_HEADER_BYTES = 16;

/** Throws MalformedFrame unless `bytes` has tag `tag` and exactly `length` bytes. */
export function expectFrame(bytes: Uint8Array, tag: number, length: number, what: string): DataView {
  if (!(bytes instanceof Uint8Array)) throw new MalformedFrame(`${what}: not bytes`, { field: what });
  if (bytes.length !== length) {
    throw new MalformedFrame(`${what}: expected ${length} bytes, got ${bytes.length}`, {
      field: what,
      expected: length,
      actual: bytes.length,
    });
  }
  if (bytes[0] !== tag) {
    throw new MalformedFrame(`${what}: expected tag 0x${tag.toString(16)}, got 0x${bytes[0].toString(16)}`, {
      field: what,
    });
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Throws ProtocolViolation unless the peer's `field` equals ours. */
export function expectAgreement(field: string, ours: number, theirs: number): void {
  if (ours !== theirs) {
    throw new ProtocolViolation(`${field}: this side expects ${ours}, the peer sent ${theirs}`, {
      field,
      expected: ours,
      actual: theirs,
    });
  }
}

/** Writes the 16-byte chunk header: tag, 3 zero bytes, u32 count, u64 position. */
export function writeChunkHeader(out: Uint8Array, tag: number, count: number, position: number): void {
  const view = new DataView(out.buffer, out.byteOffset, CHUNK_HEADER_BYTES);
  out.fill(0, 0, CHUNK_HEADER_BYTES);
  out[0] = tag;
  view.setUint32(4, count, true);
  view.setBigUint64(8, BigInt(position), true);
}

/** Reads and checks a chunk header (reserved bytes zero, count and position as expected). */
export function checkChunkHeader(view: DataView, count: number, position: number, what: string): void {
  if (view.getUint8(1) !== 0 || view.getUint8(2) !== 0 || view.getUint8(3) !== 0) {
    throw new MalformedFrame(`${what}: reserved header bytes are not zero`, { field: what });
  }
  expectAgreement(`${what} count`, count, view.getUint32(4, true));
  expectAgreement(`${what} position`, position, Number(view.getBigUint64(8, true)));
}

/**
 * The end of a protocol run that failed part-way (a bad message, a closed
 * channel, a caller's row callback that threw): closes the channel, so that
 * the peer's pending receive rejects too, and rethrows. An error that is not
 * a ParleyError closes the channel as an InternalError (which a transport
 * shows its peers only as 'internal error'); the caller gets the original.
 */
export function abortOnError(channel: OtChannel, error: unknown): never {
  channel.close?.(asParleyError(error, 'OT run'));
  throw error;
}
