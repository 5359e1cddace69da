/**
 * What the online phase consumes: Beaver multiplication triples (Beaver,
 * "Efficient Multiparty Protocols Using Circuit Randomization", CRYPTO 1991),
 * as this party's additive shares. A source hands out fresh random triples in
 * batches; every party calls it in the same order with the same sizes.
 */

/** This party's additive shares of n Beaver triples over Z_2^64: Σa·Σb = Σc (mod 2^64). */
export interface ArithmeticTriples {
  a: BigUint64Array;
  b: BigUint64Array;
  c: BigUint64Array;
}

/** This party's XOR shares of `words`×64 bit-sliced boolean triples: (⊕a)&(⊕b) = ⊕c per bit. */
export interface BooleanTriples {
  a: BigUint64Array;
  b: BigUint64Array;
  c: BigUint64Array;
}

export interface TripleSource {
  arithmetic(n: number): Promise<ArithmeticTriples>;
  boolean(words: number): Promise<BooleanTriples>;
  /** Releases OT state; pending calls reject with the given error. */
  close(error?: Error): void;
}
