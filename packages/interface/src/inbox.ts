/**
 * The engine side of mpc-framework's boundary: an engine is fed
 * `handleMessage(from, bytes)` and its protocol code awaits `recv(from)`,
 * in order per sender. `fail(error)` rejects every pending and future receive.
 */
import { type ParleyError, ProtocolViolation, Timeout } from './errors.js';
import type { PartyName } from './types.js';

interface Waiter {
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

export class PeerInbox {
  private readonly queues = new Map<PartyName, Uint8Array[]>();
  private readonly waiters = new Map<PartyName, Waiter[]>();
  private failure: Error | undefined;

  constructor(
    private readonly peers: readonly PartyName[],
    private readonly timeoutMs = 0,
  ) {}

  /** Feeds a message from `from`; unknown senders are a protocol violation. */
  deliver(from: PartyName, bytes: Uint8Array): void {
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
      w.resolve(bytes);
      return;
    }
    let q = this.queues.get(from);
    if (!q) {
      q = [];
      this.queues.set(from, q);
    }
    q.push(bytes);
  }

  /** The next message from `from`. */
  recv(from: PartyName): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const q = this.queues.get(from);
    if (q && q.length > 0) return Promise.resolve(q.shift() as Uint8Array);
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
