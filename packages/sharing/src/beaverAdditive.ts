/**
 * n-party additive secret sharing, semi-honest, dishonest majority (any n−1
 * parties may collude): x = Σ x_j over Z_2^64 (⊕ over Z_2, bit-sliced).
 *
 * - Multiplication with Beaver triples (Beaver, "Efficient Multiparty
 *   Protocols Using Circuit Randomization", CRYPTO 1991): open d = x − a and
 *   e = y − b (one round, every party to every other), then
 *   z_j = c_j + d·b_j + e·a_j (+ d·e on party 0). The triples come from the
 *   offline phase (pairwise OT, ./offline), fetched ahead by plan.
 * - Input: the owner's share is x − Σ_j F(s_{owner,j}), party j's share is
 *   F(s_{owner,j}), with pairwise PRG seeds agreed at setup: no round.
 * - Truncation, two parties: SecureML's local rule (Mohassel–Zhang, S&P 2017,
 *   eprint 2017/396): party 0 takes ⌊x_0/2^d⌋, party 1 −⌊−x_1/2^d⌋; with
 *   |x| < 2^ℓ the sum is ⌊x/2^d⌋ + {0, 1} except with probability 2^(ℓ+1−64).
 * - Truncation, n > 2 parties: a pair (r, r') from 64 shared random bits and
 *   the opened c = x + 2^62 + r (Escudero, Ghosh, Keller, Rachuri, Scholl,
 *   CRYPTO 2020 §5.1, with the top bit handled apart): ⌊x/2^d⌋ + {0, 1}
 *   whenever |x| < 2^62, never worse.
 * - Bit injection: [b] = [⊕_j b_j] by u ⊕ v = u + v − 2uv over a tree of the
 *   parties' own bits (⌈log2 n⌉ rounds).
 *
 * Constructed with `shapeOnly`, the same protocol runs without data: the dry
 * run that sizes the preprocessing (plan.ts).
 */

import { type RandomSource, randomBytes, SeededPrg } from '@parley/crypto';
import { InternalError } from '@parley/interface';
import { add64, and64, beaverMul64, sub64, xor64 } from './_kernels.js';
import { neg64, planesToValues, shiftRight64, slice64, u32, wordsFor } from './_words.js';
import { MAX_TRUNCATION, type SchemeCounters, type ShareBackend } from './backend.js';
import { bitsToIntsByAdder } from './conversions.js';
import { scaleBy } from './operands.js';
import { done, exchange, type Proto, parallel } from './protocol.js';
import {
  addInts,
  addPublic,
  type Bits,
  gatherPlanes,
  Ints,
  packPlanes,
  planesOf,
  scaleInts,
  subInts,
  unpackPlanes,
} from './shares.js';
import type { TriplePool } from './triples.js';
import { sendable } from './wire.js';

const bytesOf = (a: BigUint64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function draw(prg: RandomSource, words: number): BigUint64Array {
  const out = new BigUint64Array(words);
  prg.fill(bytesOf(out));
  return out;
}

export class BeaverAdditive implements ShareBackend {
  readonly protocol = 'additive' as const;
  readonly partCount: number;
  readonly constPart: number;
  readonly counters: SchemeCounters = { multiplications: 0, andWords: 0, andGates: 0 };
  private readonly peers: number[];
  private pool: TriplePool | undefined;

  private constructor(
    readonly me: number,
    readonly parties: number,
    /** PRG shared with each other party (empty in a dry run). */
    private readonly pairs: ReadonlyMap<number, RandomSource>,
    private readonly shapeOnly: boolean,
  ) {
    this.partCount = shapeOnly ? 0 : 1;
    this.constPart = !shapeOnly && me === 0 ? 0 : -1;
    this.peers = Array.from({ length: parties }, (_, j) => j).filter((j) => j !== me);
  }

  /** Agrees a PRG seed with every other party (one round: the lower index sends it). */
  static *setup(me: number, parties: number): Proto<BeaverAdditive> {
    const sends: Array<[number, BigUint64Array]> = [];
    const seeds = new Map<number, BigUint64Array>();
    for (let j = me + 1; j < parties; j++) {
      const seed = new BigUint64Array(randomBytes(16).buffer);
      seeds.set(j, seed);
      sends.push([j, seed]);
    }
    const lower = Array.from({ length: me }, (_, j) => j);
    const got = yield* exchange({
      sends,
      recvs: lower.map((j) => [j, 2] as const),
      finish: (r) => r.map((x) => x.slice()),
    });
    lower.forEach((j, k) => {
      seeds.set(j, got[k]);
    });
    const prgs = new Map<number, RandomSource>();
    for (const [j, seed] of seeds) prgs.set(j, new SeededPrg(bytesOf(seed)));
    return new BeaverAdditive(me, parties, prgs, false);
  }

  /** The data-free twin that counts what a run consumes. */
  static shape(me: number, parties: number): BeaverAdditive {
    return new BeaverAdditive(me, parties, new Map(), true);
  }

  /** Triples for the online phase (fetched by plan). */
  useTriples(pool: TriplePool): void {
    this.pool = this.shapeOnly ? undefined : pool;
  }

  private triples(): TriplePool {
    if (!this.pool) throw new InternalError('no triples: the offline phase has not run');
    return this.pool;
  }

  private ownShare(
    owner: number,
    words: number,
    values: BigUint64Array | undefined,
    combine: typeof sub64,
  ): BigUint64Array {
    if (this.me !== owner) return draw(this.pairs.get(owner) as RandomSource, words);
    const share = (values as BigUint64Array).slice();
    for (const j of this.peers) combine(share, share, draw(this.pairs.get(j) as RandomSource, words));
    return share;
  }

  *inputInts(owner: number, n: number, values: BigUint64Array | undefined): Proto<Ints> {
    if (this.shapeOnly) return yield* done(new Ints(n, []));
    return yield* done(new Ints(n, [this.ownShare(owner, n, values, sub64)]));
  }

  *inputBits(owner: number, count: number, lanes: number, planes: BigUint64Array | undefined): Proto<Bits> {
    if (this.shapeOnly) return yield* done(planesOf([], count, lanes));
    return yield* done(
      planesOf([this.ownShare(owner, count * wordsFor(lanes), planes, xor64)], count, lanes),
    );
  }

  /** Sends `words` to every peer and returns the sum (or XOR) of everyone's. */
  private *openToAll(words: BigUint64Array, combine: typeof add64): Proto<BigUint64Array> {
    const size = words.length;
    return yield* exchange({
      sends: this.peers.map((j) => [j, words] as const),
      recvs: this.peers.map((j) => [j, size] as const),
      finish: (got) => {
        const sum = words.slice();
        for (const g of got) combine(sum, sum, g);
        return sum;
      },
    });
  }

  *mul(x: Ints, y: Ints): Proto<Ints> {
    const n = x.n;
    this.counters.multiplications += n;
    if (this.shapeOnly) {
      yield* exchange({ sends: [], recvs: [], finish: () => undefined });
      return new Ints(n, []);
    }
    const t = this.triples().arithmetic(n);
    const de = sendable(2 * n);
    sub64(de.subarray(0, n), x.parts[0], t.a);
    sub64(de.subarray(n), y.parts[0], t.b);
    const opened = yield* this.openToAll(de, add64);
    const z = new BigUint64Array(n);
    beaverMul64(z, t.a, t.b, t.c, opened.subarray(0, n), opened.subarray(n), this.me === 0);
    return new Ints(n, [z]);
  }

  *and(x: Bits, y: Bits): Proto<Bits> {
    if (x.length === 0) return yield* done([]);
    const lanes = x[0].lanes;
    if (this.shapeOnly) {
      yield* this.andPacked([], [], lanes * x.length);
      return planesOf([], x.length, lanes);
    }
    const z = yield* this.andPacked(packPlanes(this, x), packPlanes(this, y), lanes * x.length);
    return unpackPlanes(z, x.length, lanes);
  }

  /** In a dry run the blocks are empty and `gates` alone sizes the triples. */
  *andPacked(x: BigUint64Array[], y: BigUint64Array[], gates: number): Proto<BigUint64Array[]> {
    const total = this.shapeOnly ? wordsFor(gates) : x[0].length;
    this.counters.andWords += total;
    this.counters.andGates += gates;
    if (this.shapeOnly) {
      yield* exchange({ sends: [], recvs: [], finish: () => undefined });
      return [];
    }
    const t = this.triples().boolean(total);
    const [xs] = x;
    const [ys] = y;
    const de = sendable(2 * total);
    xor64(de.subarray(0, total), xs, t.a);
    xor64(de.subarray(total), ys, t.b);
    const opened = yield* this.openToAll(de, xor64);
    const d = opened.subarray(0, total);
    const e = opened.subarray(total);
    // z = c ⊕ d∧b ⊕ e∧a (⊕ d∧e on party 0)
    const z = t.c.slice();
    const tmp = new BigUint64Array(total);
    and64(tmp, d, t.b);
    xor64(z, z, tmp);
    and64(tmp, e, t.a);
    xor64(z, z, tmp);
    if (this.me === 0) {
      and64(tmp, d, e);
      xor64(z, z, tmp);
    }
    return [z];
  }

  private *open(
    share: BigUint64Array | undefined,
    size: number,
    to: readonly number[],
    combine: typeof add64,
  ): Proto<BigUint64Array | undefined> {
    const mine = share ?? new BigUint64Array(0);
    return yield* exchange({
      sends: this.shapeOnly ? [] : to.filter((r) => r !== this.me).map((r) => [r, mine] as const),
      recvs: this.shapeOnly || !to.includes(this.me) ? [] : this.peers.map((j) => [j, size] as const),
      finish: (got) => {
        if (!to.includes(this.me)) return undefined;
        const sum = mine.slice();
        for (const g of got) combine(sum, sum, g);
        return sum;
      },
    });
  }

  *openInts(x: Ints, to: readonly number[]): Proto<BigUint64Array | undefined> {
    return yield* this.open(x.parts[0], x.n, to, add64);
  }

  *openBits(x: Bits, to: readonly number[]): Proto<BigUint64Array | undefined> {
    const words = x.length > 0 ? x[0].words : 0;
    const [block] = gatherPlanes(this, x, words);
    return yield* this.open(block, x.length * words, to, xor64);
  }

  /** Party j's share is addend j (others hold zeros there); with two parties, party 1 may negate its share. */
  *addends(x: Ints, negateLast = false): Proto<{ addends: Bits[]; negated: boolean }> {
    const words = wordsFor(x.n);
    const negated = negateLast && this.parties === 2;
    let mine: BigUint64Array | undefined;
    if (!this.shapeOnly) {
      let share = x.parts[0];
      if (negated && this.me === 1) {
        share = new BigUint64Array(x.n);
        neg64(share, x.parts[0]);
      }
      mine = slice64(share, x.n, 64);
    }
    const zero = this.shapeOnly ? undefined : new BigUint64Array(64 * words);
    const addends = Array.from({ length: this.parties }, (_, j) =>
      planesOf(
        this.shapeOnly ? [] : [j === this.me ? (mine as BigUint64Array) : (zero as BigUint64Array)],
        64,
        x.n,
      ),
    );
    return yield* done({ addends, negated });
  }

  *truncate(x: Ints, d: number): Proto<Ints> {
    if (this.parties === 2) {
      if (this.shapeOnly) return yield* done(new Ints(x.n, []));
      const y = new BigUint64Array(x.n);
      if (this.me === 0) shiftRight64(y, x.parts[0], d);
      else {
        neg64(y, x.parts[0]);
        shiftRight64(y, y, d);
        neg64(y, y);
      }
      return yield* done(new Ints(x.n, [y]));
    }
    return yield* this.truncateWithPair(x, d);
  }

  /**
   * Escudero et al.'s truncation with a pair made from 64 shared random bits
   * r_i: r = Σ 2^i r_i and rHigh = Σ_{d ≤ i < 63} 2^(i−d) r_i by two B2As
   * through boolean adders, r_63 by bit injection, all in parallel.
   */
  private *truncateWithPair(x: Ints, d: number): Proto<Ints> {
    if (!Number.isInteger(d) || d < 1 || d > MAX_TRUNCATION)
      throw new InternalError(`a truncation by ${d} bits (1..${MAX_TRUNCATION} at once)`);
    const n = x.n;
    const bits = this.randomPlanes(64, n);
    const [r, rHigh, r63] = yield* parallel([
      bitsToIntsByAdder(this, bits, n, false),
      bitsToIntsByAdder(this, bits.slice(d, 63), n, false),
      this.bitsToInts(bits.slice(63), n),
    ]);
    const masked = addPublic(this, addInts(x, r), 1n << 62n);
    const c =
      (yield* this.openInts(
        masked,
        Array.from({ length: this.parties }, (_, j) => j),
      )) ?? new BigUint64Array(0);
    if (this.shapeOnly) return new Ints(n, []);
    // v63 = c63 ⊕ r63 = c63 + (1 − 2·c63)·r63, and (c mod 2^63) >> d
    const top = new BigUint64Array(n);
    const flip = new BigUint64Array(n);
    const low = c.slice();
    const cw = u32(c);
    const tw = u32(top);
    const fw = u32(flip);
    const lw = u32(low);
    for (let i = 0; i < n; i++) {
      const c63 = cw[2 * i + 1] >>> 31;
      tw[2 * i] = c63;
      fw[2 * i] = c63 ? 0xffffffff : 1;
      fw[2 * i + 1] = c63 ? 0xffffffff : 0;
      lw[2 * i + 1] &= 0x7fffffff;
    }
    shiftRight64(low, low, d);
    const v63 = addPublic(this, scaleBy(r63, flip), top);
    let y = subInts(addPublic(this, scaleInts(v63, 1n << BigInt(63 - d)), low), rHigh);
    y = addPublic(this, y, BigInt.asUintN(64, -(1n << BigInt(62 - d))));
    return y;
  }

  *bitsToInts(planes: Bits, n: number): Proto<Ints> {
    const count = planes.length;
    const size = count * n;
    let values: BigUint64Array | undefined;
    if (!this.shapeOnly) {
      const [block] = gatherPlanes(this, planes, wordsFor(n));
      values = planesToValues(block, count, wordsFor(n), n);
    }
    // Party j's bits as a sharing held by j alone.
    let layer = Array.from(
      { length: this.parties },
      (_, j) =>
        new Ints(
          size,
          this.shapeOnly ? [] : [j === this.me ? (values as BigUint64Array) : new BigUint64Array(size)],
        ),
    );
    while (layer.length > 1) {
      const pairs = Math.floor(layer.length / 2);
      const products = yield* parallel(
        Array.from({ length: pairs }, (_, q) => this.mul(layer[2 * q], layer[2 * q + 1])),
      );
      const next = products.map((uv, q) =>
        subInts(addInts(layer[2 * q], layer[2 * q + 1]), scaleInts(uv, 2n)),
      );
      if (layer.length % 2 === 1) next.push(layer[layer.length - 1]);
      layer = next;
    }
    return layer[0];
  }

  randomInts(n: number): Ints {
    return new Ints(n, this.shapeOnly ? [] : [new BigUint64Array(randomBytes(8 * n).buffer)]);
  }

  randomPlanes(count: number, lanes: number): Bits {
    if (this.shapeOnly) return planesOf([], count, lanes);
    return planesOf([new BigUint64Array(randomBytes(8 * count * wordsFor(lanes)).buffer)], count, lanes);
  }
}
