/**
 * Wire format of the offline phase's own messages, sent by the IKNP sender
 * role of each pair direction to the peer's receiver role on the pair's OT
 * channel (packages/ot routes them there by tag, `duplexOtChannel`). Every
 * message starts with a 16-byte header in the layout of packages/ot's chunk
 * header, so a message of the wrong kind, length or stream position is
 * detected by the side that receives it:
 *
 * | tag | message                          | after the header                                  |
 * |-----|----------------------------------|---------------------------------------------------|
 * | 'K' | this direction's hash key        | 16 bytes (count 1, position 0)                    |
 * | 'G' | Gilboa corrections, one chunk    | 260 bytes per triple (gilboa.ts)                  |
 * | 'R' | bit-product corrections, a chunk | 8 bytes per word of 64 bit triples (bitProducts.ts) |
 *
 * Header: tag, 3 zero bytes, u32 count (triples or words), u64 position (the
 * units this direction has produced before this message), little-endian.
 * A wrong length or tag or non-zero reserved bytes is MalformedFrame; a count
 * or position that contradicts this side is ProtocolViolation.
 */
import { MalformedFrame, ProtocolViolation } from '@parley/interface';

export const HEADER_BYTES = 16;
export const TAG_HASH_KEY = 0x4b;
export const TAG_GILBOA = 0x47;
export const TAG_BIT_PRODUCTS = 0x52;

/** A message of HEADER_BYTES + bodyBytes bytes with its header written. */
export function newMessage(tag: number, count: number, position: number, bodyBytes: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + bodyBytes);
  const view = new DataView(out.buffer);
  out[0] = tag;
  view.setUint32(4, count, true);
  view.setBigUint64(8, BigInt(position), true);
  return out;
}

/** Checks a received message's kind, length and header; returns its body (a view). */
export function checkMessage(
  bytes: Uint8Array,
  tag: number,
  bodyBytes: number,
  count: number,
  position: number,
  what: string,
): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new MalformedFrame(`${what}: not bytes`, { field: what });
  const length = HEADER_BYTES + bodyBytes;
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
  if (bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0) {
    throw new MalformedFrame(`${what}: reserved header bytes are not zero`, { field: what });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  expectAgreement(`${what} count`, count, view.getUint32(4, true));
  expectAgreement(`${what} position`, position, Number(view.getBigUint64(8, true)));
  return bytes.subarray(HEADER_BYTES);
}

function expectAgreement(field: string, ours: number, theirs: number): void {
  if (ours !== theirs) {
    throw new ProtocolViolation(`${field}: this side expects ${ours}, the peer sent ${theirs}`, {
      field,
      expected: ours,
      actual: theirs,
    });
  }
}
