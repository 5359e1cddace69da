/**
 * The shape both kinds of pairwise product share. A pair direction makes
 * shares of a_s·b_r for a batch of units (a Z_2^64 triple, or a word of 64
 * bit triples) from 64 correlated OTs per unit: the receiver's choice bits
 * are the 64 bits of b_r, the sender hashes q_j and q_j ⊕ Δ, the receiver t_j
 * (ccrHash.ts), and the sender sends one correction message per chunk.
 * gilboa.ts and bitProducts.ts fill in the arithmetic.
 */
import type { HashScratch } from './ccrHash.js';

export interface ProductKind {
  /** For error messages ('Gilboa corrections'). */
  readonly name: string;
  /** Tag of the correction message (_messages.ts). */
  readonly tag: number;
  /** Correction bytes per unit. */
  readonly unitBytes: number;
  /**
   * Sender, units [from, to) of a chunk of `units` (to − from ≤ 64): writes
   * share[from..to) and the corrections of those units into `body` (the chunk's
   * message body) from the hash pairs in `hash` (unit `from` first) and the
   * multiplicands a[from..to).
   */
  send(
    share: BigUint64Array,
    body: Uint8Array,
    units: number,
    from: number,
    to: number,
    hash: HashScratch,
    a: BigUint64Array,
  ): void;
  /** Receiver, units [from, to) (to − from ≤ 128), before the corrections: share[from..to) from its hashes. */
  receive(share: BigUint64Array, from: number, to: number, hash: HashScratch): void;
  /** Receiver, the chunk's corrections in `body`: share += b·d for all `units`. */
  correct(share: BigUint64Array, b: BigUint64Array, body: Uint8Array, units: number): void;
  /** c = a·b, the party's own term. */
  localProduct(c: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void;
  /** c = c + share (the cross terms). */
  combine(c: BigUint64Array, share: BigUint64Array): void;
}

/** Units per hash piece: the sender hashes 2 blocks per OT, the receiver 1 (PIECE_BLOCKS = 8192 blocks). */
export const SENDER_PIECE_UNITS = 32;
export const RECEIVER_PIECE_UNITS = 64;
