/**
 * Products over Z_2^64 from correlated OT: Gilboa, "Two Party RSA Key
 * Generation", CRYPTO 1999, on OT extension (SoftSpoken, Roy, CRYPTO 2022,
 * or IKNP, Ishai, Kilian, Nissim, Petrank, CRYPTO 2003: t_j = q_j ⊕ r_j·Δ),
 * as in the OT-based arithmetic multiplication triples of Demmler,
 * Schneider, Zohner, "ABY", NDSS 2015, including their truncation of the
 * correction of bit k to 64 − k bits.
 *
 * The sender holds a, the receiver b = Σ_k b_k·2^k. For each bit k the
 * receiver is the OT receiver with choice b_k; the sender's random-OT pair is
 * h0_k = H(q_k), h1_k = H(q_k ⊕ Δ), the receiver gets h_k = H(t_k) = h_{b_k}
 * (ccrHash.ts, low 64 bits). The sender sends d_k = h0_k − h1_k + a and keeps
 * −Σ_k h0_k·2^k; the receiver keeps Σ_k (h_k + b_k·d_k)·2^k, which is
 * Σ_k (h0_k + b_k·a)·2^k: the shares sum to a·b mod 2^64. Since the term of
 * bit k is multiplied by 2^k, only d_k mod 2^(64−k) matters and only those
 * 64 − k bits are sent: Σ_k (64 − k) = 2080 bits = 260 bytes per product
 * instead of 512 (packed by @parley/kernels `gilboaSend`: word w carries d_w
 * and d_{64−w}).
 */
import { add64, gilboaReceiveCorrect, gilboaReceiveHash, gilboaSend, mul64 } from '@parley/kernels';
import { TAG_GILBOA } from './_messages.js';
import type { HashScratch } from './ccrHash.js';
import type { ProductKind } from './products.js';

/** The correction words (32 per product) and the 32-bit d_32 of each, views of a chunk's message body. */
function corrections(body: Uint8Array, units: number): { words: BigUint64Array; low: Uint32Array } {
  return {
    words: new BigUint64Array(body.buffer, body.byteOffset, 32 * units),
    low: new Uint32Array(body.buffer, body.byteOffset + 256 * units, units),
  };
}

export const gilboaProducts: ProductKind = {
  name: 'Gilboa corrections',
  tag: TAG_GILBOA,
  unitBytes: 260,
  send(share, body, units, from, to, hash: HashScratch, a) {
    const { words, low } = corrections(body, units);
    gilboaSend(
      share.subarray(from, to),
      words.subarray(32 * from, 32 * to),
      low.subarray(from, to),
      hash.x,
      hash.y,
      a.subarray(from, to),
    );
  },
  receive(share, from, to, hash) {
    gilboaReceiveHash(share.subarray(from, to), hash.x, hash.y);
  },
  correct(share, b, body, units) {
    const { words, low } = corrections(body, units);
    gilboaReceiveCorrect(share, b, words, low);
  },
  localProduct: mul64,
  combine: (c, share) => add64(c, c, share),
};
