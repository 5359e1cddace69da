/**
 * OT in both directions over one channel. Two parties that each need to be
 * the OT-extension sender of one session and the receiver of another (each
 * party's input is the choice vector of one direction, as in OT-based Beaver
 * triples) share one ordered channel per pair. `duplexOtChannel` splits it
 * into two views by the message tag, with no copy:
 *
 * - the `sender` view (for this side's IknpSender or SoftSpokenSender)
 *   receives the messages an OT-extension sender receives: 'A' (Chou–Orlandi
 *   sender point), 'U' (IKNP u matrix), 'P' and 'S' (SoftSpoken seeds and
 *   corrections);
 * - the `receiver` view (for this side's receiver) receives 'B'
 *   (Chou–Orlandi receiver points), 'C' (chosen-message ciphertexts) and the
 *   tags listed in `receiverTags`: messages of a protocol built on top that
 *   the peer's sender side sends to this side's receiver side.
 *
 * Both views send on the channel unchanged. A message with any other tag, or
 * an empty one, closes the channel with MalformedFrame, so both sides end
 * with a typed error instead of a message waiting forever in the wrong queue.
 * `close(error)` on either view closes the channel.
 */
import { InvalidArgument, MalformedFrame } from '@parley/interface';
import {
  TAG_CHOSEN,
  TAG_CO_A,
  TAG_CO_B,
  TAG_IKNP_U,
  TAG_SOFTSPOKEN_SEEDS,
  TAG_SOFTSPOKEN_U,
} from './_messages.js';
import type { OtChannel } from './channel.js';

interface Waiter {
  resolve(bytes: Uint8Array): void;
  reject(error: unknown): void;
}

class View implements OtChannel {
  readonly queue: Uint8Array[] = [];
  readonly waiters: Waiter[] = [];

  constructor(private readonly split: Demultiplexer) {}

  send(bytes: Uint8Array): void {
    this.split.channel.send(bytes);
  }

  recv(): Promise<Uint8Array> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.split.failure !== undefined) return Promise.reject(this.split.failure);
    const p = new Promise<Uint8Array>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.split.pump();
    return p;
  }

  close(error: Error): void {
    this.split.close(error);
  }
}

class Demultiplexer {
  readonly sender = new View(this);
  readonly receiver = new View(this);
  failure: unknown;
  private pumping = false;

  constructor(
    readonly channel: OtChannel,
    private readonly routes: Map<number, View>,
  ) {}

  /** Receives from the channel while some view waits for a message it has not got. */
  pump(): void {
    if (this.pumping || this.failure !== undefined) return;
    if (this.sender.waiters.length === 0 && this.receiver.waiters.length === 0) return;
    this.pumping = true;
    this.channel.recv().then(
      (bytes) => {
        this.pumping = false;
        if (!(bytes instanceof Uint8Array)) {
          this.close(new MalformedFrame('OT message is not bytes', { field: 'message' }));
          return;
        }
        const view = bytes.length > 0 ? this.routes.get(bytes[0]) : undefined;
        if (!view) {
          const tag = bytes.length > 0 ? `0x${bytes[0].toString(16)}` : 'none (empty message)';
          this.close(new MalformedFrame(`OT message with unexpected tag ${tag}`, { field: 'tag' }));
          return;
        }
        const w = view.waiters.shift();
        if (w) w.resolve(bytes);
        else view.queue.push(bytes);
        this.pump();
      },
      (error: unknown) => {
        this.pumping = false;
        this.fail(error);
      },
    );
  }

  close(error: Error): void {
    if (this.failure === undefined) this.channel.close?.(error);
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    for (const view of [this.sender, this.receiver]) {
      view.queue.length = 0;
      for (const w of view.waiters.splice(0)) w.reject(this.failure);
    }
  }
}

/**
 * The two views of `channel` for an OT-extension sender and receiver on the same
 * side; `receiverTags` (first bytes, distinct from 'A', 'B', 'C', 'P', 'S', 'U') are the
 * tags of further messages that go to the receiver view.
 */
export function duplexOtChannel(
  channel: OtChannel,
  options: { receiverTags?: readonly number[] } = {},
): { sender: OtChannel; receiver: OtChannel } {
  const routes = new Map<number, View>();
  const split = new Demultiplexer(channel, routes);
  routes.set(TAG_CO_A, split.sender);
  routes.set(TAG_IKNP_U, split.sender);
  routes.set(TAG_SOFTSPOKEN_SEEDS, split.sender);
  routes.set(TAG_SOFTSPOKEN_U, split.sender);
  routes.set(TAG_CO_B, split.receiver);
  routes.set(TAG_CHOSEN, split.receiver);
  for (const tag of options.receiverTags ?? []) {
    if (!Number.isInteger(tag) || tag < 0 || tag > 255 || routes.has(tag)) {
      throw new InvalidArgument(`receiverTags: ${tag} is not a byte distinct from the OT message tags`, {
        field: 'receiverTags',
      });
    }
    routes.set(tag, split.receiver);
  }
  return { sender: split.sender, receiver: split.receiver };
}
