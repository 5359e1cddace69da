/**
 * SoftSpoken OT extension with k = 2: Roy, "SoftSpokenOT: Quieter OT
 * Extension from Small-Field Silent VOLE in the Minicrypt Model", CRYPTO 2022,
 * eprint 2022/192 (semi-honest, repetition code). It gives the same
 * correlated OT as IKNP (t_j = q_j ⊕ r_j·Δ, 128-bit rows) with half IKNP's
 * traffic: κ/k = 64 bits per OT instead of 128.
 *
 * Δ ∈ {0,1}^128 is cut into 64 chunks d_i of 2 bits. For each chunk the OT
 * receiver (here the VOLE sender) holds four seeds s_x (x = 0..3, the leaves
 * of a depth-2 GGM tree) and the OT sender all but s_{d_i}: 2 of the 128
 * Chou–Orlandi base OTs per chunk carry the tree (below). Per batch, each
 * seed is expanded by AES-128-CTR (one keystream per seed, as IKNP's column
 * generators) into r_x ∈ {0,1}^m, and
 *
 *   receiver: u_i = ⊕_x r_x,  v_i^b = ⊕_{x: bit b of x} r_x   (b = 0, 1),
 *             sends c_i = u_i ⊕ r (r: the m choice bits),
 *   sender:   w_i^b = ⊕_{x ≠ d_i: bit b of x⊕d_i} r_x ⊕ d_i^b·c_i,
 *
 * so w_i^b = v_i^b ⊕ d_i^b·r: columns 2i + b of the 128 × m matrices Q (= W)
 * and T (= V) differ by Δ_{2i+b}·r, and after the transpose q_j = t_j ⊕ r_j·Δ.
 * u_i hides r from the sender because it includes r_{d_i}, whose seed the
 * sender does not have; the receiver learns nothing about Δ from the base
 * OTs. Compared with IKNP the receiver expands 4 seeds per 2 columns (IKNP:
 * 2 per column, the same) and the sender 3 per 2 columns (IKNP: 1 per column).
 *
 * The punctured tree of chunk i (base OTs 2i and 2i + 1; the sender's base-OT
 * choices are ¬d_i^1 and ¬d_i^0): the receiver draws a root, G(root) =
 * (c_0, c_1), G(c_a) = (s_{2a}, s_{2a+1}), and sends, masked by the base-OT
 * keys, (c_0, c_1) under OT 2i and (s_0 ⊕ s_2, s_1 ⊕ s_3) under OT 2i + 1.
 * The sender gets c_{¬d^1}, hence s_{2¬d^1}, s_{2¬d^1+1}, and s_{¬d^0} ⊕
 * s_{2+¬d^0}, hence s_{2d^1+¬d^0}: every leaf but s_{2d^1+d^0} = s_{d_i}.
 * G(s) = AES_s(0) ‖ AES_s(1). One message 'P' of 64 bytes per chunk.
 */
import { createCipheriv } from 'node:crypto';
import { checkChunkRows, columnStride, DEFAULT_CHUNK_ROWS, KAPPA } from './_session.js';

/** 2-bit chunks of Δ: one small-field VOLE instance each. */
export const INSTANCES = KAPPA / 2;

const COUNTER_BLOCKS = new Uint8Array(32).fill(0, 0, 32);
COUNTER_BLOCKS[16] = 1;

/** The GGM length-doubling PRG: G(s) = AES_s(0) ‖ AES_s(1), 32 bytes. */
export function ggmExpand(seed: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-128-ecb', seed, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(cipher.update(COUNTER_BLOCKS));
}

/** Bytes of KernelArena a SoftSpoken side allocates at setup for chunks of `chunkRows` OTs. */
export function softSpokenWorkspaceBytes(
  role: 'sender' | 'receiver',
  chunkRows: number = DEFAULT_CHUNK_ROWS,
): number {
  checkChunkRows(chunkRows);
  const columnBytes = chunkRows / 8;
  const matrix = KAPPA * columnStride(columnBytes);
  const rows = 16 * chunkRows;
  return role === 'sender'
    ? matrix + rows + 4 * columnBytes + 1024
    : matrix + rows + 5 * columnBytes + INSTANCES * columnBytes + 1024;
}
