/**
 * OT extension kept between garbled sessions with the same peer, as
 * EMP-toolkit keeps one per connection: the base OTs run once per peer and
 * role, and every later session continues the same IKNP extension (same Δ,
 * same PRG streams, the next OTs) and the same AND-gate tweak count, so no OT
 * and no tweak is ever used twice under one Δ. A session takes its peer's
 * context for its whole run and gives it back only when it succeeds; a failed
 * session drops it, and the next one starts afresh.
 *
 * Both parties must resume the same context: the session's HELLO carries the
 * context's id (fixed when it was created, from both parties' nonces), the
 * number of sessions it has served, its OT count and its tweak base, and a
 * session resumes only when the peer's are identical.
 *
 * Security: the evaluator of several sessions under one Δ sees what it would
 * see in one session of all their circuits (fresh zero labels per session),
 * which the half-gates proof covers (Zahur, Rosulek, Evans 2015).
 */
import type { IknpReceiver, IknpSender } from '@parley/ot';

export const CONTEXT_ID_BYTES = 16;

export interface OtContext {
  readonly id: Uint8Array;
  readonly role: 'garbler' | 'evaluator';
  readonly ot: IknpSender | IknpReceiver;
  /** Sessions served so far. */
  sessions: number;
  /** AND gates garbled under this context's Δ so far: the next session's tweak base. */
  andBase: number;
}

/** What a party says of its context in HELLO (all zero: none). */
export interface ContextClaim {
  id: Uint8Array;
  sessions: number;
  ots: number;
  andBase: number;
}

export const CLAIM_BYTES = CONTEXT_ID_BYTES + 4 + 8 + 8;

export function encodeClaim(c: ContextClaim | undefined): Uint8Array {
  const out = new Uint8Array(CLAIM_BYTES);
  if (!c) return out;
  out.set(c.id, 0);
  const v = new DataView(out.buffer);
  v.setUint32(CONTEXT_ID_BYTES, c.sessions, true);
  v.setFloat64(CONTEXT_ID_BYTES + 4, c.ots, true);
  v.setFloat64(CONTEXT_ID_BYTES + 12, c.andBase, true);
  return out;
}

export function claimOf(c: OtContext | undefined): ContextClaim | undefined {
  return c && { id: c.id, sessions: c.sessions, ots: c.ot.count, andBase: c.andBase };
}

/** Contexts by peer and role; one session holds a context at a time. */
export class OtContextStore {
  private readonly contexts = new Map<string, OtContext>();

  /** Takes the context for `peer` in `role` (the caller gives it back after a successful session). */
  take(peer: string, role: 'garbler' | 'evaluator'): OtContext | undefined {
    const key = `${role}\u0000${peer}`;
    const c = this.contexts.get(key);
    this.contexts.delete(key);
    return c;
  }

  give(peer: string, context: OtContext): void {
    this.contexts.set(`${context.role}\u0000${peer}`, context);
  }

  clear(): void {
    this.contexts.clear();
  }
}
