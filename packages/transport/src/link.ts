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
  /** Bytes handed to the connection and not yet written (what the high-water mark is compared with). */
  readonly outstanding: number;
  /**
   * Bytes queued on the link since it opened. Frames are written in order, so
   * a frame has been written once `written` reaches the value `queued` had
   * right after its `write`: that value is the frame's write mark.
   */
  readonly queued: number;
  /**
   * Queues one frame. The body is copied (or encoded) before this returns. The
   * promise resolves when the connection has room (buffered bytes below the
   * send high-water mark) and never rejects: a failed connection is reported
   * through `Multiplexer.linkDown`.
   */
  write(header: FrameHeader, body: Uint8Array): Promise<void>;
  /** Resolves once the frames up to write mark `mark` (see `queued`) have been written, or the link closed. */
  writtenTo(mark: number): Promise<void>;
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

/**
 * The callers of `Link.writtenTo` still waiting, kept in order of their
 * marks, so that each write that completes releases the ones it reached
 * without looking at the others.
 */
export class WriteMarks {
  readonly #marks: number[] = [];
  readonly #resolvers: Array<() => void> = [];

  /** Resolves once `advance` has reached `mark` (at once if `written` already has). */
  wait(mark: number, written: number): Promise<void> {
    if (written >= mark) return RESOLVED;
    let lo = 0;
    let hi = this.#marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#marks[mid] <= mark) lo = mid + 1;
      else hi = mid;
    }
    return new Promise((resolve) => {
      this.#marks.splice(lo, 0, mark);
      this.#resolvers.splice(lo, 0, resolve);
    });
  }

  /** `written` bytes have now been written: releases every waiter whose mark that reaches. */
  advance(written: number): void {
    let n = 0;
    while (n < this.#marks.length && this.#marks[n] <= written) n++;
    if (n === 0) return;
    this.#marks.splice(0, n);
    for (const resolve of this.#resolvers.splice(0, n)) resolve();
  }

  /** The link closed: nothing more will be written, so every waiter is released. */
  releaseAll(): void {
    this.#marks.length = 0;
    for (const resolve of this.#resolvers.splice(0)) resolve();
  }
}
