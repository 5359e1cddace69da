/**
 * The internal contract between the session multiplexer and a network
 * implementation: a `Link` is this party's end of the one connection to one
 * peer; a `LinkHost` finds or establishes links. The in-memory network and the
 * WebSocket network each implement both; the multiplexer does the rest.
 */
import type { PartyName } from '@parley/interface';
import type { FrameHeader } from './frame.js';

export interface Link {
  readonly peer: PartyName;
  /** False once the connection is gone; a closed link never opens again. */
  readonly open: boolean;
  /**
   * Queues one frame. The body is copied (or encoded) before this returns. The
   * promise resolves when the connection has room (buffered bytes below the
   * send high-water mark) and never rejects: a failed connection is reported
   * through `Multiplexer.linkDown`.
   */
  write(header: FrameHeader, body: Uint8Array): Promise<void>;
  /** Resolves once every frame written so far has left the process (or the link closed). */
  drained(): Promise<void>;
  /** Pauses (false) or resumes (true) reading frames from the peer. */
  setReading(on: boolean): void;
  /** Sequence number for the next control frame sent on this link. */
  nextControlSeq(): number;
}

export interface LinkHost {
  /** The open link to `peer`, if any. */
  currentLink(peer: PartyName): Link | undefined;
  /** The link to `peer`, waiting up to `timeoutMs` for it to be established (dialling if this side dials). */
  awaitLink(peer: PartyName, timeoutMs: number): Promise<Link>;
}

/** A promise that is already resolved, returned by writes that need not wait. */
export const RESOLVED: Promise<void> = Promise.resolve();
