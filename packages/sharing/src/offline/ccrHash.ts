/**
 * The hash that turns IKNP correlated OT into random OT for the offline
 * phase: the circular-correlation-robust σ-MMO construction of Guo, Katz,
 * Wang, Yu, "Efficient and Secure Multiparty Computation from Fixed-Key Block
 * Ciphers", IEEE S&P 2020, eprint 2019/074 (the hash EMP-toolkit's
 * semi-honest IKNP uses):
 *
 *   H(x) = π(σ(x)) ⊕ σ(x),   σ(lo, hi) = (hi, lo ⊕ hi),   π = AES-128 under key k.
 *
 * One AES block per hash, against two for the tweakable TCCR hash of
 * packages/ot (which the malicious-receiver setting needs; here the receiver
 * is semi-honest and its t_j are pseudorandom, so correlation robustness
 * suffices, IKNP 2003). The key k is drawn by the sender of each pair
 * direction and sent at setup: a fresh random permutation per session, so no
 * computation done before the session helps an adversary across sessions.
 *
 * Pieces of 8192 blocks (128 KiB, node:crypto's fastest call size here) go
 * through one AES call each; σ and the final XOR run in WebAssembly
 * (@parley/kernels `ccrSigma`, `ccrSigmaPairs`, and the XOR fused into the
 * OLE kernels, which read π's output y beside its input x).
 */
import { InvalidArgument } from '@parley/interface';
import { ccrSigma, ccrSigmaPairs, type KernelArena } from '@parley/kernels';
import { FixedKeyAes } from '@parley/ot';

/** AES blocks per node:crypto call. */
export const PIECE_BLOCKS = 4096;

/** The hash inputs x and π's outputs y of one piece, in the caller's arena (shared by every hasher). */
export interface HashScratch {
  x: Uint8Array;
  y: Uint8Array;
}

export function allocHashScratch(arena: KernelArena): HashScratch {
  return { x: arena.alloc(16 * PIECE_BLOCKS, false), y: arena.alloc(16 * PIECE_BLOCKS, false) };
}

export class CcrHash {
  private readonly aes: FixedKeyAes;

  constructor(
    key: Uint8Array,
    private readonly scratch: HashScratch,
  ) {
    this.aes = new FixedKeyAes(key);
  }

  /** x = σ(rows_j), y = π(x) for `count` ≤ PIECE_BLOCKS rows (the receiver's t_j). */
  single(rows: Uint8Array, count: number): void {
    checkPiece(count, PIECE_BLOCKS);
    ccrSigma(this.scratch.x, rows, count);
    this.permute(count);
  }

  /**
   * x = (σ(q_j), σ(q_j) ⊕ σ(Δ)) pairs, y = π(x) for `count` ≤ PIECE_BLOCKS/2
   * rows (the sender's q_j; q_j ⊕ Δ is the other message of OT j).
   */
  pairs(rows: Uint8Array, count: number, sigmaDelta: Uint8Array): void {
    checkPiece(count, PIECE_BLOCKS / 2);
    ccrSigmaPairs(this.scratch.x, rows, sigmaDelta, count);
    this.permute(2 * count);
  }

  private permute(blocks: number): void {
    this.scratch.y.set(this.aes.permute(this.scratch.x.subarray(0, 16 * blocks)));
  }
}

function checkPiece(count: number, max: number): void {
  if (!Number.isSafeInteger(count) || count < 0 || count > max) {
    throw new InvalidArgument(`a hash piece holds 0..${max} rows, got ${count}`, { field: 'count' });
  }
}

/** σ(Δ) in `arena` (16 bytes): the sender's second hash input is σ(q_j) ⊕ σ(Δ). */
export function sigmaOf(delta: Uint8Array, arena: KernelArena): Uint8Array {
  const out = arena.alloc(16);
  out.set(delta);
  ccrSigma(out, out, 1);
  return out;
}
