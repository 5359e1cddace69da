/**
 * Fixed point on fixed(k, f) shares (two's complement, f fractional bits),
 * after Catrina–Saxena, "Secure Computation with Fixed-Point Numbers", FC
 * 2010, with each scheme's probabilistic truncation (backend.truncate):
 *
 * - multiply and dot product: the ring product, truncated once by f;
 * - reciprocal and division: |y| and its bit decomposition give the one-hot
 *   position h of its leading one i; c = |y|·2^(f−1−i) ∈ [0.5, 1) is read off
 *   y's bits through h (one AND layer, no truncation of a large value);
 *   Newton–Raphson w ← w(2 − cw) from w0 = 2.9142 − 2c (relative error
 *   0.0858, squared by each iteration) gives w ≈ 1/c; x·w is scaled back by
 *   2^(f−1−i) with factors injected from h's bits — exactly for i < f, by
 *   staged truncations for i ≥ f — so no truncated value exceeds 2^(f+1)
 *   times the value being scaled;
 * - sigmoid: the IR's piecewise-linear PLAN function, with its comparisons
 *   done on |x| and the segment selected by a telescoping sum of products
 *   (the comparisons are monotone), so an unselected segment never matters.
 *
 * Error bounds and preconditions are stated and tested in README.md ("Fixed point").
 */
import { args0Type, argsOf, fracOf, type IrNode, sigmoidConstants, widthOf } from '@parley/circuit';
import { InternalError } from '@parley/interface';
import { MAX_TRUNCATION, type ShareBackend } from './backend.js';
import { bitDecompose, bitsToInts, signBit } from './conversions.js';
import { minus, type NodeContext, operand, plus, type SlotValue, times } from './operands.js';
import { both, type Proto, parallel } from './protocol.js';
import {
  addInts,
  addPublic,
  type Bits,
  Ints,
  notPlane,
  type Plane,
  publicPlane,
  scaleInts,
  sliceInts,
  subInts,
  sumInts,
  xorPlanes,
} from './shares.js';

export function* fixedNode(ctx: NodeContext, n: IrNode, args: SlotValue[]): Proto<Ints> {
  const { B, program } = ctx;
  const t = n.type;
  const f = fracOf(t);
  const k = widthOf(t);
  const argNode = (i: number) => program.nodes[argsOf(n)[i]];
  const x = (len = n.length) => operand(args[0], args0Type(program.nodes, n), len);
  switch (n.op) {
    case 'mul':
      return yield* B.truncate(yield* times(B, x(), operand(args[1], t, n.length)), f);
    case 'dot': {
      const len = Math.max(argNode(0).length, argNode(1).length);
      return yield* B.truncate(sumInts(yield* times(B, x(len), operand(args[1], t, len))), f);
    }
    case 'reciprocal':
      return yield* divide(B, undefined, x() as Ints, k, f);
    case 'div':
      return yield* divide(B, toShares(B, x()), toShares(B, operand(args[1], t, n.length)), k, f);
    case 'sigmoid':
      return yield* sigmoid(B, x() as Ints, k, sigmoidConstants(t));
    default:
      throw new InternalError(`'${n.op}' is not a fixed-point operation`);
  }
}

function toShares(B: ShareBackend, v: Ints | BigUint64Array): Ints {
  if (v instanceof Ints) return v;
  return addPublic(
    B,
    new Ints(
      v.length,
      Array.from({ length: B.partCount }, () => new BigUint64Array(v.length)),
    ),
    v,
  );
}

/** Sign bit and absolute value of k-bit values: s = [x < 0] (bits), sA = s as ring 0/1, a = |x|. */
function* absolute(B: ShareBackend, x: Ints, k: number): Proto<{ sA: Ints; a: Ints }> {
  const s = yield* signBit(B, x, k);
  const sA = yield* bitsToInts(B, [s], x.n, false);
  // a = x − 2·s·x
  const sx = yield* B.mul(sA, x);
  return { sA, a: subInts(x, scaleInts(sx, 2n)) };
}

/** o_i = OR of bits i … k−1, by a parallel prefix from the top (⌈log2 k⌉ rounds). */
function* suffixOr(B: ShareBackend, bits: Bits): Proto<Bits> {
  const o = [...bits].reverse();
  const m = o.length;
  for (let span = 1; span < m; span <<= 1) {
    const xs: Plane[] = [];
    const ys: Plane[] = [];
    const at: Array<[number, number]> = [];
    for (let i = 0; i < m; i++) {
      if (!(i & span)) continue;
      const j = (i & ~(span - 1)) - 1;
      xs.push(o[i]);
      ys.push(o[j]);
      at.push([i, j]);
    }
    const r = yield* B.and(xs, ys);
    at.forEach(([i, j], q) => {
      o[i] = xorPlanes(xorPlanes(o[i], o[j]), r[q]);
    });
  }
  return o.reverse();
}

/** Newton–Raphson iterations for 1/c on c ∈ [0.5, 1) to about f bits. */
export function newtonIterations(f: number): number {
  return f <= 12 ? 3 : f <= 27 ? 4 : 5;
}

/**
 * For a = |y| > 0 (k bits): the one-hot position h of its leading one i, and
 * c = a·2^(f−1−i) ∈ [0.5, 1) as fixed(k, f), taken from a's bits by h (one
 * AND layer: c_j = ⊕_i h_i ∧ a_(i−f+1+j)), so no truncation of a large value.
 */
function* normalize(B: ShareBackend, a: Ints, k: number, f: number): Proto<{ c: Ints; h: Bits }> {
  const n = a.n;
  const bits = yield* bitDecompose(B, a, k);
  const o = yield* suffixOr(B, bits);
  const h = o.map((oi, i) => (i + 1 < k ? xorPlanes(oi, o[i + 1]) : oi));
  const xs: Plane[] = [];
  const ys: Plane[] = [];
  const at: number[] = [];
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < k; i++) {
      const src = i - f + 1 + j;
      if (src < 0 || src > i) continue;
      xs.push(h[i]);
      ys.push(bits[src]);
      at.push(j);
    }
  }
  const r = yield* B.and(xs, ys);
  const cBits: Plane[] = Array.from({ length: f }, () => publicPlane(B, bits[0].words, 0, n));
  r.forEach((p, q) => {
    cBits[at[q]] = xorPlanes(cBits[at[q]], p);
  });
  return { c: yield* bitsToInts(B, cBits, n, false), h };
}

/**
 * The factors that scale by 2^(f−1−i) for the one-hot position h of i: uL =
 * 2^(f−1−i) for i < f (an exact product), and for i ≥ f, in stages of f+1
 * shifts, u_j = 2^(j(f+1)−s) with s = i−f+1 (a product then a truncation by
 * j(f+1)), so no truncated value exceeds 2^(f+1) times the scaled one.
 */
function* scaleFactors(B: ShareBackend, h: Bits, k: number, f: number): Proto<Ints[]> {
  const n = h[0].lanes;
  const zero = publicPlane(B, h[0].words, 0, n);
  const stages = Math.ceil(Math.max(0, k - f) / (f + 1));
  const planes: Plane[] = Array.from({ length: f }, (_, j) => h[f - 1 - j]);
  for (let st = 1; st <= stages; st++) {
    for (let e = 0; e <= f; e++) {
      const i = st * (f + 1) - e + f - 1; // s = i − f + 1 = st(f+1) − e
      planes.push(i < k ? h[i] : zero);
    }
  }
  const injected = yield* B.bitsToInts(planes, n);
  const lane = (q: number) => sliceInts(injected, q * n, (q + 1) * n);
  const weighted = (from: number, count: number) => {
    let acc = lane(from);
    for (let j = 1; j < count; j++) acc = addInts(acc, scaleInts(lane(from + j), 1n << BigInt(j)));
    return acc;
  };
  const factors = [weighted(0, f)];
  for (let st = 1; st <= stages; st++) factors.push(weighted(f + (st - 1) * (f + 1), f + 1));
  return factors;
}

/**
 * Truncation by d bits in steps of at most MAX_TRUNCATION: the last stage of
 * a division truncates by stages·(f+1), which is 63 or 64 for f ∈ {0, 1, 2,
 * 3, 6, 7, 8, 15, 20, 31, 62, 63} with k = 64. Each step may add one unit of
 * the value it gives; after the first the value is below 2^(64 − 62).
 */
function* truncateFar(B: ShareBackend, x: Ints, d: number): Proto<Ints> {
  let y = x;
  let left = d;
  for (; left > MAX_TRUNCATION; left -= MAX_TRUNCATION) y = yield* B.truncate(y, MAX_TRUNCATION);
  return yield* B.truncate(y, left);
}

/** 1/c for c ∈ [0.5, 1) (fixed, f bits) by Newton–Raphson from w0 = 2.9142 − 2c. */
function* newton(B: ShareBackend, c: Ints, f: number): Proto<Ints> {
  let w = addPublic(B, scaleInts(c, -2n), BigInt(Math.round(2.9142 * 2 ** f)));
  const two = BigInt.asUintN(64, 2n << BigInt(f));
  for (let it = 0; it < newtonIterations(f); it++) {
    const e = yield* B.truncate(yield* B.mul(c, w), f);
    w = yield* B.truncate(yield* B.mul(w, addPublic(B, scaleInts(e, -1n), two)), f);
  }
  return w;
}

/**
 * x / y on fixed(k, f), or 1/y without x: w ≈ 1/c by Newton–Raphson, then
 * x·w scaled by 2^(f−1−i) — for |y| < 1 as w·(x·uL) truncated once (x·uL is
 * exact and made while the iterations run), so no precision of x is lost;
 * for |y| ≥ 1 as ⌊x·w/2^f⌋·u_j truncated per stage — and signed by y.
 */
export function* divide(B: ShareBackend, x: Ints | undefined, y: Ints, k: number, f: number): Proto<Ints> {
  const { sA, a } = yield* absolute(B, y, k);
  const { c, h } = yield* normalize(B, a, k, f);
  const [w, [left, ...stages]] = yield* both(
    newton(B, c, f),
    (function* () {
      const factors = yield* scaleFactors(B, h, k, f);
      if (x) factors[0] = yield* B.mul(x, factors[0]);
      return factors;
    })(),
  );
  const [l, v] = yield* both(
    (function* () {
      const product = yield* B.mul(w, left);
      return x ? yield* B.truncate(product, f) : product;
    })(),
    (function* () {
      return x ? yield* B.truncate(yield* B.mul(x, w), f) : w;
    })(),
  );
  const products = yield* parallel(stages.map((u) => B.mul(v, u)));
  const shifted = yield* parallel(products.map((p, st) => truncateFar(B, p, (st + 1) * (f + 1))));
  const q = shifted.reduce((acc, z) => addInts(acc, z), l);
  // y < 0: −q
  return plus(B, q, yield* times(B, sA, scaleInts(q, -2n)));
}

/**
 * PLAN sigmoid (ir/semantics.ts): y(|x|) = |x|/4 + 0.5 below 1,
 * |x|/8 + 0.625 below 2.375, |x|/32 + 0.84375 below 5, else 1; 1 − y for x < 0.
 */
export function* sigmoid(
  B: ShareBackend,
  x: Ints,
  k: number,
  c: ReturnType<typeof sigmoidConstants>,
): Proto<Ints> {
  const n = x.n;
  const { sA, a } = yield* absolute(B, x, k);
  // 0 ≤ |x| ≤ 2^(k−1) and the thresholds t are positive: |x| − t is a signed (k+1)-bit number.
  const bits = Math.min(64, k + 1);
  const [ge1, ge2, ge5, seg3, seg2, seg1] = yield* parallel<Plane | Ints>([
    notSign(B, addPublic(B, a, BigInt.asUintN(64, -c.one)), bits),
    notSign(B, addPublic(B, a, BigInt.asUintN(64, -c.t2375)), bits),
    notSign(B, addPublic(B, a, BigInt.asUintN(64, -c.five)), bits),
    B.truncate(a, 2),
    B.truncate(a, 3),
    B.truncate(a, 5),
  ]);
  const g = yield* B.bitsToInts([ge1, ge2, ge5] as Plane[], n);
  const s3 = addPublic(B, seg3 as Ints, c.half);
  const s2 = addPublic(B, seg2 as Ints, c.c625);
  const s1 = addPublic(B, seg1 as Ints, c.c84375);
  // y = s3 + [≥1](s2 − s3) + [≥2.375](s1 − s2) + [≥5](1 − s1)
  const terms = yield* parallel([
    B.mul(sliceInts(g, 0, n), subInts(s2, s3)),
    B.mul(sliceInts(g, n, 2 * n), subInts(s1, s2)),
    B.mul(sliceInts(g, 2 * n, 3 * n), minus(B, BigUint64Array.of(c.one), s1)),
  ]);
  const y = terms.reduce((acc, term) => plus(B, acc, term), s3);
  // x < 0: 1 − y = y + s·(1 − 2y)
  return plus(B, y, yield* times(B, sA, addPublic(B, scaleInts(y, -2n), c.one)));
}

function* notSign(B: ShareBackend, v: Ints, k: number): Proto<Plane> {
  return notPlane(B, yield* signBit(B, v, k));
}
