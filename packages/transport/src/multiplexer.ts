/**
 * Many sessions over one connection per pair of parties, plus the node's
 * control channel on the same connections. The multiplexer routes each frame
 * to its session and decides what a frame that fits no session means:
 *
 * - for a session not yet opened here: held per sender (heldFrames.ts) and
 *   replayed when it opens; after `unknownSessionGraceMs`, or beyond the
 *   sender's caps, the sender gets ABORT `UnknownSession`, which ends the
 *   session on all its parties. What one sender's frames do concerns that
 *   sender only: opening the session here fails at once if that sender is one
 *   of its parties, and is not affected otherwise;
 * - from a party that is not a member of the session: answered with ABORT
 *   `UnknownSession` to that sender only, so no outsider can end a session;
 * - for a session that already ended here: dropped;
 * - a bad frame (`MalformedFrame`, `FrameTooLarge`) ends its session when its
 *   header still names one; otherwise it is reported as an event and dropped.
 *
 * It also applies read-side back-pressure: reading from a peer pauses while
 * more than `receiveHighWaterMark` bytes from it wait in receive queues.
 */
import {
  asParleyError,
  errorFromJSON,
  InvalidArgument,
  LimitExceeded,
  type ParleyError,
  type PartyName,
  PeerDisconnected,
  SessionClosed,
  UnknownSession,
} from '@parley/interface';
import { ControlChannelImpl } from './controlChannel.js';
import { encodeAbortBody, type FrameHeader, FrameKind, SESSION_ID_PATTERN } from './frame.js';
import { HeldFrames, type PendingFrames } from './heldFrames.js';
import { type Link, type LinkHost, RESOLVED } from './link.js';
import { type SessionHost, SessionImpl } from './session.js';
import type { EndpointEvent, EndpointListener, Session, SessionOptions, TransportLimits } from './types.js';

/** Ids of sessions that ended here remembered, so that late frames for them are dropped quietly. */
const MAX_REMEMBERED_ENDED = 10_000;

export class Multiplexer implements SessionHost {
  readonly self: PartyName;
  readonly parties: readonly PartyName[];
  readonly limits: TransportLimits;
  readonly control: ControlChannelImpl;

  readonly #host: LinkHost;
  readonly #sessions = new Map<string, SessionImpl>();
  readonly #ended = new Set<string>();
  readonly #held: HeldFrames;
  readonly #queued = new Map<PartyName, number>();
  readonly #paused = new Set<PartyName>();
  readonly #replyWaiting = new WeakSet<Link>();
  readonly #listeners = new Set<EndpointListener>();
  #closed = false;

  constructor(self: PartyName, parties: readonly PartyName[], limits: TransportLimits, host: LinkHost) {
    this.self = self;
    this.parties = Object.freeze([...parties]);
    this.limits = limits;
    this.#host = host;
    this.#held = new HeldFrames(limits, (peer, id, pending) => this.#expired(peer, id, pending));
    this.control = new ControlChannelImpl(
      self,
      this.parties,
      limits,
      host,
      (event) => this.emit(event),
      () => this.#closed,
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  emit(event: EndpointEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A listener's fault must not disturb the transport.
      }
    }
  }

  onEvent(listener: EndpointListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  currentLink(peer: PartyName): Link | undefined {
    return this.#host.currentLink(peer);
  }

  #checkParties(parties: readonly PartyName[]): void {
    if (!Array.isArray(parties) || parties.length < 2) {
      throw new InvalidArgument('a session needs at least two parties', { field: 'parties' });
    }
    const seen = new Set<PartyName>();
    for (const p of parties) {
      if (!this.parties.includes(p))
        throw new InvalidArgument(`unknown party '${p}'`, { field: 'parties', party: p });
      if (seen.has(p))
        throw new InvalidArgument(`party '${p}' is listed twice`, { field: 'parties', party: p });
      seen.add(p);
    }
    if (!seen.has(this.self)) {
      throw new InvalidArgument(`the parties do not include this party '${this.self}'`, { field: 'parties' });
    }
  }

  async openSession(
    id: string,
    parties: readonly PartyName[],
    options: SessionOptions = {},
  ): Promise<Session> {
    if (this.#closed) throw new SessionClosed(`endpoint '${this.self}' is closed`, { session: id });
    if (typeof id !== 'string' || !SESSION_ID_PATTERN.test(id)) {
      throw new InvalidArgument('session id must be 1 to 128 printable ASCII characters', { field: 'id' });
    }
    this.#checkParties(parties);
    if (this.#sessions.has(id) || this.#ended.has(id)) {
      throw new InvalidArgument(`session id ${id} is already in use`, { field: 'id', session: id });
    }
    if (this.#sessions.size >= this.limits.maxSessions) {
      throw new LimitExceeded(`more than ${this.limits.maxSessions} open sessions`, { field: 'maxSessions' });
    }
    const s = new SessionImpl(
      this,
      id,
      this.self,
      parties,
      options.recvTimeoutMs ?? this.limits.recvTimeoutMs,
    );
    this.#sessions.set(id, s);
    for (const { peer, pending, lost } of this.#held.take(id)) {
      if (pending) for (const f of pending.frames) this.#route(s, pending.link, f.header, f.body);
      // Only a party's dropped frames break the session; a stranger's never block it.
      if (lost && s.hasPeer(peer)) {
        s.fail(errorFromJSON({ ...lost, details: { session: id, party: peer, reportedBy: this.self } }));
      }
    }
    if (!s.isOpen) throw s.error ?? new SessionClosed(`session ${id} was closed`, { session: id });
    const timeoutMs = options.connectTimeoutMs ?? this.limits.connectTimeoutMs;
    try {
      await Promise.all(
        s.peers.map(async (peer) => {
          const link = await this.#host.awaitLink(peer, timeoutMs);
          s.attach(peer, link);
        }),
      );
    } catch (e) {
      const error = asParleyError(e, `opening session ${id}`);
      s.fail(error);
      throw error;
    }
    if (!s.isOpen) throw s.error ?? new SessionClosed(`session ${id} was closed`, { session: id });
    return s;
  }

  sessionEnded(session: SessionImpl, error: ParleyError | undefined): void {
    if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
    this.#remember(session.id);
    this.emit({ type: 'session-ended', session: session.id, error });
  }

  #remember(id: string): void {
    this.#ended.add(id);
    if (this.#ended.size > MAX_REMEMBERED_ENDED)
      this.#ended.delete(this.#ended.values().next().value as string);
  }

  accountQueued(peer: PartyName, delta: number): void {
    const q = (this.#queued.get(peer) ?? 0) + delta;
    this.#queued.set(peer, q);
    if (q > this.limits.receiveHighWaterMark && !this.#paused.has(peer)) {
      this.#paused.add(peer);
      this.#host.currentLink(peer)?.setReading(false);
    } else if (q <= this.limits.receiveHighWaterMark >> 1 && this.#paused.has(peer)) {
      this.#paused.delete(peer);
      this.#host.currentLink(peer)?.setReading(true);
    }
  }

  /**
   * Sends ABORT `error` for session `id` to the other end of `link` only. While
   * a reply waits for room on the link (the peer does not read), further
   * replies are dropped: a peer that sends bad frames and reads nothing must
   * not make this process buffer answers without bound.
   */
  #reply(link: Link, id: string, error: ParleyError): void {
    if (!link.open || this.#replyWaiting.has(link)) return;
    const room = link.write({ kind: FrameKind.Abort, session: id, step: 0, seq: 0 }, encodeAbortBody(error));
    if (room === RESOLVED) return;
    this.#replyWaiting.add(link);
    void room.then(() => this.#replyWaiting.delete(link));
  }

  #route(s: SessionImpl, link: Link, header: FrameHeader, body: Uint8Array): void {
    if (s.hasPeer(link.peer)) {
      s.handleFrame(link.peer, header, body);
    } else if (header.kind !== FrameKind.Abort) {
      const error = new UnknownSession(`'${link.peer}' is not a party to session ${s.id}`, {
        session: s.id,
        party: link.peer,
      });
      this.emit({ type: 'frame-rejected', peer: link.peer, error });
      this.#reply(link, s.id, error);
    }
  }

  /** A well-formed frame from the peer of `link`. */
  handleFrame(link: Link, header: FrameHeader, body: Uint8Array): void {
    if (this.#closed) return;
    if (header.kind === FrameKind.Control) {
      this.control.handle(link, header, body);
      return;
    }
    const s = this.#sessions.get(header.session);
    if (s) {
      this.#route(s, link, header, body);
      return;
    }
    if (this.#ended.has(header.session)) return;
    this.#hold(link, header, body);
  }

  /** A frame for session `id`, not open here: held for its sender until the session opens, or refused. */
  #hold(link: Link, header: FrameHeader, body: Uint8Array): void {
    const why = this.#held.hold(link, header, body);
    if (why === undefined || header.kind === FrameKind.Abort) return;
    const id = header.session;
    const error = new UnknownSession(`no session ${id} is open at '${this.self}': ${why}`, {
      session: id,
      party: this.self,
    });
    this.emit({ type: 'frame-rejected', peer: link.peer, error });
    this.#reply(link, id, error);
  }

  /** `peer`'s frames for session `id` were not opened here in time: the sender is told (unless all were ABORTs). */
  #expired(peer: PartyName, id: string, pending: PendingFrames): void {
    if (pending.frames.every((f) => f.header.kind === FrameKind.Abort)) return;
    const grace = this.limits.unknownSessionGraceMs;
    const error = new UnknownSession(`session ${id} was not opened at '${this.self}' within ${grace} ms`, {
      session: id,
      party: this.self,
    });
    this.emit({ type: 'frame-rejected', peer, error });
    this.#reply(pending.link, id, error);
  }

  /** A new link to a peer: it starts paused when what waits from that peer is over the high-water mark. */
  linkUp(link: Link): void {
    if (this.#paused.has(link.peer)) link.setReading(false);
  }

  /** A frame from the peer of `link` that could not be decoded; `id` is its session when the header named one. */
  handleBadFrame(link: Link, error: ParleyError, id: string | undefined): void {
    if (this.#closed) return;
    error.details.party ??= link.peer;
    this.emit({ type: 'frame-rejected', peer: link.peer, error });
    if (id === undefined || this.#ended.has(id)) return;
    const s = this.#sessions.get(id);
    if (s?.hasPeer(link.peer)) {
      s.fail(error);
    } else {
      // The session's parties are not known here yet (or the sender is not one): only the sender's own
      // held frames go, so no outsider can end a session; its ABORT ends the session for a party.
      this.#held.drop(link.peer, id, { code: error.code, message: error.message });
      this.#reply(link, id, error);
    }
  }

  /** The connection behind `link` is gone: every session that depends on it ends with `PeerDisconnected`. */
  linkDown(link: Link, error: ParleyError): void {
    const peer = link.peer;
    // A link replaced by a newer one to the same peer: the peer is still up, and reading from it stays
    // paused or not by what waits from it (the newer link carries that state on).
    const current = this.#host.currentLink(peer);
    if (current === undefined || current === link) {
      this.#paused.delete(peer);
      if (!this.#closed) this.emit({ type: 'link-down', peer, error });
    }
    // Only what came over this link is lost; other peers' frames for the same sessions stay held.
    this.#held.dropLink(link);
    for (const s of [...this.#sessions.values()]) {
      if (!s.hasPeer(peer)) continue;
      // A session still waiting for its link to `peer` only cares if it already heard from `peer` on the lost one.
      const attached = s.linkFor(peer);
      if (attached ? attached !== link : !s.heardFrom(peer)) continue;
      s.fail(
        new PeerDisconnected(`lost connection to '${peer}': ${error.message}`, {
          session: s.id,
          party: peer,
        }),
      );
    }
  }

  /** Ends every session with `SessionClosed` (peers are told through ABORT) and drops held frames. */
  close(): void {
    if (this.#closed) return;
    for (const s of [...this.#sessions.values()]) {
      s.fail(new SessionClosed(`endpoint '${this.self}' closed`, { session: s.id, party: this.self }));
    }
    this.#held.clear();
    this.#closed = true;
  }
}
