/**
 * The receive adapter of the engine boundary: it is fed mpc-framework's
 * `handleMessage(from, bytes)` and gives protocol code `await recv(from)`,
 * in order per sender. One FIFO per sender; a `recv` with a timeout rejects
 * with `Timeout`; `end(from)` marks a sender that will send no more (its
 * queued messages are still delivered); `close(error)` rejects every pending
 * and later `recv` with `error`.
 *
 * It depends only on @parley/interface, so an engine can use it on its own.
 */
import { InvalidArgument, type ParleyError, type PartyName, Timeout } from '@parley/interface';

interface Waiter {
  resolve(bytes: Uint8Array): void;
  reject(error: ParleyError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface SenderState {
  messages: Uint8Array[];
  head: number;
  waiters: Waiter[];
  ended: ParleyError | undefined;
}

export interface ReceiveQueueOptions {
  /** Default `recv` timeout in ms (0 = wait forever). */
  timeoutMs?: number;
  /**
   * Called when messages leave the queue (taken, or dropped by `close`): their
   * byte count and how many they were.
   */
  onDequeue?: (from: PartyName, bytes: number, messages: number) => void;
}

export class ReceiveQueue {
  readonly #senders = new Map<PartyName, SenderState>();
  readonly #timeoutMs: number;
  readonly #onDequeue: ((from: PartyName, bytes: number, messages: number) => void) | undefined;
  #closed: ParleyError | undefined;
  #queuedBytes = 0;

  constructor(senders: readonly PartyName[], options: ReceiveQueueOptions = {}) {
    for (const s of senders) this.#senders.set(s, { messages: [], head: 0, waiters: [], ended: undefined });
    this.#timeoutMs = options.timeoutMs ?? 0;
    this.#onDequeue = options.onDequeue;
  }

  /** Bytes waiting in the queue (all senders). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  #state(from: PartyName): SenderState {
    const s = this.#senders.get(from);
    if (!s) throw new InvalidArgument(`'${from}' is not a sender of this queue`, { party: from });
    return s;
  }

  /** Feeds one message (the `handleMessage` of the engine boundary). Ignored after `close`. */
  push(from: PartyName, bytes: Uint8Array): void {
    if (this.#closed) return;
    const s = this.#state(from);
    const waiter = s.waiters.shift();
    if (waiter) {
      if (waiter.timer) clearTimeout(waiter.timer);
      this.#onDequeue?.(from, bytes.length, 1);
      waiter.resolve(bytes);
      return;
    }
    s.messages.push(bytes);
    this.#queuedBytes += bytes.length;
  }

  /** `push` bound as a `handleMessage` callback. */
  readonly handleMessage = (from: PartyName, bytes: Uint8Array): void => this.push(from, bytes);

  /** The next message from `from`. */
  recv(from: PartyName, timeoutMs: number = this.#timeoutMs): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(this.#closed);
    let s: SenderState;
    try {
      s = this.#state(from);
    } catch (e) {
      return Promise.reject(e);
    }
    if (s.head < s.messages.length) return Promise.resolve(this.#take(from, s));
    if (s.ended) return Promise.reject(s.ended);
    return new Promise<Uint8Array>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          const i = s.waiters.indexOf(waiter);
          if (i >= 0) s.waiters.splice(i, 1);
          reject(new Timeout(`no message from '${from}' within ${timeoutMs} ms`, { party: from, timeoutMs }));
        }, timeoutMs);
      }
      s.waiters.push(waiter);
    });
  }

  #take(from: PartyName, s: SenderState): Uint8Array {
    const bytes = s.messages[s.head];
    s.messages[s.head++] = undefined as unknown as Uint8Array;
    if (s.head === s.messages.length) {
      s.messages.length = 0;
      s.head = 0;
    } else if (s.head > 1024 && s.head * 2 > s.messages.length) {
      s.messages.splice(0, s.head);
      s.head = 0;
    }
    this.#queuedBytes -= bytes.length;
    this.#onDequeue?.(from, bytes.length, 1);
    return bytes;
  }

  /** Removes and returns every queued message, oldest first per sender. */
  drain(): Array<[PartyName, Uint8Array]> {
    const out: Array<[PartyName, Uint8Array]> = [];
    for (const [from, s] of this.#senders)
      while (s.head < s.messages.length) out.push([from, this.#take(from, s)]);
    return out;
  }

  /** `from` sends no more: once its queue is empty, receives from it reject with `error`. */
  end(from: PartyName, error: ParleyError): void {
    const s = this.#state(from);
    if (s.ended) return;
    s.ended = error;
    if (s.head < s.messages.length) return;
    for (const w of s.waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(error);
    }
  }

  /** Rejects every pending and later `recv` with `error`, drops queued messages, clears all timers. */
  close(error: ParleyError): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const [from, s] of this.#senders) {
      const dropped = s.messages.length - s.head;
      if (dropped > 0) {
        let n = 0;
        for (let i = s.head; i < s.messages.length; i++) n += s.messages[i].length;
        this.#queuedBytes -= n;
        this.#onDequeue?.(from, n, dropped);
      }
      s.messages.length = 0;
      s.head = 0;
      for (const w of s.waiters.splice(0)) {
        if (w.timer) clearTimeout(w.timer);
        w.reject(error);
      }
    }
  }
}
