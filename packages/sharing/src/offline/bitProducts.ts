/**
 * Products of bits from random OT: the OT-based boolean multiplication
 * triples of Demmler, Schneider, Zohner, "ABY", NDSS 2015 (after Asharov,
 * Lindell, Schneider, Zohner, CCS 2013), on the same correlated OT as
 * gilboa.ts (SoftSpoken or IKNP extension), 64 products per word
 * (bit-sliced).
 *
 * The receiver's choice is its bit b; the sender's random-OT pair is
 * h0 = H(q), h1 = H(q ⊕ Δ) (bit 0 of ccrHash.ts's output), so h0 ⊕ h1 is a
 * random bit the receiver does not know and the receiver gets h_b = h0 ⊕
 * b·(h0 ⊕ h1). The sender sends d = h0 ⊕ h1 ⊕ a (one bit per OT: a is the
 * sender's own triple bit, the same towards every peer) and keeps h0; the
 * receiver keeps h_b ⊕ b·d = h0 ⊕ b·a. The shares XOR to a·b.
 */
import { and64, rotBitsCorrect, rotBitsReceive, rotBitsSend, xor64 } from '@parley/kernels';
import { TAG_BIT_PRODUCTS } from './_messages.js';
import type { ProductKind } from './products.js';

function words(body: Uint8Array, units: number): BigUint64Array {
  return new BigUint64Array(body.buffer, body.byteOffset, units);
}

export const bitProducts: ProductKind = {
  name: 'bit-product corrections',
  tag: TAG_BIT_PRODUCTS,
  unitBytes: 8,
  send(share, body, units, from, to, hash, a) {
    rotBitsSend(
      share.subarray(from, to),
      words(body, units).subarray(from, to),
      hash.x,
      hash.y,
      a.subarray(from, to),
    );
  },
  receive(share, from, to, hash) {
    rotBitsReceive(share.subarray(from, to), hash.x, hash.y);
  },
  correct(share, b, body, units) {
    rotBitsCorrect(share, b, words(body, units));
  },
  localProduct: and64,
  combine: (c, share) => xor64(c, c, share),
};
