/**
 * The sharing-native form of each IR node kind (analysis.ts decides which
 * applies): ring arithmetic, comparisons by sign extraction, selection,
 * casts from bits, slicing and concatenation, and boolean sub-circuits. Fixed
 * point, reductions and lowered nodes live in their own files.
 */
import { args0Type, argsOf, fracOf, type IrNode, type Program, widthOf } from '@parley/circuit';
import { InternalError } from '@parley/interface';
import { copyLanes, sliceLanes } from './_lanes.js';
import { u32, wordsFor } from './_words.js';
import { evaluateCircuit } from './circuits.js';
import { equal, lessThan } from './comparisons.js';
import { bitsToInts } from './conversions.js';
import { fixedNode } from './fixedPoint.js';
import { loweredNode } from './lowered.js';
import {
  differenceOfWords,
  minus,
  type NodeContext,
  type Operand,
  operand,
  plus,
  type SlotValue,
  scaleBy,
  times,
} from './operands.js';
import type { Proto } from './protocol.js';
import { reduceNode } from './reductions.js';
import {
  type Bits,
  broadcastBits,
  concatInts,
  Ints,
  negInts,
  notPlane,
  Plane,
  prefixSumInts,
  scaleInts,
  sliceInts,
  sumInts,
} from './shares.js';

export function* computeNode(ctx: NodeContext, id: number, args: SlotValue[]): Proto<SlotValue> {
  const { B, program, plans } = ctx;
  const n = program.nodes[id];
  switch (plans[id].kind) {
    case 'arith':
      return yield* arithNode(ctx, n, args);
    case 'compare':
    case 'minmax':
      return yield* compareNode(ctx, n, args);
    case 'mux': {
      const t = n.type;
      const [c, x, y] = args.map((a, k) =>
        operand(a, k === 0 ? program.nodes[argsOf(n)[0]].type : t, n.length),
      );
      if (!(x instanceof Ints) && !(y instanceof Ints)) {
        // Both branches public: y + c·(x − y), a public scaling of the shared condition.
        if (!(c instanceof Ints)) throw new InternalError(`node ${id} (mux): a public select was not folded`);
        return plus(B, y, scaleBy(c, differenceOfWords(x, y)));
      }
      return plus(B, y, yield* times(B, c, minus(B, x, y)));
    }
    case 'fixed':
      return yield* fixedNode(ctx, n, args);
    case 'reduce':
      return yield* reduceNode(ctx, n, args[0] as Ints);
    case 'castBit': {
      const bits = broadcastBits(args[0] as Bits, program.nodes[argsOf(n)[0]].length, n.length);
      const ints = yield* bitsToInts(B, bits, n.length, false);
      return scaleInts(ints, 1n << BigInt(fracOf(n.type)));
    }
    case 'lanes':
      return plans[id].out === 'A' ? intLanes(ctx, n, args as Ints[]) : bitLanes(program, n, args as Bits[]);
    case 'call':
      return yield* callNode(ctx, n, args as Bits[]);
    case 'lowered':
      return yield* loweredNode(ctx, id, args);
    default:
      throw new InternalError(`node ${id} (${n.op}) has no sharing plan`);
  }
}

function* arithNode(ctx: NodeContext, n: IrNode, args: SlotValue[]): Proto<Ints> {
  const { B, program } = ctx;
  const argNode = (k: number) => program.nodes[argsOf(n)[k]];
  const x = (len = n.length) => operand(args[0], argNode(0).type, len);
  const y = (len = n.length) => operand(args[1], argNode(1).type, len);
  // A secret node's only argument is secret.
  const only = () => args[0] as Ints;
  switch (n.op) {
    case 'add':
      return plus(B, x(), y());
    case 'sub':
      return minus(B, x(), y());
    case 'neg':
      return negInts(only());
    case 'mul':
      return yield* times(B, x(), y());
    case 'shl':
      // Shifted past the type's width the value is 0 (not 2^amount mod 2^64, nor a huge bigint).
      return scaleInts(only(), n.amount >= widthOf(n.type) ? 0n : 1n << BigInt(n.amount));
    case 'cast':
      return scaleInts(only(), 1n << BigInt(fracOf(n.type) - fracOf(args0Type(program.nodes, n))));
    case 'sum':
      return sumInts(only());
    case 'prefix_sum':
      return prefixSumInts(only());
    case 'dot': {
      const k = Math.max(argNode(0).length, argNode(1).length);
      return sumInts(yield* times(B, x(k), y(k)));
    }
    default:
      throw new InternalError(`'${n.op}' is not a ring operation`);
  }
}

function* compareNode(ctx: NodeContext, n: IrNode, args: SlotValue[]): Proto<SlotValue> {
  const { B, program, plans } = ctx;
  const [a0, a1] = argsOf(n);
  const t = program.nodes[a0].type;
  const len = n.length;
  const x = operand(args[0], t, len);
  const y = operand(args[1], t, len);
  const rx = plans[a0].range;
  const ry = plans[a1].range;
  const lt = (u: Operand, v: Operand, swap: boolean) => lessThan(B, u, v, t, len, swap ? [ry, rx] : [rx, ry]);
  switch (n.op) {
    case 'lt':
      return [yield* lt(x, y, false)];
    case 'gt':
      return [yield* lt(y, x, true)];
    case 'le':
      return [notPlane(B, yield* lt(y, x, true))];
    case 'ge':
      return [notPlane(B, yield* lt(x, y, false))];
    case 'eq':
      return [yield* equal(B, x, y, t)];
    case 'ne':
      return [notPlane(B, yield* equal(B, x, y, t))];
    case 'min':
    case 'max': {
      // min: y < x ? y : x; max: x < y ? y : x.
      const c = n.op === 'min' ? yield* lt(y, x, true) : yield* lt(x, y, false);
      const ci = yield* bitsToInts(B, [c], len, false);
      return plus(B, x, yield* times(B, ci, minus(B, y, x)));
    }
    default:
      throw new InternalError(`'${n.op}' is not a comparison`);
  }
}

function intLanes(ctx: NodeContext, n: IrNode, args: Ints[]): Ints {
  if (n.op === 'slice') return sliceInts(args[0], n.start, n.start + n.length);
  return concatInts(ctx.B, args);
}

function bitLanes(program: Program, n: IrNode, args: Bits[]): Bits {
  if (n.op === 'slice') {
    return args[0].map(
      (p) =>
        new Plane(
          wordsFor(n.length),
          p.parts.map((q) => sliceLanes(q, n.start, n.length)),
          n.length,
        ),
    );
  }
  const words = wordsFor(n.length);
  const lengths = argsOf(n).map((a) => program.nodes[a].length);
  return args[0].map((_, b) => {
    const plane = new Plane(
      words,
      args[0][b].parts.map(() => new BigUint64Array(words)),
      n.length,
    );
    let at = 0;
    args.forEach((a, k) => {
      plane.parts.forEach((q, part) => {
        copyLanes(u32(q), at, u32(a[b].parts[part]), 0, lengths[k]);
      });
      at += lengths[k];
    });
    return plane;
  });
}

function* callNode(ctx: NodeContext, n: IrNode, args: Bits[]): Proto<Bits> {
  if (n.op !== 'call') throw new InternalError('not a call node');
  const byArgs = ctx.calls.get(n.circuit) ?? new Map<string, Bits[]>();
  ctx.calls.set(n.circuit, byArgs);
  const key = n.args.join(',');
  let outs = byArgs.get(key);
  if (!outs) {
    const inputs = args.map((bits, k) => broadcastBits(bits, ctx.program.nodes[n.args[k]].length, n.length));
    outs = yield* evaluateCircuit(ctx.B, n.circuit, inputs, n.length);
    byArgs.set(key, outs);
  }
  return outs[n.output];
}
