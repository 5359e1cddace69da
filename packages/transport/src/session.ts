/**
 * One session among named parties, as seen by one of them. It numbers the
 * frames it sends per peer (seq) and checks the numbers of those it receives,
 * counts bytes and messages, and delivers payloads either to an engine's
 * `handleMessage` or to a per-sender receive queue.
 *
 * Any fault (bad frame, lost peer, timeout, a throwing handler, `abort`) ends
 * the session once: pending receives, sends waiting for room and flushes
 * reject with the error, and an ABORT frame carrying the error goes to every
 * other party, which ends its copy of the session with the same typed error.
 *
 * Sending: `send` waits while the link holds more than `sendHighWaterMark`
 * unwritten bytes. A session that sends again to a peer while an earlier send
 * to it still waits for room (fire and forget) may take the link up to
 * `OUTSTANDING_CAP_FACTOR` times the mark, and is failed with `LimitExceeded`
 * rather than queue more. `flush` and `close` wait for this session's own
 * frames only (their write marks on each link), not for the whole link.
 */
import {
  asParleyError,
  errorFromJSON,
  FrameTooLarge,
  InvalidArgument,
  LimitExceeded,
  MalformedFrame,
  OutOfSequence,
  ParleyError,
  type PartyName,
  PeerDisconnected,
  type SendFn,
  SessionClosed,
} from '@parley/interface';
import {
  decodeAbortBody,
  encodeAbortBody,
  type FrameHeader,
  FrameKind,
  MAX_FRAME_OVERHEAD,
} from './frame.js';
import { type Link, RESOLVED } from './link.js';
import { ReceiveQueue } from './receiveQueue.js';
import type {
  MessageHandler,
  PeerStats,
  RecvOptions,
  Session,
  SessionStats,
  TransportLimits,
} from './types.js';

/** What a session needs from the multiplexer that owns it. */
export interface SessionHost {
  readonly limits: TransportLimits;
  currentLink(peer: PartyName): Link | undefined;
  /** Bytes from `peer` entering (+) or leaving (−) receive queues. */
  accountQueued(peer: PartyName, delta: number): void;
  sessionEnded(session: SessionImpl, error: ParleyError | undefined): void;
}

const EMPTY = new Uint8Array(0);
/**
 * Bytes charged per received message besides its body, in the receive
 * accounting (and so in back-pressure): empty or tiny messages still count.
 */
export const MESSAGE_OVERHEAD = 64;
/**
 * A link's unwritten bytes may reach this many times `sendHighWaterMark`
 * through sends made while an earlier send of the same session to the same
 * peer still waits for room; a send past that fails its session with
 * `LimitExceeded`. Sends made after waiting for room are never refused.
 */
export const OUTSTANDING_CAP_FACTOR = 4;
const ignore = (): void => {};

export class SessionImpl implements Session {
  readonly id: string;
  readonly self: PartyName;
  readonly parties: readonly PartyName[];
  readonly peers: readonly PartyName[];
  readonly sendFn: SendFn;
  readonly ended: Promise<ParleyError | undefined>;

  readonly #host: SessionHost;
  readonly #links = new Map<PartyName, Link>();
  readonly #queue: ReceiveQueue;
  readonly #sendSeq = new Map<PartyName, number>();
  readonly #recvSeq = new Map<PartyName, number>();
  readonly #lastStep = new Map<PartyName, number>();
  readonly #stats = new Map<PartyName, PeerStats>();
  readonly #closedPeers = new Set<PartyName>();
  /** Per peer, the link's write mark of this session's last frame to it (what `flush` waits for). */
  readonly #marks = new Map<PartyName, number>();
  /** Per peer, this session's sends to it that still wait for room on the link. */
  readonly #waitingSends = new Map<PartyName, number>();
  /** Rejects what still waits (sends, flushes) once the session ends. */
  readonly #onEnd = new Set<(error: ParleyError) => void>();
  readonly #recvTimeoutMs: number;
  #handler: MessageHandler | undefined;
  /** Bytes handed to a holding handler and not yet given back, per sender (onMessage's holdUntilConsumed). */
  #held: Map<PartyName, number> | undefined;
  #step = 0;
  #open = true;
  #error: ParleyError | undefined;
  #resolveEnded!: (error: ParleyError | undefined) => void;

  constructor(
    host: SessionHost,
    id: string,
    self: PartyName,
    parties: readonly PartyName[],
    recvTimeoutMs: number,
  ) {
    this.#host = host;
    this.id = id;
    this.self = self;
    this.parties = Object.freeze([...parties]);
    this.peers = Object.freeze(parties.filter((p) => p !== self));
    this.#recvTimeoutMs = recvTimeoutMs;
    for (const p of this.peers) {
      this.#sendSeq.set(p, 0);
      this.#recvSeq.set(p, 0);
      this.#lastStep.set(p, 0);
      this.#stats.set(p, { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0 });
    }
    this.#queue = new ReceiveQueue(this.peers, {
      onDequeue: (from, n, messages) => host.accountQueued(from, -(n + messages * MESSAGE_OVERHEAD)),
    });
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    this.sendFn = (to, bytes) => {
      void this.send(to, bytes);
    };
  }

  get isOpen(): boolean {
    return this.#open;
  }

  get error(): ParleyError | undefined {
    return this.#error;
  }

  hasPeer(party: PartyName): boolean {
    return this.#stats.has(party);
  }

  /** True once a frame from `peer` has been accepted. */
  heardFrom(peer: PartyName): boolean {
    return (this.#recvSeq.get(peer) ?? 0) > 0;
  }

  /** The link this session uses to reach `peer`, once attached. */
  linkFor(peer: PartyName): Link | undefined {
    return this.#links.get(peer);
  }

  attach(peer: PartyName, link: Link): void {
    if (this.#open) this.#links.set(peer, link);
  }

  #details(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { session: this.id, ...extra };
  }

  #endError(): ParleyError {
    return this.#error ?? new SessionClosed(`session ${this.id} is closed`, this.#details());
  }

  send(to: PartyName, bytes: Uint8Array): Promise<void> {
    const p = this.#send(to, bytes);
    p.catch(ignore);
    return p;
  }

  #send(to: PartyName, bytes: Uint8Array): Promise<void> {
    if (!this.#open) return Promise.reject(this.#endError());
    const stats = this.#stats.get(to);
    if (!stats) {
      return Promise.reject(
        new InvalidArgument(`'${to}' is not a peer in session ${this.id}`, this.#details({ party: to })),
      );
    }
    if (!(bytes instanceof Uint8Array)) {
      return Promise.reject(
        new InvalidArgument('send: expected a Uint8Array', this.#details({ field: 'bytes' })),
      );
    }
    const limit = this.#host.limits.maxFrameBytes - MAX_FRAME_OVERHEAD;
    if (bytes.length > limit) {
      const e = new FrameTooLarge(
        `message of ${bytes.length} bytes to '${to}' exceeds the payload limit of ${limit}`,
        this.#details({ party: to, size: bytes.length, limit }),
      );
      this.fail(e);
      return Promise.reject(e);
    }
    if (this.#closedPeers.has(to)) {
      return Promise.reject(
        new SessionClosed(`'${to}' has closed session ${this.id}`, this.#details({ party: to })),
      );
    }
    const link = this.#links.get(to);
    if (!link?.open) {
      const e = new PeerDisconnected(`no connection to '${to}'`, this.#details({ party: to }));
      this.fail(e);
      return Promise.reject(e);
    }
    const hwm = this.#host.limits.sendHighWaterMark;
    const cap = OUTSTANDING_CAP_FACTOR * hwm;
    if (
      link.outstanding > hwm &&
      (this.#waitingSends.get(to) ?? 0) > 0 &&
      link.outstanding + bytes.length > cap
    ) {
      const e = new LimitExceeded(
        `session ${this.id} sent to '${to}' without waiting for room: ${link.outstanding} bytes wait to be written and ${bytes.length} more would pass the cap of ${cap} (${OUTSTANDING_CAP_FACTOR} x sendHighWaterMark)`,
        this.#details({ party: to, field: 'sendHighWaterMark', outstanding: link.outstanding, limit: cap }),
      );
      this.fail(e);
      return Promise.reject(e);
    }
    const seq = this.#sendSeq.get(to)!;
    this.#sendSeq.set(to, seq + 1);
    stats.messagesSent++;
    stats.bytesSent += bytes.length;
    const room = link.write({ kind: FrameKind.Data, session: this.id, step: this.#step, seq }, bytes);
    this.#marks.set(to, link.queued);
    if (room === RESOLVED) return RESOLVED;
    this.#waitingSends.set(to, (this.#waitingSends.get(to) ?? 0) + 1);
    const done = (): void => {
      this.#waitingSends.set(to, this.#waitingSends.get(to)! - 1);
    };
    return this.#untilEnd(room.then(done));
  }

  /** `p`, or a rejection with the session's error if the session ends first. */
  #untilEnd(p: Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#onEnd.add(reject);
      void p.then(() => {
        this.#onEnd.delete(reject);
        resolve();
      });
    });
  }

  onMessage(handler: MessageHandler, options: { holdUntilConsumed?: boolean } = {}): void {
    this.#handler = handler;
    if (options.holdUntilConsumed) this.#held ??= new Map();
    for (const [from, bytes] of this.#queue.drain()) {
      if (!this.#open) return;
      this.#callHandler(from, bytes);
    }
  }

  consumed(from: PartyName, bytes: number): void {
    const held = this.#held?.get(from);
    if (held === undefined || !(bytes >= 0)) return;
    const n = Math.min(held, bytes + MESSAGE_OVERHEAD);
    this.#held!.set(from, held - n);
    this.#host.accountQueued(from, -n);
  }

  #callHandler(from: PartyName, bytes: Uint8Array): void {
    if (this.#held) {
      const n = bytes.length + MESSAGE_OVERHEAD;
      this.#held.set(from, (this.#held.get(from) ?? 0) + n);
      this.#host.accountQueued(from, n);
    }
    try {
      this.#handler!(from, bytes);
    } catch (e) {
      this.fail(asParleyError(e, `message handler of session ${this.id} failed`));
    }
  }

  recv(from: PartyName, options: RecvOptions = {}): Promise<Uint8Array> {
    const p = this.#recv(from, options);
    p.catch(ignore);
    return p;
  }

  #recv(from: PartyName, options: RecvOptions): Promise<Uint8Array> {
    if (this.#handler) {
      return Promise.reject(
        new InvalidArgument('recv: this session delivers to a message handler', this.#details()),
      );
    }
    if (!this.#open) return Promise.reject(this.#endError());
    if (!this.#stats.has(from)) {
      return Promise.reject(
        new InvalidArgument(`'${from}' is not a peer in session ${this.id}`, this.#details({ party: from })),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.#recvTimeoutMs;
    return this.#queue.recv(from, timeoutMs).catch((e: unknown) => {
      if (e instanceof ParleyError && e.code === 'TIMEOUT' && this.#open) {
        e.details.session = this.id;
        this.fail(e);
      }
      throw e;
    });
  }

  flush(): Promise<void> {
    const p = this.#flush();
    p.catch(ignore);
    return p;
  }

  #flush(): Promise<void> {
    if (!this.#open) return Promise.reject(this.#endError());
    const written = this.#written();
    this.#step++;
    return written === RESOLVED ? RESOLVED : this.#untilEnd(written);
  }

  /** Resolves once every frame this session has sent so far has been written (or its link closed). */
  #written(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const [peer, mark] of this.#marks) {
      const w = this.#links.get(peer)?.writtenTo(mark);
      if (w && w !== RESOLVED) waits.push(w);
    }
    if (waits.length === 0) return RESOLVED;
    return Promise.all(waits).then(ignore);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    for (const peer of this.peers) {
      const link = this.#links.get(peer);
      if (!link?.open || this.#closedPeers.has(peer)) continue;
      const seq = this.#sendSeq.get(peer)!;
      this.#sendSeq.set(peer, seq + 1);
      void link.write({ kind: FrameKind.Close, session: this.id, step: this.#step, seq }, EMPTY);
      this.#marks.set(peer, link.queued);
    }
    const written = this.#written();
    this.#end(undefined, undefined);
    await written;
  }

  abort(error: Error): void {
    this.fail(asParleyError(error, `session ${this.id} aborted`));
  }

  /** Ends the session with `error` here and, through ABORT frames, on every other party except `origin`. */
  fail(error: ParleyError, origin?: PartyName): void {
    this.#end(error, origin);
  }

  #end(error: ParleyError | undefined, origin: PartyName | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    this.#error = error;
    const endError = this.#endError();
    this.#queue.close(endError);
    for (const reject of this.#onEnd) reject(endError);
    this.#onEnd.clear();
    // What a holding handler had not given back stops counting: the session is over.
    for (const [from, held] of this.#held ?? []) if (held > 0) this.#host.accountQueued(from, -held);
    this.#held?.clear();
    if (error) {
      const body = encodeAbortBody(error);
      for (const peer of this.peers) {
        if (peer === origin || this.#closedPeers.has(peer)) continue;
        const link = this.#links.get(peer) ?? this.#host.currentLink(peer);
        if (!link?.open) continue;
        const seq = this.#sendSeq.get(peer)!;
        this.#sendSeq.set(peer, seq + 1);
        void link.write({ kind: FrameKind.Abort, session: this.id, step: this.#step, seq }, body);
      }
    }
    this.#links.clear();
    this.#host.sessionEnded(this, error);
    this.#resolveEnded(error);
  }

  /** One frame of this session from member `from` (checked by the multiplexer). */
  handleFrame(from: PartyName, header: FrameHeader, body: Uint8Array): void {
    if (!this.#open) return;
    if (header.kind === FrameKind.Abort) {
      this.#end(this.#abortError(from, body), from);
      return;
    }
    const expected = this.#recvSeq.get(from)!;
    if (header.seq !== expected) {
      this.fail(
        new OutOfSequence(
          `frame ${header.seq} from '${from}' in session ${this.id}, expected ${expected}`,
          this.#details({ party: from, seq: header.seq, expected }),
        ),
      );
      return;
    }
    if (header.step < this.#lastStep.get(from)! || this.#closedPeers.has(from)) {
      const why = this.#closedPeers.has(from) ? 'after CLOSE' : `step ${header.step} went backwards`;
      this.fail(
        new OutOfSequence(`frame ${header.seq} from '${from}' in session ${this.id}: ${why}`, {
          ...this.#details({ party: from, seq: header.seq }),
        }),
      );
      return;
    }
    this.#recvSeq.set(from, expected + 1);
    this.#lastStep.set(from, header.step);
    if (header.kind === FrameKind.Close) {
      this.#closedPeers.add(from);
      this.#queue.end(
        from,
        new SessionClosed(`'${from}' closed session ${this.id}`, this.#details({ party: from })),
      );
      return;
    }
    const stats = this.#stats.get(from)!;
    stats.messagesReceived++;
    stats.bytesReceived += body.length;
    if (this.#handler) {
      this.#callHandler(from, body);
    } else {
      this.#host.accountQueued(from, body.length + MESSAGE_OVERHEAD);
      this.#queue.push(from, body);
    }
  }

  #abortError(from: PartyName, body: Uint8Array): ParleyError {
    const decoded = decodeAbortBody(body);
    if (!decoded) {
      return new MalformedFrame(
        `unreadable ABORT frame from '${from}' in session ${this.id}`,
        this.#details({ party: from }),
      );
    }
    // Who reported it and whom it concerns are what this party saw: the ABORT came from `from`. What the
    // sender's body claims on these points is kept apart, so that a peer cannot put the blame on another.
    const { reportedBy, party, ...rest } = decoded.details;
    const details: Record<string, unknown> = { ...rest, session: this.id, reportedBy: from, party: from };
    if (reportedBy !== undefined && reportedBy !== from) details.claimedReportedBy = reportedBy;
    if (party !== undefined && party !== from) details.claimedParty = party;
    return errorFromJSON({ code: decoded.code, message: decoded.message, details });
  }

  stats(): SessionStats {
    const peers: Record<PartyName, PeerStats> = {};
    const total: PeerStats = { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0 };
    for (const [p, s] of this.#stats) {
      peers[p] = { ...s };
      total.messagesSent += s.messagesSent;
      total.bytesSent += s.bytesSent;
      total.messagesReceived += s.messagesReceived;
      total.bytesReceived += s.bytesReceived;
    }
    return { step: this.#step, peers, total };
  }
}
