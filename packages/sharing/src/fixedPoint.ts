/**
 * Fixed point on fixed(k, f) shares (two's complement, f fractional bits),
 * after Catrina–Saxena, "Secure Computation with Fixed-Point Numbers", FC
 * 2010, with each scheme's probabilistic truncation (backend.truncate):
 *
 * - multiply and dot product: the ring product, truncated once by f (not at
 *   all for f = 0; in two steps for f = 63);
 * - reciprocal and division: Newton–Raphson after normalising by the leading
 *   one of |y| (fixedDivision.ts);
 * - sigmoid: the IR's piecewise-linear PLAN function, with its comparisons
 *   done on |x| and the segment selected by a telescoping sum of products
 *   (the comparisons are monotone), so an unselected segment never matters.
 *
 * Error bounds and preconditions are stated and tested in README.md ("Fixed point").
 */
import { args0Type, argsOf, fracOf, type IrNode, sigmoidConstants, widthOf } from '@parley/circuit';
import { InternalError } from '@parley/interface';
import { type ShareBackend, truncateBy } from './backend.js';
import { absolute, signBit } from './conversions.js';
import { divide, reciprocal } from './fixedDivision.js';
import { minus, type NodeContext, operand, plus, type SlotValue, times } from './operands.js';
import { type Proto, parallel } from './protocol.js';
import {
  addPublic,
  broadcastInts,
  Ints,
  notPlane,
  type Plane,
  scaleInts,
  sliceInts,
  subInts,
  sumInts,
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
      return yield* truncateBy(B, yield* times(B, x(), operand(args[1], t, n.length)), f);
    case 'dot': {
      const len = Math.max(argNode(0).length, argNode(1).length);
      return yield* truncateBy(B, sumInts(yield* times(B, x(len), operand(args[1], t, len))), f);
    }
    case 'reciprocal':
      return yield* reciprocal(B, toShares(B, x(), n.length), k, f);
    case 'div':
      return yield* divide(
        B,
        toShares(B, x(), n.length),
        toShares(B, operand(args[1], t, n.length), n.length),
        k,
        f,
      );
    case 'sigmoid':
      return yield* sigmoid(B, x() as Ints, k, sigmoidConstants(t));
    default:
      throw new InternalError(`'${n.op}' is not a fixed-point operation`);
  }
}

/** `v` as shares of `n` elements: a public value (one for all, or one per element) shared trivially. */
function toShares(B: ShareBackend, v: Ints | BigUint64Array, n: number): Ints {
  if (v instanceof Ints) return broadcastInts(v, n);
  const zero = new Ints(
    n,
    Array.from({ length: B.partCount }, () => new BigUint64Array(n)),
  );
  return addPublic(B, zero, v.length === 1 ? v[0] : v);
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
