/**
 * One party's shares and the operations on them that need no communication.
 *
 * A shared vector of ring elements (`Ints`) holds, per part, n words of
 * Z_2^64; a shared bit plane (`Plane`, planes.ts) holds, per part, `words`
 * words of 64 bit-sliced lanes (XOR shares). Additive sharing has one part per party,
 * replicated sharing two (components i and i+1 on party i), and the
 * shape-only dry run none: every local operation maps over the parts, so the
 * same code runs in all three. Public constants enter through `constPart`,
 * the part holding component 0 (if this party holds it).
 */
import { carryOut } from '@parley/kernels';
import { add64, sub64 } from './_kernels.js';
import { addScalar64, mulScalar64, neg64 } from './_words.js';

export interface ShareLayout {
  /** Parts per share: 1 additive, 2 replicated, 0 in a shape-only dry run. */
  readonly partCount: number;
  /** Index of the part that carries component 0 (where public constants go), or −1. */
  readonly constPart: number;
}

/** Shares of n elements of Z_2^64. */
export class Ints {
  constructor(
    readonly n: number,
    readonly parts: BigUint64Array[],
  ) {}
}

const parts = (L: ShareLayout, make: (k: number) => BigUint64Array): BigUint64Array[] =>
  Array.from({ length: L.partCount }, (_, k) => make(k));

export function zeroInts(L: ShareLayout, n: number): Ints {
  return new Ints(
    n,
    parts(L, () => new BigUint64Array(n)),
  );
}

/** The trivial sharing of a public column. */
export function publicInts(L: ShareLayout, values: BigUint64Array): Ints {
  return new Ints(
    values.length,
    parts(L, (k) => (k === L.constPart ? values.slice() : new BigUint64Array(values.length))),
  );
}

export function addInts(x: Ints, y: Ints): Ints {
  return new Ints(
    x.n,
    x.parts.map((p, k) => {
      const o = new BigUint64Array(x.n);
      add64(o, p, y.parts[k]);
      return o;
    }),
  );
}

export function subInts(x: Ints, y: Ints): Ints {
  return new Ints(
    x.n,
    x.parts.map((p, k) => {
      const o = new BigUint64Array(x.n);
      sub64(o, p, y.parts[k]);
      return o;
    }),
  );
}

export function negInts(x: Ints): Ints {
  return new Ints(
    x.n,
    x.parts.map((p) => {
      const o = new BigUint64Array(x.n);
      neg64(o, p);
      return o;
    }),
  );
}

/** x + c for a public scalar or column c. */
export function addPublic(L: ShareLayout, x: Ints, c: bigint | BigUint64Array): Ints {
  return new Ints(
    x.n,
    x.parts.map((p, k) => {
      if (k !== L.constPart) return p;
      const o = new BigUint64Array(x.n);
      if (typeof c === 'bigint') addScalar64(o, p, c);
      else add64(o, p, c);
      return o;
    }),
  );
}

/** x · c for a public scalar c. */
export function scaleInts(x: Ints, c: bigint): Ints {
  return new Ints(
    x.n,
    x.parts.map((p) => {
      const o = new BigUint64Array(x.n);
      mulScalar64(o, p, BigInt.asUintN(64, c));
      return o;
    }),
  );
}

/** Broadcasts a length-1 vector to n elements (others returned as they are). */
export function broadcastInts(x: Ints, n: number): Ints {
  if (x.n === n) return x;
  return new Ints(
    n,
    x.parts.map((p) => new BigUint64Array(n).fill(p[0])),
  );
}

export function sliceInts(x: Ints, start: number, end: number): Ints {
  return new Ints(
    end - start,
    x.parts.map((p) => p.slice(start, end)),
  );
}

export function concatInts(L: ShareLayout, xs: readonly Ints[]): Ints {
  const n = xs.reduce((s, x) => s + x.n, 0);
  return new Ints(
    n,
    parts(L, (k) => {
      const o = new BigUint64Array(n);
      let at = 0;
      for (const x of xs) {
        o.set(x.parts[k], at);
        at += x.n;
      }
      return o;
    }),
  );
}

/** Elements at the given indices. */
export function gatherInts(x: Ints, indices: Uint32Array): Ints {
  return new Ints(
    indices.length,
    x.parts.map((p) => {
      const o = new BigUint64Array(indices.length);
      const ow = new Uint32Array(o.buffer);
      const pw = new Uint32Array(p.buffer, p.byteOffset, 2 * p.length);
      for (let i = 0; i < indices.length; i++) {
        ow[2 * i] = pw[2 * indices[i]];
        ow[2 * i + 1] = pw[2 * indices[i] + 1];
      }
      return o;
    }),
  );
}

/**
 * Elements summed in doubles between two reductions of sumInts: from halves
 * below 2^32, 2^20 more additions stay below 2^53 (exact). Reducing on this
 * fixed, public schedule (not when a sum grows large) keeps the control flow
 * independent of the shares.
 */
const SUM_BLOCK = 1 << 20;

/** Σ x (one element). */
export function sumInts(x: Ints): Ints {
  return new Ints(
    1,
    x.parts.map((p) => {
      let lo = 0;
      let hi = 0;
      const w = new Uint32Array(p.buffer, p.byteOffset, 2 * p.length);
      for (let j = 0, i = 1; j < w.length; j += 2, i++) {
        lo += w[j];
        hi += w[j + 1];
        if ((i & (SUM_BLOCK - 1)) === 0) {
          hi = (hi + Math.floor(lo / 2 ** 32)) % 2 ** 32;
          lo %= 2 ** 32;
        }
      }
      hi = (hi + Math.floor(lo / 2 ** 32)) % 2 ** 32;
      lo %= 2 ** 32;
      return BigUint64Array.of((BigInt(hi) << 32n) | BigInt(lo));
    }),
  );
}

/** Running sums. */
export function prefixSumInts(x: Ints): Ints {
  return new Ints(
    x.n,
    x.parts.map((p) => {
      const o = p.slice();
      const w = new Uint32Array(o.buffer, o.byteOffset, 2 * o.length);
      for (let j = 2; j < w.length; j += 2) {
        const lo = (w[j] + w[j - 2]) >>> 0;
        w[j + 1] = w[j + 1] + w[j - 1] + carryOut(w[j], w[j - 2], lo);
        w[j] = lo;
      }
      return o;
    }),
  );
}

export * from './planes.js';
