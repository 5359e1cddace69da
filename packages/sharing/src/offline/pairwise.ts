/**
 * One pair of parties in the offline phase. The pair shares one OT channel;
 * `duplexOtChannel` (packages/ot) carries two OT-extension sessions over it
 * (SoftSpoken, Roy, CRYPTO 2022, or IKNP, Ishai, Kilian, Nissim, Petrank,
 * CRYPTO 2003): in one this party is the sender (its multiplicands a), in
 * the other the receiver (its choice bits are its b), so the pair makes both
 * cross terms a_me·b_peer and a_peer·b_me.
 *
 * Per chunk and direction: the OT receiver sends its correction matrix at
 * once and hashes its rows; the OT sender waits for it, hashes its rows,
 * computes its shares and sends one correction message; the receiver applies
 * the corrections when they arrive. Each side reserves the stream position
 * of a chunk when the chunk is started, so chunks can be in flight while
 * earlier ones finish; the correction messages are received in chunk order.
 * A malformed correction message closes the channel with a typed error
 * (MalformedFrame, ProtocolViolation), so the peer's pending receives reject
 * too.
 */
import type { RandomSource } from '@parley/crypto';
import { InternalError, ParleyError } from '@parley/interface';
import type { KernelArena } from '@parley/kernels';
import {
  duplexOtChannel,
  IknpReceiver,
  IknpSender,
  iknpWorkspaceBytes,
  type OtChannel,
  type RowConsumer,
  SoftSpokenReceiver,
  SoftSpokenSender,
  softSpokenWorkspaceBytes,
} from '@parley/ot';
import {
  checkMessage,
  HEADER_BYTES,
  newMessage,
  TAG_BIT_PRODUCTS,
  TAG_GILBOA,
  TAG_HASH_KEY,
} from './_messages.js';
import { CcrHash, type HashScratch, sigmaOf } from './ccrHash.js';
import { type ProductKind, RECEIVER_PIECE_UNITS, SENDER_PIECE_UNITS } from './products.js';

/** Scratch shared by every pair (used synchronously, inside one OT callback at a time). */
export interface PairScratch {
  hash: HashScratch;
  /** The sender's shares of one chunk (before they are added into c). */
  share: BigUint64Array;
  /** One chunk's correction message body, sender side. */
  sendBody: Uint8Array;
  /** One chunk's correction message body, receiver side (copied in from the message). */
  receiveBody: Uint8Array;
}

/**
 * The OT extension of both directions: SoftSpoken with k = 2 (Roy, CRYPTO
 * 2022; 8 bytes per OT) or IKNP (16 bytes per OT). Both give correlated OT
 * t_j = q_j ⊕ r_j·Δ with 128-bit rows; every party must use the same.
 */
export type OtExtension = 'softspoken' | 'iknp';

/** Bytes of KernelArena the two OT-extension sessions of one pair need. */
export function pairWorkspaceBytes(extension: OtExtension, chunkRows: number): number {
  const bytes = extension === 'iknp' ? iknpWorkspaceBytes : softSpokenWorkspaceBytes;
  return bytes('sender', chunkRows) + bytes('receiver', chunkRows) + 256;
}

export interface PairOptions {
  random: RandomSource;
  chunkRows: number;
  extension: OtExtension;
  arena: KernelArena;
  scratch: PairScratch;
}

/** What the pair needs of an OT-extension sender and receiver (IKNP or SoftSpoken). */
interface CorrelatedSender {
  setup(): Promise<void>;
  readonly delta: Uint8Array;
  correlatedRows(n: number, consume: RowConsumer): Promise<void>;
}
interface CorrelatedReceiver {
  setup(): Promise<void>;
  correlatedRows(choices: Uint8Array, n: number, consume: RowConsumer): Promise<void>;
}

export class PairProducts {
  private readonly sender: CorrelatedSender;
  private readonly receiver: CorrelatedReceiver;
  private readonly toReceiver: OtChannel;
  private senderHash: CcrHash | undefined;
  private receiverHash: CcrHash | undefined;
  private sigmaDelta: Uint8Array | undefined;
  /** Units each direction has produced (the position in its correction messages). */
  private sent = 0;
  private received = 0;

  constructor(
    readonly peer: number,
    private readonly channel: OtChannel,
    private readonly options: PairOptions,
  ) {
    const views = duplexOtChannel(channel, { receiverTags: [TAG_HASH_KEY, TAG_GILBOA, TAG_BIT_PRODUCTS] });
    const ot = { random: options.random, chunkRows: options.chunkRows, arena: options.arena };
    if (options.extension === 'iknp') {
      this.sender = new IknpSender(views.sender, ot);
      this.receiver = new IknpReceiver(views.receiver, ot);
    } else {
      this.sender = new SoftSpokenSender(views.sender, ot);
      this.receiver = new SoftSpokenReceiver(views.receiver, ot);
    }
    this.toReceiver = views.receiver;
  }

  /** Base OTs of both sessions, and the hash keys: each side draws the key of the direction it sends. */
  async setup(): Promise<void> {
    await Promise.all([this.sender.setup(), this.receiver.setup()]);
    const key = this.options.random.bytes(16);
    const message = newMessage(TAG_HASH_KEY, 1, 0, 16);
    message.set(key, HEADER_BYTES);
    this.channel.send(message);
    const theirs = await this.guard(async () =>
      checkMessage(await this.toReceiver.recv(), TAG_HASH_KEY, 16, 1, 0, 'hash key').slice(),
    );
    this.senderHash = new CcrHash(key, this.options.scratch.hash);
    this.receiverHash = new CcrHash(theirs, this.options.scratch.hash);
    this.sigmaDelta = sigmaOf(this.sender.delta, this.options.arena);
  }

  /**
   * Sender role for one chunk of `units` (at most chunkRows/64): adds this
   * party's shares of a·b_peer into c and sends the corrections.
   */
  sendChunk(kind: ProductKind, a: BigUint64Array, units: number, c: BigUint64Array): Promise<void> {
    const position = this.sent;
    this.sent += units;
    const { share, sendBody, hash } = this.options.scratch;
    const hasher = this.senderHash!;
    const sigmaDelta = this.sigmaDelta!;
    return this.sender.correlatedRows(64 * units, (rows, offset, count) => {
      checkWholeChunk(offset, count, units);
      for (let from = 0; from < units; from += SENDER_PIECE_UNITS) {
        const to = Math.min(units, from + SENDER_PIECE_UNITS);
        hasher.pairs(rows.subarray(1024 * from), 64 * (to - from), sigmaDelta);
        kind.send(share, sendBody, units, from, to, hash, a);
      }
      const body = kind.unitBytes * units;
      const message = newMessage(kind.tag, units, position, body);
      message.set(sendBody.subarray(0, body), HEADER_BYTES);
      this.channel.send(message);
      kind.combine(c, share.subarray(0, units));
    });
  }

  /** The next correction message (requested in chunk order, when the chunk starts). */
  nextMessage(): Promise<Uint8Array> {
    const message = this.toReceiver.recv();
    message.catch(() => undefined);
    return message;
  }

  /**
   * Receiver role for one chunk: runs the OTs on the bits of b (sending the u
   * matrix), hashes into `share`, then applies the corrections of `message`
   * and adds the shares of a_peer·b into c.
   */
  async receiveChunk(
    kind: ProductKind,
    b: BigUint64Array,
    units: number,
    share: BigUint64Array,
    message: Promise<Uint8Array>,
    c: BigUint64Array,
  ): Promise<void> {
    const position = this.received;
    this.received += units;
    const hasher = this.receiverHash!;
    const { hash, receiveBody } = this.options.scratch;
    const choices = new Uint8Array(b.buffer, b.byteOffset, 8 * units);
    await this.receiver.correlatedRows(choices, 64 * units, (rows, offset, count) => {
      checkWholeChunk(offset, count, units);
      for (let from = 0; from < units; from += RECEIVER_PIECE_UNITS) {
        const to = Math.min(units, from + RECEIVER_PIECE_UNITS);
        hasher.single(rows.subarray(1024 * from), 64 * (to - from));
        kind.receive(share, from, to, hash);
      }
    });
    await this.guard(async () => {
      const body = checkMessage(await message, kind.tag, kind.unitBytes * units, units, position, kind.name);
      receiveBody.set(body);
      kind.correct(share.subarray(0, units), b.subarray(0, units), receiveBody, units);
      kind.combine(c, share.subarray(0, units));
    });
  }

  /** Ends the pair's channel with `error` (the peer's pending receives reject too). */
  close(error: Error): void {
    this.channel.close?.(error);
  }

  /** Runs `body`; a typed protocol error from it closes the channel before it is rethrown. */
  private async guard<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      if (e instanceof ParleyError) this.close(e);
      throw e;
    }
  }
}

/** The source calls the OT extension one chunk at a time (the scratch is shared between pairs). */
function checkWholeChunk(offset: number, count: number, units: number): void {
  if (offset !== 0 || count !== 64 * units) {
    throw new InternalError(`an offline chunk must be one OT chunk, got OTs ${offset}+${count}`);
  }
}
