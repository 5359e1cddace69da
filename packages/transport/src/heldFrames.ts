/**
 * Frames that arrive for a session not yet opened here, held per sender
 * until it opens. Everything is per sender, so that no member can disturb
 * what another sent: each peer has its own byte budget
 * (`pendingSessionBytes`, each session counting at least `PENDING_ID_COST`),
 * at most `MAX_PENDING_IDS_PER_PEER` sessions held, and its own memory of the
 * sessions whose frames from it were dropped (refused, expired, lost with its
 * connection, or ended by a bad frame), so that opening one of them with that
 * peer as a party fails at once instead of waiting for frames that will not
 * come. One timer expires everything after `unknownSessionGraceMs`.
 */
import type { PartyName } from '@parley/interface';
import type { FrameHeader } from './frame.js';
import type { Link } from './link.js';
import type { TransportLimits } from './types.js';

/** Sessions not yet opened here that one peer may have frames held for at once. */
export const MAX_PENDING_IDS_PER_PEER = 1_024;
/** What each such session counts against `pendingSessionBytes` besides its frames: its bookkeeping. */
export const PENDING_ID_COST = 1_024;
/** What each held frame counts besides its body and session id. */
const FRAME_COST = 64;
/** Per peer, ids whose frames were dropped, remembered so that opening one with that peer fails at once. */
const MAX_LOST_PER_PEER = 1_024;

export interface HeldFrame {
  header: FrameHeader;
  body: Uint8Array;
}

/** The frames one peer sent, over `link`, for one session not yet opened here. */
export interface PendingFrames {
  link: Link;
  frames: HeldFrame[];
  /** What they count against the peer's `pendingSessionBytes`. */
  cost: number;
  /** performance.now() after which they are dropped and the peer is told. */
  expiresAt: number;
}

/** Why a peer's frames for a session were dropped before it opened here: an error's code and message. */
export interface Lost {
  code: string;
  message: string;
}

/** What is held from one peer. */
interface FromPeer {
  bytes: number;
  /** In order of arrival, hence of expiry. */
  pending: Map<string, PendingFrames>;
  lost: Map<string, Lost>;
}

export class HeldFrames {
  readonly #limits: TransportLimits;
  /** Told of held frames whose grace ran out (they are already dropped and marked lost). */
  readonly #onExpire: (peer: PartyName, id: string, pending: PendingFrames) => void;
  readonly #peers = new Map<PartyName, FromPeer>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(
    limits: TransportLimits,
    onExpire: (peer: PartyName, id: string, pending: PendingFrames) => void,
  ) {
    this.#limits = limits;
    this.#onExpire = onExpire;
  }

  #from(peer: PartyName): FromPeer {
    let p = this.#peers.get(peer);
    if (!p) {
      p = { bytes: 0, pending: new Map(), lost: new Map() };
      this.#peers.set(peer, p);
    }
    return p;
  }

  /**
   * Holds one frame from the peer of `link` for session `id`, or returns why
   * not. A refused sender's frames for `id` are all dropped (its frames would
   * have a gap) and the session is marked lost for it.
   */
  hold(link: Link, header: FrameHeader, body: Uint8Array): string | undefined {
    const id = header.session;
    const peer = link.peer;
    const from = this.#from(peer);
    if (from.lost.has(id)) return `earlier frames from '${peer}' for it were dropped`;
    let pending = from.pending.get(id);
    const cost = body.length + id.length + FRAME_COST + (pending ? 0 : PENDING_ID_COST);
    let why: string | undefined;
    if (this.#limits.unknownSessionGraceMs === 0) {
      why = 'frames for sessions not open are not held (unknownSessionGraceMs is 0)';
    } else if (from.bytes + cost > this.#limits.pendingSessionBytes) {
      why = `'${peer}' has more than pendingSessionBytes (${this.#limits.pendingSessionBytes}) held for sessions not open`;
    } else if (!pending && from.pending.size >= MAX_PENDING_IDS_PER_PEER) {
      why = `'${peer}' has frames held for ${MAX_PENDING_IDS_PER_PEER} sessions not open, the most allowed`;
    }
    if (why) {
      this.drop(peer, id, {
        code: 'UNKNOWN_SESSION',
        message: `frames from '${peer}' for session ${id} were refused before it opened here: ${why}`,
      });
      return why;
    }
    if (!pending) {
      pending = {
        link,
        frames: [],
        cost: 0,
        expiresAt: performance.now() + this.#limits.unknownSessionGraceMs,
      };
      from.pending.set(id, pending);
      this.#schedule(pending.expiresAt);
    }
    pending.frames.push({ header, body });
    pending.cost += cost;
    from.bytes += cost;
    return undefined;
  }

  /** Session `id` opens here: every peer's frames held for it, and why any peer's were dropped. */
  take(id: string): Array<{ peer: PartyName; pending: PendingFrames | undefined; lost: Lost | undefined }> {
    const out = [];
    for (const [peer, from] of this.#peers) {
      const pending = from.pending.get(id);
      const lost = from.lost.get(id);
      if (!pending && !lost) continue;
      if (pending) this.#forget(from, id, pending);
      from.lost.delete(id);
      out.push({ peer, pending, lost });
    }
    return out;
  }

  /** Drops `peer`'s frames for `id`, if any, and marks the session lost for it with `lost`. */
  drop(peer: PartyName, id: string, lost: Lost): void {
    const from = this.#from(peer);
    const pending = from.pending.get(id);
    if (pending) this.#forget(from, id, pending);
    from.lost.delete(id);
    from.lost.set(id, lost);
    if (from.lost.size > MAX_LOST_PER_PEER) from.lost.delete(from.lost.keys().next().value as string);
  }

  /** The connection behind `link` is gone: what came over it is lost; other peers' frames stay. */
  dropLink(link: Link): void {
    const peer = link.peer;
    for (const [id, pending] of this.#peers.get(peer)?.pending ?? []) {
      if (pending.link !== link) continue;
      this.drop(peer, id, {
        code: 'PEER_DISCONNECTED',
        message: `the connection to '${peer}' was lost while its frames for session ${id} waited to be opened here`,
      });
    }
  }

  /** Drops everything and stops the timer. */
  clear(): void {
    this.#peers.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #forget(from: FromPeer, id: string, pending: PendingFrames): void {
    from.pending.delete(id);
    from.bytes -= pending.cost;
  }

  /** One timer for every held session: it fires when the first of them expires. */
  #schedule(at: number): void {
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#sweep(), Math.max(1, Math.ceil(at - performance.now())));
    this.#timer.unref?.();
  }

  /** Expires every held session whose grace is over and sets the timer for the next one. */
  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const grace = this.#limits.unknownSessionGraceMs;
    let next = Number.POSITIVE_INFINITY;
    for (const [peer, from] of this.#peers) {
      for (const [id, pending] of from.pending) {
        if (pending.expiresAt > now + 1) {
          next = Math.min(next, pending.expiresAt);
          break;
        }
        this.drop(peer, id, {
          code: 'UNKNOWN_SESSION',
          message: `frames from '${peer}' for session ${id} were dropped: it was not opened here within ${grace} ms`,
        });
        this.#onExpire(peer, id, pending);
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next);
  }
}
