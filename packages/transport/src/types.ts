/**
 * The public shapes of the transport: an `Endpoint` is one party's attachment
 * to the network; it opens `Session`s among named parties (many per
 * connection) and carries the node's own control messages. Engines see only
 * mpc-framework's boundary: a `send(to, bytes)` callback and
 * `handleMessage(from, bytes)` delivery (`Session.onMessage`), or, through the
 * receive queue, `await recv(from)` in order per sender.
 *
 * Both implementations (`MemoryNetwork`, `WsEndpoint`) satisfy these
 * interfaces and run the same contract tests.
 */
import type { ParleyError, PartyName, SendFn } from '@parley/interface';

/** Receives one message of a session or of the control channel. */
export type MessageHandler = (from: PartyName, bytes: Uint8Array) => void;

/** Traffic with one peer. Bytes are payload bytes (frame headers not counted). */
export interface PeerStats {
  messagesSent: number;
  bytesSent: number;
  messagesReceived: number;
  bytesReceived: number;
}

export interface SessionStats {
  /** Number of completed `flush()` calls: the session's current step. */
  step: number;
  /** Per peer, keyed by party name. */
  peers: Record<PartyName, PeerStats>;
  /** Sum over all peers. */
  total: PeerStats;
}

export interface RecvOptions {
  /** Rejects with `Timeout` (and ends the session) after this many ms; 0 waits forever. */
  timeoutMs?: number;
}

/** One protocol run among named parties, multiplexed over the endpoint's connections. */
export interface Session {
  readonly id: string;
  readonly self: PartyName;
  /** All parties of the session, including `self`, in the order given to `openSession`. */
  readonly parties: readonly PartyName[];
  /** `parties` without `self`. */
  readonly peers: readonly PartyName[];
  /**
   * Sends one message. `bytes` is copied before `send` returns, so the caller may
   * reuse its buffer at once. The promise resolves when the connection has room
   * (back-pressure: it waits while more than the high-water mark is buffered) and
   * rejects with the session's error once the session has ended, even while it
   * waits for room. It may be ignored (fire and forget); an ignored rejection is
   * never unhandled. A session that keeps sending to a peer while an earlier send
   * to it still waits may fill the connection's buffer up to 4 x the high-water
   * mark; past that it fails with `LimitExceeded`.
   */
  send(to: PartyName, bytes: Uint8Array): Promise<void>;
  /** `send` as mpc-framework's `send(to, bytes)` callback, for engines. */
  readonly sendFn: SendFn;
  /**
   * Delivers every message of the session to `handler` (an engine's
   * `handleMessage`) instead of the receive queue; messages already queued are
   * delivered first. A handler that throws ends the session with that error.
   *
   * With `holdUntilConsumed`, the bytes handed to `handler` still count
   * against their sender's receive high-water mark, as queued bytes do, until
   * `consumed(from, bytes)` gives them back: a consumer that passes messages
   * on (to a worker thread, say) keeps back-pressure on a sender that runs
   * ahead of it. Without it, delivered bytes stop counting at once.
   */
  onMessage(handler: MessageHandler, options?: { holdUntilConsumed?: boolean }): void;
  /**
   * Gives back one message of `bytes` from `from` that the handler's consumer
   * has taken (see `onMessage`); reading from `from` resumes below half the
   * high-water mark. More than is held is ignored; so is a call after the
   * session ended, which gives back everything it held.
   */
  consumed(from: PartyName, bytes: number): void;
  /**
   * The next message from `from`, in the order `from` sent them. Rejects with the
   * session's error once it has ended (a rejection nobody awaits is never reported
   * as unhandled: the error stays visible through `ended`).
   */
  recv(from: PartyName, options?: RecvOptions): Promise<Uint8Array>;
  /**
   * Resolves once everything this session has sent so far has left this process
   * (other sessions' traffic on the same connection is not waited for); ends the
   * current step. Rejects with the session's error if the session ends first; an
   * ignored rejection is never unhandled.
   */
  flush(): Promise<void>;
  /**
   * Ends the session normally: peers see `SessionClosed` for further receives
   * from this party; pending receives, sends and flushes here reject with
   * `SessionClosed`. Resolves (never rejects) once this session's frames have
   * left this process or their connection is gone, at once if the session had
   * already ended.
   */
  close(): Promise<void>;
  /** Ends the session with `error` here and on every other party. */
  abort(error: Error): void;
  stats(): SessionStats;
  /** True until the session has ended (closed or failed). */
  readonly isOpen: boolean;
  /** The error that ended the session, if it failed. */
  readonly error: ParleyError | undefined;
  /** Resolves when the session ends: with its error, or `undefined` after a normal close. Never rejects. */
  readonly ended: Promise<ParleyError | undefined>;
}

export interface SessionOptions {
  /** Default timeout of `recv` (ms, 0 = none). */
  recvTimeoutMs?: number;
  /** How long `openSession` waits for the connections to every peer (ms). */
  connectTimeoutMs?: number;
}

/** The node's own messages (proposals, approvals, ledger signatures) over the same connections. */
export interface ControlChannel {
  /** The largest message `send` takes, in bytes. */
  readonly maxMessageBytes: number;
  /** Sends one message, waiting for the connection to `to` if it is not up yet. */
  send(to: PartyName, bytes: Uint8Array): Promise<void>;
  /** Adds a handler; returns a function that removes it. Messages with no handler are dropped. */
  onMessage(handler: MessageHandler): () => void;
}

/** What an endpoint reports about its connections, for logs and metrics. No payloads, no secrets. */
export type EndpointEvent =
  | { type: 'link-up'; peer: PartyName }
  | { type: 'link-down'; peer: PartyName; error: ParleyError }
  | { type: 'peer-refused'; peer: PartyName | undefined; error: ParleyError }
  | { type: 'frame-rejected'; peer: PartyName; error: ParleyError }
  | { type: 'session-ended'; session: string; error: ParleyError | undefined };

export type EndpointListener = (event: EndpointEvent) => void;

/** One party's attachment to the network. */
export interface Endpoint {
  readonly self: PartyName;
  /** Every party this endpoint can reach (the consortium), including itself. */
  readonly parties: readonly PartyName[];
  /**
   * Opens session `id` among `parties` (which must include `self`). Resolves once
   * the connection to every peer is up; peers open the same id on their side.
   * Frames that arrive for an id before it is opened here are held for
   * `unknownSessionGraceMs`.
   */
  openSession(id: string, parties: readonly PartyName[], options?: SessionOptions): Promise<Session>;
  readonly control: ControlChannel;
  /** Subscribes to connection events; returns an unsubscribe function. */
  onEvent(listener: EndpointListener): () => void;
  /** Ends every session (`SessionClosed`), closes every connection and timer. */
  close(): Promise<void>;
}

/** Caps and timeouts of an endpoint. Defaults in `DEFAULT_LIMITS` (limits.ts). */
export interface TransportLimits {
  /**
   * Largest frame (header and body) accepted or sent; larger ends the session with
   * `FrameTooLarge`, and a frame larger still than this plus the header cap closes
   * the connection. Must be below 2^30 (`MAX_FRAME_BYTES_LIMIT`).
   */
  maxFrameBytes: number;
  /**
   * `send` waits while more than this many bytes are buffered on a connection;
   * sends that do not wait may take it to 4 times this, then fail with `LimitExceeded`.
   */
  sendHighWaterMark: number;
  /** Reading from a peer pauses while this many received bytes wait in receive queues. */
  receiveHighWaterMark: number;
  /**
   * Frames held per peer for sessions not yet opened here; each such session
   * counts at least 1 KiB, and at most 1,024 of them are held per peer.
   */
  pendingSessionBytes: number;
  /** How long frames for a session not yet opened here are held before the sender gets `UnknownSession`. */
  unknownSessionGraceMs: number;
  /** Default `recv` timeout (ms, 0 = none). */
  recvTimeoutMs: number;
  /** Time to establish the connections of a session or a control message (ms). */
  connectTimeoutMs: number;
  /** A peer silent for this long (no data, ping or pong) is disconnected (ms). */
  peerTimeoutMs: number;
  /**
   * A peer that reads nothing for this long while bytes wait to be written to
   * it (no write completes) is disconnected (ms). Longer than `peerTimeoutMs`:
   * a party whose engine is busy may pause reading for a while.
   */
  writeStallMs: number;
  /** Sessions open at once on one endpoint. */
  maxSessions: number;
}
