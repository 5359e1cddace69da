/**
 * The byte channel the OT protocols run over, and an in-process pair of
 * channels for tests and benchmarks.
 *
 * Ownership rule: `send(bytes)` hands `bytes` to the channel; the protocols
 * never touch a buffer after sending it (so a channel may transfer it to a
 * worker without copying). Flush rule: the protocols never wait for a reply
 * they have not yet made possible, so an in-order channel cannot deadlock.
 *
 * Abort rule: a side that detects a malformed or out-of-protocol message
 * calls `close(error)` (when the channel has it) before rejecting, so that
 * the peer's pending and later `recv()` reject too and both sides end with a
 * typed error instead of one of them hanging.
 */
import { type ParleyError, SessionClosed } from '@parley/interface';

/** A point-to-point ordered byte channel between the OT sender and receiver. */
export interface OtChannel {
  send(bytes: Uint8Array): void;
  recv(): Promise<Uint8Array>;
  /** Optional: ends the channel; this side's and the peer's pending and later `recv()` reject, `send()` throws. */
  close?(error: Error): void;
}

/** Options of `memoryChannelPair`. */
export interface MemoryChannelOptions {
  /**
   * Called on every message in flight with its direction ('a->b' or 'b->a') and
   * its index in that direction; returns the bytes to deliver (tests use it
   * to truncate or corrupt messages).
   */
  tamper?: (direction: 'a->b' | 'b->a', index: number, bytes: Uint8Array) => Uint8Array;
}

interface Waiter {
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

/** One end of an in-process channel pair. */
export class MemoryOtChannel implements OtChannel {
  private readonly queue: Uint8Array[] = [];
  private readonly waiters: Waiter[] = [];
  private closedWith: Error | undefined;
  private peer!: MemoryOtChannel;
  private sent = 0;
  /** Bytes and messages sent from this end. */
  bytesSent = 0;
  messagesSent = 0;

  private constructor(
    private readonly direction: 'a->b' | 'b->a',
    private readonly options: MemoryChannelOptions,
  ) {}

  /** Two connected ends. */
  static pair(options: MemoryChannelOptions = {}): [MemoryOtChannel, MemoryOtChannel] {
    const a = new MemoryOtChannel('a->b', options);
    const b = new MemoryOtChannel('b->a', options);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  send(bytes: Uint8Array): void {
    if (this.closedWith) throw this.closedError();
    const delivered = this.options.tamper ? this.options.tamper(this.direction, this.sent, bytes) : bytes;
    this.sent++;
    this.bytesSent += bytes.length;
    this.messagesSent++;
    this.peer.deliver(delivered);
  }

  recv(): Promise<Uint8Array> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.closedWith) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Closes both ends: every pending and later receive rejects (queued messages are dropped). */
  close(error: Error): void {
    this.shut(error);
    this.peer.shut(error);
  }

  /** The error this end was closed with, if any. */
  get closedReason(): Error | undefined {
    return this.closedWith;
  }

  private deliver(bytes: Uint8Array): void {
    if (this.closedWith) return;
    const w = this.waiters.shift();
    if (w) w.resolve(bytes);
    else this.queue.push(bytes);
  }

  private shut(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.queue.length = 0;
    const err = this.closedError();
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private closedError(): ParleyError {
    const cause = this.closedWith;
    const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
    return new SessionClosed(`OT channel closed${code ? ` (${code})` : ''}: ${cause?.message ?? 'closed'}`, {
      reason: code,
    });
  }
}

/** Two connected in-process channel ends [a, b]. */
export function memoryChannelPair(options: MemoryChannelOptions = {}): [MemoryOtChannel, MemoryOtChannel] {
  return MemoryOtChannel.pair(options);
}
