/**
 * Beaver triples as the online phase consumes them: a pool that hands out
 * consecutive slices of the triples the offline phase (./offline, pairwise
 * OT) made ahead by plan, so the online phase never waits on it.
 */
import { InternalError } from '@parley/interface';
import type { ArithmeticTriples, BooleanTriples, TripleSource } from './offline/index.js';

const slice = (t: ArithmeticTriples, from: number, to: number) => ({
  a: t.a.subarray(from, to),
  b: t.b.subarray(from, to),
  c: t.c.subarray(from, to),
});

/** Triples fetched ahead, handed out in order. */
export class TriplePool {
  private arithmeticAt = 0;
  private booleanAt = 0;

  constructor(
    private readonly arithmeticTriples: ArithmeticTriples,
    private readonly booleanTriples: BooleanTriples,
  ) {}

  /** Fetches the planned numbers of triples from `source`. */
  static async fill(source: TripleSource, multiplications: number, andWords: number): Promise<TriplePool> {
    const empty = { a: new BigUint64Array(0), b: new BigUint64Array(0), c: new BigUint64Array(0) };
    const arithmetic = multiplications > 0 ? await source.arithmetic(multiplications) : empty;
    const boolean = andWords > 0 ? await source.boolean(andWords) : empty;
    return new TriplePool(arithmetic, boolean);
  }

  arithmetic(n: number): ArithmeticTriples {
    const from = this.arithmeticAt;
    if (from + n > this.arithmeticTriples.a.length) {
      throw new InternalError(
        `the preprocessing plan has ${this.arithmeticTriples.a.length} multiplication triples; the online phase wants more`,
      );
    }
    this.arithmeticAt += n;
    return slice(this.arithmeticTriples, from, from + n);
  }

  boolean(words: number): BooleanTriples {
    const from = this.booleanAt;
    if (from + words > this.booleanTriples.a.length) {
      throw new InternalError(
        `the preprocessing plan has ${this.booleanTriples.a.length} words of AND triples; the online phase wants more`,
      );
    }
    this.booleanAt += words;
    return slice(this.booleanTriples, from, from + words);
  }
}
