/**
 * Operands of ring operations: shares, or public ring words (a public column,
 * sign-extended for signed types, of length 1 or n). Sums and public
 * products are local; a product of two shared operands is one round.
 */
import {
  type BooleanCircuit,
  type Column,
  isSigned,
  type Program,
  type ValueType,
  widthOf,
} from '@parley/circuit';
import { mul64 } from './_kernels.js';
import type { NodePlan } from './analysis.js';
import type { ShareBackend } from './backend.js';
import type { Proto } from './protocol.js';
import { addInts, addPublic, type Bits, broadcastInts, Ints, negInts, scaleInts, subInts } from './shares.js';

/** A node's value: shares of ring elements, boolean planes, or a public column. */
export type SlotValue = Ints | Bits | Column;

/** What node implementations see of the evaluation. */
export interface NodeContext {
  B: ShareBackend;
  program: Program;
  plans: NodePlan[];
  /** Outputs of boolean sub-circuits, by circuit and arguments (the call nodes of one call share them). */
  calls: Map<BooleanCircuit, Map<string, Bits[]>>;
}

/** Shares, or public ring words (length 1 or n). */
export type Operand = Ints | BigUint64Array;

/** Ring words of a column (bit patterns of type t): sign-extended for signed types. */
export function ringColumn(col: Column, t: ValueType): BigUint64Array {
  const w = widthOf(t);
  const signed = isSigned(t) && w < 64;
  if (col instanceof BigUint64Array) {
    const out = col.slice();
    if (!signed) return out;
    // Sign-extend bit w−1 through the 32-bit halves.
    const h = new Uint32Array(out.buffer, 0, 2 * out.length);
    for (let j = 0; j < h.length; j += 2) {
      if (w <= 32) {
        const lo = w === 32 ? h[j] | 0 : (h[j] << (32 - w)) >> (32 - w);
        h[j] = lo;
        h[j + 1] = lo < 0 ? 0xffffffff : 0;
      } else {
        h[j + 1] = (h[j + 1] << (64 - w)) >> (64 - w);
      }
    }
    return out;
  }
  return BigUint64Array.from({ length: col.length }, (_, i) =>
    BigInt.asUintN(64, signed ? BigInt.asIntN(w, col[i]) : col[i]),
  );
}

/** An argument as an operand of n elements (shares broadcast; public words left as they are). */
export function operand(v: SlotValue, t: ValueType, n: number): Operand {
  if (v instanceof Ints) return broadcastInts(v, n);
  return ringColumn(v as Column, t);
}

export function plus(B: ShareBackend, x: Operand, y: Operand): Ints {
  if (x instanceof Ints) {
    if (y instanceof Ints) return addInts(x, y);
    return addPublic(B, x, y.length === 1 ? y[0] : y);
  }
  return plus(B, y, x);
}

export function minus(B: ShareBackend, x: Operand, y: Operand): Ints {
  if (y instanceof Ints) return x instanceof Ints ? subInts(x, y) : plus(B, negInts(y), x);
  return addPublic(B, x as Ints, y.length === 1 ? BigInt.asUintN(64, -y[0]) : negWords(y));
}

/** x − y mod 2^64 for public words (each of length 1 or n; the result broadcasts as they do). */
export function differenceOfWords(x: BigUint64Array, y: BigUint64Array): BigUint64Array {
  const n = Math.max(x.length, y.length);
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = BigInt.asUintN(64, x[x.length === 1 ? 0 : i] - y[y.length === 1 ? 0 : i]);
  return out;
}

function negWords(y: BigUint64Array): BigUint64Array {
  return y.map((v) => BigInt.asUintN(64, -v));
}

/** x · c for public words c (length 1 or n). */
export function scaleBy(x: Ints, c: BigUint64Array): Ints {
  if (c.length === 1) return scaleInts(x, c[0]);
  return new Ints(
    x.n,
    x.parts.map((p) => {
      const o = new BigUint64Array(x.n);
      mul64(o, p, c);
      return o;
    }),
  );
}

export function* times(B: ShareBackend, x: Operand, y: Operand): Proto<Ints> {
  if (x instanceof Ints && y instanceof Ints) return yield* B.mul(x, y);
  if (x instanceof Ints) return scaleBy(x, y as BigUint64Array);
  return scaleBy(y as Ints, x);
}
