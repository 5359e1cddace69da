/**
 * The lists of the ECDH join (ecdhJoin.ts, blindedRows.ts) on the wire:
 * sent in chunks of at most MAX_CHUNK_POINTS points' worth of bytes,
 * received whole against the length the receiver knows, or relayed chunk by
 * chunk around the ring.
 */
import { ProtocolViolation } from '@parley/interface';
import { POINT_BYTES } from './commutativeX25519.js';
import { decodeJoinMessage, encodeJoinMessage } from './joinWire.js';

/** The largest message a party sends or accepts, in points (2 MiB). */
export const MAX_CHUNK_POINTS = 1 << 16;

/** The ordered byte channel a join runs over (a transport session fits). */
export interface JoinChannel {
  send(to: string, bytes: Uint8Array): unknown;
  recv(from: string): Promise<Uint8Array>;
}

/** Lets the event loop run (receipts, heartbeats, the API) between chunks of synchronous work. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Sends `points` to `to` as step `step`, chunk by chunk (transformed by `map` first if given); an empty list is one empty last chunk. */
export async function sendList(
  channel: JoinChannel,
  to: string,
  step: number,
  points: Uint8Array,
  chunkPoints: number,
  map?: (chunk: Uint8Array) => Uint8Array,
): Promise<void> {
  const chunkBytes = chunkPoints * POINT_BYTES;
  let offset = 0;
  do {
    const end = Math.min(points.length, offset + chunkBytes);
    const chunk = points.subarray(offset, end);
    await channel.send(to, encodeJoinMessage(step, end === points.length, map ? map(chunk) : chunk));
    offset = end;
    if (map) await breathe();
  } while (offset < points.length);
}

/** Receives the chunks of step `step` from `from`, maps each and sends it on to `to` as the same step. */
export async function relayList(
  channel: JoinChannel,
  from: string,
  to: string,
  step: number,
  map: (chunk: Uint8Array) => Uint8Array,
): Promise<void> {
  for (;;) {
    const m = await recvChunk(channel, from, step - 1);
    await channel.send(to, encodeJoinMessage(step, m.last, map(m.points)));
    if (m.last) return;
    await breathe();
  }
}

/**
 * The whole list of step `step` from `from`, its chunks joined; a sender that
 * goes past `maxBytes` (the length this party knows the list has) is refused
 * at once, before its chunks fill memory.
 */
export async function receiveList(
  channel: JoinChannel,
  from: string,
  step: number,
  maxBytes: number,
  unit = POINT_BYTES,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const m = await recvChunk(channel, from, step, unit);
    bytes += m.points.length;
    if (bytes > maxBytes) {
      throw new ProtocolViolation(
        `${from} sent more than the ${maxBytes / unit} ${unit === POINT_BYTES ? 'tags' : 'entries'} of its list (step ${step})`,
        { party: from, step },
      );
    }
    chunks.push(m.points);
    if (m.last) return Buffer.concat(chunks);
  }
}

/** The whole list of step `step` from `from`, which must be exactly `bytes` long (shorter is refused too). */
export async function receiveExactly(
  channel: JoinChannel,
  from: string,
  step: number,
  bytes: number,
  unit = POINT_BYTES,
): Promise<Uint8Array> {
  const list = await receiveList(channel, from, step, bytes, unit);
  if (list.length !== bytes) {
    const noun = unit === POINT_BYTES ? 'tags' : 'entries';
    throw new ProtocolViolation(
      `${from} sent ${list.length / unit} ${noun} for a list of ${bytes / unit} (step ${step})`,
      { party: from, step },
    );
  }
  return list;
}

/** One message of step `step` from `from`, of at most MAX_CHUNK_POINTS points. */
async function recvChunk(
  channel: JoinChannel,
  from: string,
  step: number,
  unit = POINT_BYTES,
): Promise<ReturnType<typeof decodeJoinMessage>> {
  const m = decodeJoinMessage(await channel.recv(from), from, step, unit);
  if (m.points.length > MAX_CHUNK_POINTS * POINT_BYTES) {
    throw new ProtocolViolation(
      `${from} sent ${m.points.length / POINT_BYTES} points in one message, more than ${MAX_CHUNK_POINTS}`,
      {
        party: from,
        step,
      },
    );
  }
  return m;
}
