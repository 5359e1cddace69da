/**
 * The engine side of mpc-framework's boundary: an engine is fed
 * `handleMessage(from, bytes)` and its protocol code awaits `recv(from)`,
 * in order per sender. `fail(error)` rejects every pending and future receive.
 *
 * `onConsumed(from, bytes)`, when given, is told each time a message leaves
 * the inbox for the protocol, with the size it had on the wire: a transport
 * holding back-pressure on the sender until then (@parley/transport
 * `onMessage(…, { holdUntilConsumed })`) gives those bytes back.
 */
import { type ParleyError, ProtocolViolation, Timeout } from './errors.js';
import type { PartyName } from './types.js';

interface Waiter {
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

interface Queued {
  bytes: Uint8Array;
  /** Its size on the wire (the engine may have stripped a header). */
  wireBytes: number;
}

export type ConsumedListener = (from: PartyName, bytes: number) => void;

/** The longest delay node's timers keep, 2^31 − 1 ms (about 24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class PeerInbox {
  private readonly queues = new Map<PartyName, Queued[]>();
  private readonly waiters = new Map<PartyName, Waiter[]>();
  private failure: Error | undefined;

  constructor(
    private readonly peers: readonly PartyName[],
    private readonly timeoutMs = 0,
    private readonly onConsumed?: ConsumedListener,
  ) {}

  /**
   * Feeds a message from `from` (`wireBytes`: its size as received, when the
   * engine stripped part of it); unknown senders are a protocol violation.
   */
  deliver(from: PartyName, bytes: Uint8Array, wireBytes = bytes.length): void {
    if (this.failure) return;
    if (!this.peers.includes(from)) {
      this.fail(
        new ProtocolViolation(`message from '${from}', who is not a party of this session`, { party: from }),
      );
      return;
    }
    const waiting = this.waiters.get(from);
    const w = waiting?.shift();
    if (w) {
      if (w.timer) clearTimeout(w.timer);
      this.onConsumed?.(from, wireBytes);
      w.resolve(bytes);
      return;
    }
    let q = this.queues.get(from);
    if (!q) {
      q = [];
      this.queues.set(from, q);
    }
    q.push({ bytes, wireBytes });
  }

  /** The next message from `from`. */
  recv(from: PartyName): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const next = this.queues.get(from)?.shift();
    if (next) {
      this.onConsumed?.(from, next.wireBytes);
      return Promise.resolve(next.bytes);
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      if (this.timeoutMs > 0) {
        w.timer = setTimeout(() => {
          this.fail(new Timeout(`no message from ${from} within ${this.timeoutMs} ms`, { party: from }));
        }, this.timeoutMs);
      }
      let list = this.waiters.get(from);
      if (!list) {
        list = [];
        this.waiters.set(from, list);
      }
      list.push(w);
    });
  }

  /** Ends the inbox: every pending and future receive rejects with `error`. */
  fail(error: Error | ParleyError): void {
    if (this.failure) return;
    this.failure = error;
    for (const list of this.waiters.values()) {
      for (const w of list) {
        if (w.timer) clearTimeout(w.timer);
        w.reject(error);
      }
    }
    this.waiters.clear();
    this.queues.clear();
  }

  get failed(): Error | undefined {
    return this.failure;
  }
}
