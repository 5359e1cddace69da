/**
 * Reductions that compare: min_of / max_of by a tournament (⌈log2 n⌉ levels,
 * each one vectorised comparison and selection over all pairs), and sort by
 * Batcher's bitonic network (Batcher 1968): log n (log n + 1)/2 stages of
 * n/2 compare-exchanges, each stage one vectorised comparison, one bit
 * injection and one product (min = x + c·(y − x), max = x + y − min).
 * Vectors are padded to a power of two with the type's largest value.
 */
import { argsOf, type IrNode, isSigned, widthOf } from '@parley/circuit';
import { InternalError } from '@parley/interface';
import { lessThan } from './comparisons.js';
import { bitsToInts } from './conversions.js';
import type { NodeContext } from './operands.js';
import type { Proto } from './protocol.js';
import { addInts, concatInts, gatherInts, Ints, publicInts, subInts } from './shares.js';

type Range = [bigint, bigint] | undefined;

/** Smaller (or larger) of x[i], y[i], and the other one. */
function* compareExchange(ctx: NodeContext, n: IrNode, x: Ints, y: Ints, range: Range): Proto<[Ints, Ints]> {
  const { B } = ctx;
  // swap when y < x: min = x + c·(y − x)
  const c = yield* lessThan(B, y, x, n.type, x.n, [range, range]);
  const ci = yield* bitsToInts(B, [c], x.n, false);
  const min = addInts(x, yield* B.mul(ci, subInts(y, x)));
  return [min, subInts(addInts(x, y), min)];
}

const indices = (from: number, step: number, count: number) =>
  Uint32Array.from({ length: count }, (_, i) => from + i * step);

export function* reduceNode(ctx: NodeContext, n: IrNode, x: Ints): Proto<Ints> {
  const range = ctx.plans[argsOf(n)[0]].range;
  switch (n.op) {
    case 'min_of':
    case 'max_of': {
      let layer = x;
      while (layer.n > 1) {
        const half = layer.n >> 1;
        const [lo, hi] = yield* compareExchange(
          ctx,
          n,
          gatherInts(layer, indices(0, 2, half)),
          gatherInts(layer, indices(1, 2, half)),
          range,
        );
        const kept = n.op === 'min_of' ? lo : hi;
        layer =
          layer.n % 2 === 1
            ? concatInts(ctx.B, [kept, gatherInts(layer, Uint32Array.of(layer.n - 1))])
            : kept;
      }
      return layer;
    }
    case 'sort':
      return yield* bitonicSort(ctx, n, x, range);
    default:
      throw new InternalError(`'${n.op}' is not a comparison reduction`);
  }
}

function* bitonicSort(ctx: NodeContext, n: IrNode, x: Ints, range: Range): Proto<Ints> {
  const { B } = ctx;
  const len = x.n;
  if (len <= 1) return x;
  let size = 1;
  while (size < len) size <<= 1;
  const k = widthOf(n.type);
  const top = isSigned(n.type) ? (1n << BigInt(k - 1)) - 1n : (1n << BigInt(k)) - 1n;
  let a = x;
  if (size > len) a = concatInts(B, [x, publicInts(B, new BigUint64Array(size - len).fill(top))]);
  const padRange: Range = range && [range[0], top > range[1] ? top : range[1]];
  for (let block = 2; block <= size; block <<= 1) {
    for (let j = block >> 1; j > 0; j >>= 1) {
      const lo: number[] = [];
      const hi: number[] = [];
      for (let i = 0; i < size; i++) {
        const l = i ^ j;
        if (l <= i) continue;
        const ascending = (i & block) === 0;
        lo.push(ascending ? i : l);
        hi.push(ascending ? l : i);
      }
      const [min, max] = yield* compareExchange(
        ctx,
        n,
        gatherInts(a, Uint32Array.from(lo)),
        gatherInts(a, Uint32Array.from(hi)),
        padRange,
      );
      a = scatter(a, lo, min, hi, max);
    }
  }
  return size > len ? gatherInts(a, indices(0, 1, len)) : a;
}

/** A copy of a with positions lo[i] set to u[i] and hi[i] to v[i]. */
function scatter(a: Ints, lo: number[], u: Ints, hi: number[], v: Ints): Ints {
  return new Ints(
    a.n,
    a.parts.map((p, k) => {
      const o = p.slice();
      const ow = new Uint32Array(o.buffer);
      const uw = new Uint32Array(u.parts[k].buffer, u.parts[k].byteOffset, 2 * u.n);
      const vw = new Uint32Array(v.parts[k].buffer, v.parts[k].byteOffset, 2 * v.n);
      for (let i = 0; i < lo.length; i++) {
        ow[2 * lo[i]] = uw[2 * i];
        ow[2 * lo[i] + 1] = uw[2 * i + 1];
        ow[2 * hi[i]] = vw[2 * i];
        ow[2 * hi[i] + 1] = vw[2 * i + 1];
      }
      return o;
    }),
  );
}
