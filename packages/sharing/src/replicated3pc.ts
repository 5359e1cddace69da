/**
 * Three-party replicated secret sharing, semi-honest, honest majority:
 * Araki, Furukawa, Lindell, Nof, Ohara, "High-Throughput Semi-Honest Secure
 * Three-Party Computation with an Honest Majority", CCS 2016 (eprint
 * 2016/768), over Z_2^64 and Z_2 as in Mohassel–Rindal, "ABY3", CCS 2018
 * (eprint 2018/403).
 *
 * x = x_0 + x_1 + x_2 (XOR for bits); party i holds (x_i, x_{i+1}). Party i
 * and party i−1 share the PRG key k_i (party i sends a fresh key to its
 * predecessor at setup), so party i holds k_i and k_{i+1}:
 * - correlated zero shares α_i = F(k_i) − F(k_{i+1}) (Σ α_i = 0);
 * - multiplication: z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i + α_i, sent to
 *   party i−1: one ring element per party per product, one round;
 * - input by party p: x_p = F(k_p), x_{p+1} = F(k_{p+1}), and x_{p+2} sent
 *   to both others;
 * - truncation (ABY3 §5.1, with SecureML's local rule): parties 0 and 1 hold
 *   a two-out-of-two sharing (x_0 + x_1, x_2) and truncate it locally; party 0
 *   re-shares its part with a mask from k_1: one element, party 0 to party 2.
 *   With |x| < 2^ℓ the result is ⌊x/2^d⌋ + {0, 1} except with probability
 *   at most 2^(ℓ+1−64) (Mohassel–Zhang, SecureML, Theorem 1).
 * Any single party sees only uniformly random values; two colluding parties
 * learn everything (honest majority).
 */
import { type RandomSource, randomBytes, SeededPrg } from '@parley/crypto';
import { KernelArena, MAX_ARENA_BYTES } from '@parley/kernels';
import { add64, crossMul64, sub64 } from './_kernels.js';
import { crossAnd64, neg64, planesToValues, shiftRight64, slice64, wordsFor, xorWords } from './_words.js';
import type { SchemeCounters, ShareBackend } from './backend.js';
import { exchange, type Proto } from './protocol.js';
import {
  addInts,
  type Bits,
  gatherPlanes,
  Ints,
  packPlanes,
  planesOf,
  scaleInts,
  subInts,
  unpackPlanes,
} from './shares.js';
import { sendable } from './wire.js';

const bytesOf = (a: BigUint64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** From this many elements a product runs in a kernel arena (below, the copies in cost more than they save). */
const ARENA_MIN_WORDS = 1 << 14;

/**
 * One arena per thread for the local step of products, shared by every
 * session (each use is synchronous: reset, fill, compute, copy out), kept
 * between products so its pages stay mapped.
 */
let arena: KernelArena | undefined;

function productArena(bytes: number): KernelArena {
  if (!arena || arena.size < bytes)
    arena = new KernelArena(Math.min(MAX_ARENA_BYTES, Math.max(bytes, 1 << 20)));
  arena.reset();
  return arena;
}

/** `words` words from the PRG, in an array that can be sent as it is (wire.ts `sendable`). */
function draw(prg: RandomSource, words: number): BigUint64Array {
  const out = sendable(words);
  prg.fill(bytesOf(out));
  return out;
}

export class Replicated3pc implements ShareBackend {
  readonly protocol = 'replicated' as const;
  readonly parties = 3;
  readonly partCount = 2;
  readonly constPart: number;
  readonly counters: SchemeCounters = { multiplications: 0, andWords: 0, andGates: 0 };
  private readonly prev: number;
  private readonly next: number;
  /** Reused between products (never part of a share). */
  private scratchWords = new BigUint64Array(0);

  private constructor(
    readonly me: number,
    /** Key k_me, shared with the predecessor. */
    private readonly own: RandomSource,
    /** Key k_{me+1}, shared with the successor. */
    private readonly succ: RandomSource,
  ) {
    this.prev = (me + 2) % 3;
    this.next = (me + 1) % 3;
    // Component 0 is part 0 of party 0 and part 1 of party 2.
    this.constPart = me === 0 ? 0 : me === 2 ? 1 : -1;
  }

  /** Agrees the PRG keys (one round): a fresh key to the predecessor, the successor's key in return. */
  static *setup(me: number): Proto<Replicated3pc> {
    const mine = new BigUint64Array(randomBytes(16).buffer);
    const theirs = yield* exchange({
      sends: [[(me + 2) % 3, mine]],
      recvs: [[(me + 1) % 3, 2]],
      finish: (r) => r[0].slice(),
    });
    return new Replicated3pc(me, new SeededPrg(bytesOf(mine)), new SeededPrg(bytesOf(theirs)));
  }

  private scratch(n: number): BigUint64Array {
    if (this.scratchWords.length < n) this.scratchWords = new BigUint64Array(n);
    return this.scratchWords.subarray(0, n);
  }

  *inputInts(owner: number, n: number, values: BigUint64Array | undefined): Proto<Ints> {
    if (this.me === owner) {
      const a = draw(this.own, n);
      const b = draw(this.succ, n);
      const c = sendable(n);
      sub64(c, values as BigUint64Array, a);
      sub64(c, c, b);
      yield* exchange({
        sends: [
          [this.next, c],
          [this.prev, c],
        ],
        recvs: [],
        finish: () => undefined,
      });
      return new Ints(n, [a, b]);
    }
    const mine = this.me === (owner + 1) % 3 ? draw(this.own, n) : draw(this.succ, n);
    const c = yield* exchange({ sends: [], recvs: [[owner, n]], finish: (r) => r[0] });
    return new Ints(n, this.me === (owner + 1) % 3 ? [mine, c] : [c, mine]);
  }

  *inputBits(owner: number, count: number, lanes: number, planes: BigUint64Array | undefined): Proto<Bits> {
    const total = count * wordsFor(lanes);
    let parts: BigUint64Array[];
    if (this.me === owner) {
      const a = draw(this.own, total);
      const b = draw(this.succ, total);
      const c = sendable(total);
      xorWords(c, planes as BigUint64Array, a);
      xorWords(c, c, b);
      yield* exchange({
        sends: [
          [this.next, c],
          [this.prev, c],
        ],
        recvs: [],
        finish: () => undefined,
      });
      parts = [a, b];
    } else {
      const successor = this.me === (owner + 1) % 3;
      const mine = successor ? draw(this.own, total) : draw(this.succ, total);
      const c = yield* exchange({ sends: [], recvs: [[owner, total]], finish: (r) => r[0] });
      parts = successor ? [mine, c] : [c, mine];
    }
    return planesOf(parts, count, lanes);
  }

  *mul(x: Ints, y: Ints): Proto<Ints> {
    const n = x.n;
    this.counters.multiplications += n;
    const z = n >= ARENA_MIN_WORDS ? this.productInArena(x, y) : this.product(x, y);
    const got = yield* exchange({ sends: [[this.prev, z]], recvs: [[this.next, n]], finish: (r) => r[0] });
    return new Ints(n, [z, got]);
  }

  /** z = F(k_me) − F(k_me+1) + x0·y0 + x0·y1 + x1·y0 (the local step of a product). */
  private product(x: Ints, y: Ints): BigUint64Array {
    const z = draw(this.own, x.n);
    const t = this.scratch(x.n);
    this.succ.fill(bytesOf(t));
    sub64(z, z, t);
    crossMul64(t, x.parts[0], x.parts[1], y.parts[0], y.parts[1]);
    add64(z, z, t);
    return z;
  }

  /** The same in a kernel arena, so every kernel runs in WebAssembly in place (the operands copied in once). */
  private productInArena(x: Ints, y: Ints): BigUint64Array {
    const n = x.n;
    const A = productArena(7 * (8 * n + 64));
    const words = () => {
      const b = A.alloc(8 * n, false);
      return new BigUint64Array(b.buffer, b.byteOffset, n);
    };
    const [x0, x1, y0, y1] = [x.parts[0], x.parts[1], y.parts[0], y.parts[1]].map((p) => {
      const w = words();
      w.set(p);
      return w;
    });
    const z = words();
    const t = words();
    this.own.fill(bytesOf(z));
    this.succ.fill(bytesOf(t));
    sub64(z, z, t);
    crossMul64(t, x0, x1, y0, y1);
    add64(z, z, t);
    const out = sendable(n);
    out.set(z);
    return out;
  }

  *and(x: Bits, y: Bits): Proto<Bits> {
    if (x.length === 0) return [];
    const lanes = x[0].lanes;
    const z = yield* this.andPacked(packPlanes(this, x), packPlanes(this, y), lanes * x.length);
    return unpackPlanes(z, x.length, lanes);
  }

  *andPacked([x0, x1]: BigUint64Array[], [y0, y1]: BigUint64Array[], gates: number): Proto<BigUint64Array[]> {
    const total = x0.length;
    this.counters.andWords += total;
    this.counters.andGates += gates;
    const z = draw(this.own, total);
    const t = this.scratch(total);
    this.succ.fill(bytesOf(t));
    xorWords(z, z, t);
    crossAnd64(t, x0, x1, y0, y1);
    xorWords(z, z, t);
    const got = yield* exchange({
      sends: [[this.prev, z]],
      recvs: [[this.next, total]],
      finish: (r) => r[0],
    });
    return [z, got];
  }

  /** Recipient r misses component r+2, which party r+1 holds as its part 1. */
  private *open(parts: BigUint64Array[], to: readonly number[]): Proto<BigUint64Array | undefined> {
    const sends: Array<[number, BigUint64Array]> = [];
    if (to.includes(this.prev)) sends.push([this.prev, parts[1]]);
    const words = parts[0].length;
    const missing = yield* exchange({
      sends,
      recvs: to.includes(this.me) ? [[this.next, words]] : [],
      finish: (r) => r[0],
    });
    return missing;
  }

  *openInts(x: Ints, to: readonly number[]): Proto<BigUint64Array | undefined> {
    const missing = yield* this.open(x.parts, to);
    if (!missing) return undefined;
    const out = new BigUint64Array(x.n);
    add64(out, x.parts[0], x.parts[1]);
    add64(out, out, missing);
    return out;
  }

  *openBits(x: Bits, to: readonly number[]): Proto<BigUint64Array | undefined> {
    if (x.length === 0) return to.includes(this.me) ? new BigUint64Array(0) : undefined;
    const words = x[0].words;
    const [p0, p1] = gatherPlanes(this, x, words);
    const missing = yield* this.open([p0, p1], to);
    if (!missing) return undefined;
    xorWords(p0, p0, p1);
    xorWords(p0, p0, missing);
    return p0;
  }

  /**
   * x = (x_0 + x_1) + x_2: party 0 inputs x_0 + x_1 as bits (one round);
   * x_2, known to parties 1 and 2, is component 2 of a boolean sharing as it
   * stands (negated for free on request).
   */
  *addends(x: Ints, negateLast = false): Proto<{ addends: Bits[]; negated: boolean }> {
    const n = x.n;
    const words = wordsFor(n);
    let mine: BigUint64Array | undefined;
    if (this.me === 0) {
      const u = new BigUint64Array(n);
      add64(u, x.parts[0], x.parts[1]);
      mine = slice64(u, n, 64);
    }
    const first = yield* this.inputBits(0, 64, n, mine);
    const zero = new BigUint64Array(64 * words);
    let parts: BigUint64Array[] = [zero, zero];
    if (this.me !== 0) {
      let v = this.me === 1 ? x.parts[1] : x.parts[0];
      if (negateLast) {
        const w = new BigUint64Array(n);
        neg64(w, v);
        v = w;
      }
      const planes = slice64(v, n, 64);
      parts = this.me === 1 ? [zero, planes] : [planes, zero];
    }
    return { addends: [first, planesOf(parts, 64, n)], negated: negateLast };
  }

  *truncate(x: Ints, d: number): Proto<Ints> {
    const n = x.n;
    // Party 0 keeps R (from k_1, shared with party 1) and sends ⌊(x_0 + x_1)/2^d⌋ − R to party 2.
    if (this.me === 0) {
      const a = sendable(n);
      add64(a, x.parts[0], x.parts[1]);
      shiftRight64(a, a, d);
      const r = draw(this.succ, n);
      sub64(a, a, r);
      yield* exchange({ sends: [[2, a]], recvs: [], finish: () => undefined });
      return new Ints(n, [a, r]);
    }
    // Parties 1 and 2 both hold x_2 and compute −⌊(−x_2)/2^d⌋.
    const b = new BigUint64Array(n);
    neg64(b, this.me === 1 ? x.parts[1] : x.parts[0]);
    shiftRight64(b, b, d);
    neg64(b, b);
    if (this.me === 1) {
      const r = draw(this.own, n);
      yield* exchange({ sends: [], recvs: [], finish: () => undefined });
      return new Ints(n, [r, b]);
    }
    const a = yield* exchange({ sends: [], recvs: [[0, n]], finish: (r) => r[0] });
    return new Ints(n, [b, a]);
  }

  /**
   * b = (b_0 ⊕ b_1) ⊕ b_2: party 0 inputs t = b_0 ⊕ b_1 as ring elements, and
   * t ⊕ b_2 = t + b_2 − 2·t·b_2 (two rounds).
   */
  *bitsToInts(planes: Bits, n: number): Proto<Ints> {
    const count = planes.length;
    const words = wordsFor(n);
    let t: BigUint64Array | undefined;
    if (this.me === 0) {
      const [p0, p1] = gatherPlanes(this, planes, words);
      xorWords(p0, p0, p1);
      t = planesToValues(p0, count, words, n);
    }
    const shared = yield* this.inputInts(0, count * n, t);
    const zero = new BigUint64Array(count * n);
    let parts: BigUint64Array[] = [zero, zero];
    if (this.me !== 0) {
      const [p0, p1] = gatherPlanes(this, planes, words);
      const b2 = planesToValues(this.me === 1 ? p1 : p0, count, words, n);
      parts = this.me === 1 ? [zero, b2] : [b2, zero];
    }
    const b2 = new Ints(count * n, parts);
    const product = yield* this.mul(shared, b2);
    return subInts(addInts(shared, b2), scaleInts(product, 2n));
  }

  randomInts(n: number): Ints {
    return new Ints(n, [draw(this.own, n), draw(this.succ, n)]);
  }

  randomPlanes(count: number, lanes: number): Bits {
    const words = count * wordsFor(lanes);
    return planesOf([draw(this.own, words), draw(this.succ, words)], count, lanes);
  }
}
