/**
 * One authenticated WebSocket connection to one peer, as a `Link`: it encodes
 * frames (one binary WebSocket message each), applies send-side
 * back-pressure, decodes and hands incoming frames to the multiplexer, pauses
 * reading on request, and watches the peer's liveness.
 *
 * Back-pressure: every frame is handed to `ws` at once (so order is kept) and
 * counted as outstanding until its write callback; `write` resolves
 * immediately while outstanding bytes are at most the high-water mark and
 * otherwise when they fall back to it. A frame larger than two
 * `WRITE_FRAGMENT_BYTES` goes out as WebSocket fragments of that size (the
 * peer's `ws` joins them into one message), so that its writing shows
 * progress on a slow connection.
 *
 * Liveness: each side pings every peerTimeoutMs/4; any data, ping or pong from
 * the peer counts as a sign of life. A peer silent for peerTimeoutMs is cut
 * off (`PeerDisconnected`). Silence is not judged while this side has paused
 * reading, nor right after this process's own event loop stalled.
 *
 * Write progress: pings prove that the peer sends, not that it reads. While
 * bytes wait to be written, some write must complete every writeStallMs;
 * otherwise the peer is taken to read nothing and is cut off the same way, so
 * that a sender's memory and its waiting `send`, `flush` and `close` calls
 * are never held for ever (again not right after an event-loop stall).
 */
import { MalformedFrame, type ParleyError, type PartyName, PeerDisconnected } from '@parley/interface';
import type { WebSocket } from 'ws';
import { decodeFrame, encodeFrame, type FrameHeader } from './frame.js';
import { type Link, RESOLVED, WriteMarks } from './link.js';
import type { Multiplexer } from './multiplexer.js';
import type { TransportLimits } from './types.js';

/** How long a polite close may take before the socket is cut. */
const CLOSE_GRACE_MS = 1_000;
/** Frames over twice this size are written as WebSocket fragments of this size. */
export const WRITE_FRAGMENT_BYTES = 1024 * 1024;

/**
 * Reuses the buffers of large frames once they are written, so that streaming
 * does not allocate (and garbage-collect) a new buffer per frame. Buffers come
 * in sizes of the form 2^k·(1 + j/8), so at most 1/8 is wasted; at most `cap`
 * bytes are kept.
 */
class FramePool {
  static readonly MIN = 64 * 1024;
  readonly #free = new Map<number, Buffer[]>();
  readonly #cap: number;
  #kept = 0;

  constructor(cap: number) {
    this.#cap = cap;
  }

  static #capacity(n: number): number {
    const step = 2 ** (Math.floor(Math.log2(n)) - 3);
    return Math.ceil(n / step) * step;
  }

  readonly take = (n: number): Buffer => {
    if (n < FramePool.MIN) return Buffer.allocUnsafe(n);
    const capacity = FramePool.#capacity(n);
    const buf = this.#free.get(capacity)?.pop();
    if (buf) this.#kept -= capacity;
    return (buf ?? Buffer.allocUnsafeSlow(capacity)).subarray(0, n);
  };

  give(frame: Buffer): void {
    const capacity = frame.buffer.byteLength;
    if (
      frame.length < FramePool.MIN ||
      frame.byteOffset !== 0 ||
      capacity !== FramePool.#capacity(frame.length)
    )
      return;
    if (this.#kept + capacity > this.#cap) return;
    let list = this.#free.get(capacity);
    if (!list) {
      list = [];
      this.#free.set(capacity, list);
    }
    list.push(Buffer.from(frame.buffer, 0, capacity));
    this.#kept += capacity;
  }
}

export class WsLink implements Link {
  readonly peer: PartyName;
  readonly #ws: WebSocket;
  readonly #mux: Multiplexer;
  readonly #limits: TransportLimits;
  readonly #onDown: (link: WsLink, error: ParleyError) => void;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  readonly #interval: number;
  #open = true;
  #outstanding = 0;
  #queued = 0;
  #written = 0;
  /** When a write last completed, or bytes started to wait after none did. */
  #progressAt = performance.now();
  #roomWaiters: Array<() => void> = [];
  readonly #marks = new WriteMarks();
  #controlSeq = 0;
  #lastSeen = performance.now();
  #lastTick = performance.now();
  #reading = true;
  #closed: Promise<void>;
  readonly #pool: FramePool;

  constructor(
    ws: WebSocket,
    peer: PartyName,
    mux: Multiplexer,
    limits: TransportLimits,
    onDown: (link: WsLink, error: ParleyError) => void,
  ) {
    this.#ws = ws;
    this.peer = peer;
    this.#mux = mux;
    this.#limits = limits;
    this.#onDown = onDown;
    ws.binaryType = 'nodebuffer';
    const alive = (): void => {
      this.#lastSeen = performance.now();
    };
    ws.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    ws.on('ping', alive);
    ws.on('pong', alive);
    this.#closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        const why = reason.length > 0 ? `${code} ${reason.toString('utf8').slice(0, 120)}` : `${code}`;
        this.#down(new PeerDisconnected(`connection to '${peer}' closed (${why})`, { party: peer, code }));
        resolve();
      });
    });
    ws.on('error', (err: Error) => {
      this.#down(new PeerDisconnected(`connection to '${peer}' failed: ${err.message}`, { party: peer }));
    });
    this.#pool = new FramePool(limits.sendHighWaterMark);
    this.#interval = Math.max(25, Math.floor(limits.peerTimeoutMs / 4));
    this.#heartbeat = setInterval(() => this.#tick(), this.#interval);
    this.#heartbeat.unref();
  }

  /** False from the moment either side started closing the WebSocket. */
  get open(): boolean {
    return this.#open && this.#ws.readyState === this.#ws.OPEN;
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  get queued(): number {
    return this.#queued;
  }

  write(header: FrameHeader, body: Uint8Array): Promise<void> {
    if (!this.open) return RESOLVED;
    const frame = encodeFrame(header, body, this.#pool.take);
    const n = frame.length;
    if (this.#outstanding === 0) this.#progressAt = performance.now();
    this.#outstanding += n;
    this.#queued += n;
    if (n <= 2 * WRITE_FRAGMENT_BYTES) {
      this.#ws.send(frame, { binary: true }, () => {
        this.#pool.give(frame);
        this.#wrote(n);
      });
    } else {
      for (let at = 0; at < n; at += WRITE_FRAGMENT_BYTES) {
        const end = Math.min(n, at + WRITE_FRAGMENT_BYTES);
        const last = end === n;
        this.#ws.send(frame.subarray(at, end), { binary: true, fin: last }, () => {
          if (last) this.#pool.give(frame);
          this.#wrote(end - at);
        });
      }
    }
    if (this.#outstanding <= this.#limits.sendHighWaterMark) return RESOLVED;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  #wrote(n: number): void {
    this.#outstanding -= n;
    this.#written += n;
    this.#progressAt = performance.now();
    if (this.#outstanding <= this.#limits.sendHighWaterMark && this.#roomWaiters.length > 0) {
      for (const w of this.#roomWaiters.splice(0)) w();
    }
    this.#marks.advance(this.#written);
  }

  writtenTo(mark: number): Promise<void> {
    if (!this.#open) return RESOLVED;
    return this.#marks.wait(mark, this.#written);
  }

  setReading(on: boolean): void {
    if (!this.#open || on === this.#reading) return;
    this.#reading = on;
    this.#lastSeen = performance.now();
    if (on) this.#ws.resume();
    else this.#ws.pause();
  }

  nextControlSeq(): number {
    return this.#controlSeq++;
  }

  /** One WebSocket message from the peer. */
  receive(data: Buffer, isBinary: boolean): void {
    this.#lastSeen = performance.now();
    if (!this.#open) return;
    if (!isBinary) {
      this.#mux.handleBadFrame(
        this,
        new MalformedFrame('text message instead of a binary frame', {}),
        undefined,
      );
      return;
    }
    const f = decodeFrame(data, this.#limits.maxFrameBytes);
    if (!f.ok) {
      this.#mux.handleBadFrame(this, f.error, f.session);
      return;
    }
    // Hand out a plain Uint8Array. A small body that shares a large socket buffer is copied,
    // so that a retained message cannot pin the whole buffer.
    const b = f.body;
    let body: Uint8Array;
    if (b.byteLength * 2 < b.buffer.byteLength) {
      body = new Uint8Array(b.byteLength);
      body.set(b);
    } else {
      body = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    this.#mux.handleFrame(this, f.header, body);
  }

  #tick(): void {
    const now = performance.now();
    const stalled = now - this.#lastTick > 2 * this.#interval;
    this.#lastTick = now;
    const timeoutMs = this.#limits.peerTimeoutMs;
    if (stalled) this.#progressAt = now;
    if (stalled || !this.#reading) {
      this.#lastSeen = now;
    } else if (now - this.#lastSeen > timeoutMs) {
      this.#cut(
        new PeerDisconnected(`no traffic from '${this.peer}' for ${timeoutMs} ms`, {
          party: this.peer,
          timeoutMs,
        }),
      );
      return;
    }
    const stallMs = this.#limits.writeStallMs;
    if (this.#outstanding > 0 && now - this.#progressAt > stallMs) {
      this.#cut(
        new PeerDisconnected(
          `'${this.peer}' read nothing for ${stallMs} ms: no write completed while ${this.#outstanding} bytes waited`,
          { party: this.peer, timeoutMs: stallMs, outstanding: this.#outstanding },
        ),
      );
      return;
    }
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.ping();
  }

  #cut(error: ParleyError): void {
    this.#ws.terminate();
    this.#down(error);
  }

  #down(error: ParleyError): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#heartbeat);
    for (const w of this.#roomWaiters.splice(0)) w();
    this.#marks.releaseAll();
    this.#onDown(this, error);
  }

  /** Closes politely (buffered frames are still sent), cutting the socket after a short grace. */
  close(reason: string): Promise<void> {
    if (this.#ws.readyState === this.#ws.CLOSED) return RESOLVED;
    this.#ws.close(1000, reason.slice(0, 120));
    const timer = setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS);
    return this.#closed.finally(() => clearTimeout(timer));
  }

  /** Cuts the socket at once. */
  terminate(): void {
    this.#ws.terminate();
  }
}
