/**
 * Fixed-point reciprocal and division on fixed(k, f) shares, after
 * Catrina–Saxena, "Secure Computation with Fixed-Point Numbers", FC 2010
 * (normalisation, then Newton–Raphson), with each scheme's probabilistic
 * truncation:
 *
 * - |y| and its bit decomposition give the one-hot position h of its leading
 *   one i; c = |y|·2^(F−1−i) ∈ [0.5, 1) with F = max(f, 12) fractional bits
 *   is read off y's bits through h (one AND layer, no truncation of a large
 *   value);
 * - Newton–Raphson on the residual, ε = 1 − cw and w ← w + wε, from w0 =
 *   2.9142 − 2c (|ε| ≤ 0.0858, squared by each iteration) gives w ≈ 1/c while
 *   every truncated value stays near |ε|·2^(2F);
 * - reciprocal: 1/y = w·2^(2f−1−i−F), an exact product with a factor
 *   injected from h where that power is whole, else one truncation by F of a
 *   value below 2^(2F);
 * - division: x is scaled first, x' = x·2^(f−i) — an exact product for i ≤ f,
 *   else an arithmetic shift of x's bits by i − f selected through h (one AND
 *   layer) — so that x'·w ≈ (x/y)·2^(f+F+1) is truncated by F + 1 once: the
 *   truncated value depends on the quotient, not on x.
 *
 * fixed(k, 0) reciprocal and division run as the boolean lowering (exact
 * integer division; analysis.ts). Error bounds, preconditions and failure
 * probabilities are stated and tested in README.md ("Fixed point");
 * `divisionFailureLog2` computes the stated probability, and
 * `checkDivisions` (called by prepareSharing) refuses types for which it
 * exceeds 2^−20.
 */
import { type Program, typeToString } from '@parley/circuit';
import { InternalError, Unsupported } from '@parley/interface';
import { type ShareBackend, truncateBy } from './backend.js';
import { absolute, bitDecompose, bitsToInts } from './conversions.js';
import { plus, times } from './operands.js';
import { both, type Proto, parallel } from './protocol.js';
import {
  addInts,
  addPublic,
  type Bits,
  type Ints,
  negInts,
  type Plane,
  publicPlane,
  scaleInts,
  sliceInts,
  xorPlanes,
} from './shares.js';

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

/**
 * Fewest fractional bits of the internal reciprocal w ≈ 1/c: types with
 * fewer (fixed(32, 8)) get a more precise w than they could hold, and the
 * error bounds stay those of f.
 */
export const MIN_NEWTON_FRAC = 12;

/** Fractional bits F of w ≈ 1/c for fixed(k, f). */
export function newtonFrac(f: number): number {
  return Math.max(f, MIN_NEWTON_FRAC);
}

/** Newton–Raphson iterations for 1/c on c ∈ [0.5, 1) to about F bits. */
export function newtonIterations(F: number): number {
  return F <= 12 ? 3 : F <= 27 ? 4 : 5;
}

/** Largest |ε| = |1 − c·w0| of the start w0 = 2.9142 − 2c on [0.5, 1] (at c = 1). */
const START_ERROR = 0.0858;

/**
 * log2 of the bound on the probability that one element of a reciprocal or a
 * division on fixed(k, f) goes wrong in the 2-party additive or the
 * replicated scheme, from the truncations whose size the type alone fixes:
 * each truncation of a value below M fails with probability at most
 * 2M/2^64 (SecureML, Theorem 1). Newton's iteration n truncates values below
 * |ε_n|·2^(2F) and |ε_n|·2^(2F+1) + 2^(F+1), with |ε_0| ≤ 0.0858 + 2^−F and
 * |ε_(n+1)| ≤ ε_n² + 3·2^−F; the reciprocal then truncates one value below
 * 2^(2F). (A division's last truncation depends on the quotient: README.md.)
 */
export function divisionFailureLog2(op: 'reciprocal' | 'div', f: number): number {
  const F = newtonFrac(f);
  let e = START_ERROR + 2 ** -F;
  let below = 0; // Σ of the truncated values' bounds, in units of 2^(2F)
  for (let it = 0; it < newtonIterations(F); it++) {
    below += 3 * e + 2 ** (1 - F);
    e = e * e + 3 * 2 ** -F;
  }
  if (op === 'reciprocal') below += 1;
  return Math.log2(2 * below) + 2 * F - 64;
}

/**
 * log2 of a bound on the values a reciprocal or division on fixed(k, f)
 * truncates whatever its inputs, and on the product c·w ≈ 2^(2F) that
 * Newton's residual is taken from (the n > 2 additive truncation is exact up
 * to one unit while its value is below 2^62).
 */
export function divisionMagnitudeLog2(f: number): number {
  const F = newtonFrac(f);
  return Math.max(Math.log2((2 * (START_ERROR + 2 ** -F) + 2 ** (1 - F)) * 2 ** (2 * F)), 2 * F);
}

/** Failure probability per element above which plan.ts refuses a reciprocal or division (2-party additive, replicated). */
export const MAX_DIVISION_FAILURE_LOG2 = -20;

/**
 * Refuses reciprocal and division on fixed-point types whose failure
 * probability (2-party additive, replicated) exceeds 2^MAX_DIVISION_FAILURE_LOG2
 * per element, or whose truncated values reach 2^62 (n > 2 additive), naming
 * the node and type. fixed(k, 0) runs as the exact boolean lowering.
 */
export function checkDivisions(p: Program, protocol: 'additive' | 'replicated'): void {
  const twoOutOfTwo = protocol === 'replicated' || p.parties.length === 2;
  p.nodes.forEach((n, id) => {
    if ((n.op !== 'reciprocal' && n.op !== 'div') || n.type.kind !== 'fixed' || n.visibility === 'public')
      return;
    const f = n.type.frac;
    if (f === 0) return;
    const type = typeToString(n.type);
    const scheme =
      protocol === 'replicated' ? 'replicated sharing' : `additive sharing with ${p.parties.length} parties`;
    if (twoOutOfTwo) {
      const log2 = divisionFailureLog2(n.op, f);
      if (log2 > MAX_DIVISION_FAILURE_LOG2)
        throw new Unsupported(
          `node ${id}: ${n.op} on ${type} under ${scheme} gives a wrong result with probability up to 2^${log2.toFixed(1)} per element (more than 2^${MAX_DIVISION_FAILURE_LOG2}): use fewer fractional bits (README.md, "Fixed point") or additive sharing with 3 or more parties`,
          { field: n.op, node: id, type },
        );
    } else if (divisionMagnitudeLog2(f) >= 62) {
      throw new Unsupported(
        `node ${id}: ${n.op} on ${type} works on values of 2^62 or more, beyond what ${scheme} truncates: use fewer fractional bits (README.md, "Fixed point")`,
        { field: n.op, node: id, type },
      );
    }
  });
}

/**
 * For a = |y| (k bits): the one-hot position h of its leading one i, and c =
 * a·2^(F−1−i) ∈ [0.5, 1) with F fractional bits, taken from a's bits by h
 * (one AND layer: c_j = ⊕_i h_i ∧ a_(i−F+1+j)), so no truncation of a large
 * value. The top bit of c is 1 (a_i through h_i for a ≠ 0; set for a = 0 too,
 * so c = 0.5 and Newton's values stay small when y = 0).
 */
function* normalize(B: ShareBackend, a: Ints, k: number, F: number): Proto<{ c: Ints; h: Bits }> {
  const n = a.n;
  const bits = yield* bitDecompose(B, a, k);
  const o = yield* suffixOr(B, bits);
  const h = o.map((oi, i) => (i + 1 < k ? xorPlanes(oi, o[i + 1]) : oi));
  const xs: Plane[] = [];
  const ys: Plane[] = [];
  const at: number[] = [];
  for (let j = 0; j < F - 1; j++) {
    for (let i = 0; i < k; i++) {
      const src = i - F + 1 + j;
      if (src < 0 || src >= i) continue;
      xs.push(h[i]);
      ys.push(bits[src]);
      at.push(j);
    }
  }
  const r = yield* B.and(xs, ys);
  const cBits: Plane[] = Array.from({ length: F }, (_, j) =>
    publicPlane(B, bits[0].words, j === F - 1 ? 1 : 0, n),
  );
  r.forEach((p, q) => {
    cBits[at[q]] = xorPlanes(cBits[at[q]], p);
  });
  return { c: yield* bitsToInts(B, cBits, n, false), h };
}

/**
 * 1/c for c ∈ [0.5, 1) (F fractional bits) by Newton–Raphson on the
 * residual: d = ε·2^F from the ring value 2^(2F) − c·w (about |ε|·2^(2F),
 * computed exactly before its truncation), then w ← w + ⌊w·d/2^F⌋. The
 * same iteration as w(2 − cw), with truncated values that shrink as ε does.
 */
function* newton(B: ShareBackend, c: Ints, F: number): Proto<Ints> {
  let w = addPublic(B, scaleInts(c, -2n), BigInt(Math.round(2.9142 * 2 ** F)));
  const one = 1n << BigInt(2 * F);
  for (let it = 0; it < newtonIterations(F); it++) {
    const d = yield* truncateBy(B, addPublic(B, negInts(yield* B.mul(c, w)), one), F);
    w = addInts(w, yield* truncateBy(B, yield* B.mul(w, d), F));
  }
  return w;
}

/** Σ_i h_i·2^(e − i) over i in [from, to] as ring shares, from bits injected at [first, …) of `injected`. */
function powerFactor(injected: Ints, n: number, first: number, from: number, to: number, e: number): Ints {
  let acc: Ints | undefined;
  for (let i = from; i <= to; i++) {
    const lane = sliceInts(injected, (i - first) * n, (i - first + 1) * n);
    const term = e - i === 0 ? lane : scaleInts(lane, 1n << BigInt(e - i));
    acc = acc ? addInts(acc, term) : term;
  }
  if (!acc) throw new InternalError('an empty scale factor');
  return acc;
}

/** The sign of y on q: q − 2·[y < 0]·q. */
function* signed(B: ShareBackend, q: Ints, sA: Ints): Proto<Ints> {
  return plus(B, q, yield* times(B, sA, scaleInts(q, -2n)));
}

/**
 * 1/y on fixed(k, f) (raw 2^(2f)/|y| = w·2^(2f−1−i−F)): w times the factor
 * 2^(2f−1−i−F) injected from h for i ≤ 2f−1−F (exact), plus ⌊w·2^(2f−1−i)/2^F⌋
 * for the i up to 2f − 1 where that power is below 2^F (one truncation of a
 * value below 2^(2F)); for i ≥ 2f the reciprocal is below one unit and this
 * gives 0 (or 1). 1/0 gives 0 (or 1).
 */
export function* reciprocal(B: ShareBackend, y: Ints, k: number, f: number): Proto<Ints> {
  const F = newtonFrac(f);
  const n = y.n;
  const { sA, a } = yield* absolute(B, y, k);
  const { c, h } = yield* normalize(B, a, k, F);
  const top = Math.min(2 * f - 1, k - 1);
  const exactTo = Math.min(2 * f - 1 - F, top);
  const [w, injected] = yield* both(newton(B, c, F), B.bitsToInts(h.slice(0, top + 1), n));
  const parts: Array<Proto<Ints>> = [];
  if (exactTo >= 0) parts.push(B.mul(w, powerFactor(injected, n, 0, 0, exactTo, 2 * f - 1 - F)));
  const truncatedFrom = Math.max(0, exactTo + 1);
  if (truncatedFrom <= top) {
    const u = powerFactor(injected, n, 0, truncatedFrom, top, 2 * f - 1);
    parts.push(
      (function* () {
        return yield* truncateBy(B, yield* B.mul(w, u), F);
      })(),
    );
  }
  const terms = yield* parallel(parts);
  return yield* signed(B, terms.reduce(addInts), sA);
}

/**
 * The dividend scaled by the leading one i of |y|: x' = x·2^(f−i), exact,
 * for i ≤ f; for i > f, x's k bits shifted right arithmetically by i − f,
 * bit j of it ⊕_i h_i ∧ x_(min(j+i−f, k−1)) (one AND layer), then as ring
 * shares. |x'| < 2·|x/y|·2^f + 1.
 */
function* scaledDividend(B: ShareBackend, x: Ints, xBits: Bits, h: Bits, k: number, f: number): Proto<Ints> {
  const n = x.n;
  const leftTo = Math.min(f, k - 1);
  const xs: Plane[] = [];
  const ys: Plane[] = [];
  const at: number[] = [];
  for (let j = 0; j < k; j++) {
    // h_i for the i whose shift brings in the sign bit: one AND with it.
    let sign: Plane | undefined;
    for (let i = f + 1; i < k; i++) {
      const src = j + i - f;
      if (src < k - 1) {
        xs.push(h[i]);
        ys.push(xBits[src]);
        at.push(j);
      } else sign = sign ? xorPlanes(sign, h[i]) : h[i];
    }
    if (sign) {
      xs.push(sign);
      ys.push(xBits[k - 1]);
      at.push(j);
    }
  }
  const [injected, shiftedBits] = yield* both(
    B.bitsToInts(h.slice(0, leftTo + 1), n),
    (function* () {
      if (xs.length === 0) return undefined;
      const r = yield* B.and(xs, ys);
      const bits: Plane[] = Array.from({ length: k }, () => publicPlane(B, h[0].words, 0, n));
      r.forEach((p, q) => {
        bits[at[q]] = xorPlanes(bits[at[q]], p);
      });
      return bits;
    })(),
  );
  const [left, right] = yield* both(
    B.mul(x, powerFactor(injected, n, 0, 0, leftTo, f)),
    (function* () {
      return shiftedBits ? yield* bitsToInts(B, shiftedBits, n, true) : undefined;
    })(),
  );
  return right ? addInts(left, right) : left;
}

/**
 * x / y on fixed(k, f): w ≈ 1/c by Newton–Raphson while the dividend is
 * scaled to x' = x·2^(f−i) (scaledDividend), then ⌊x'·w/2^(F+1)⌋ — one
 * truncation of a value below (|x/y| + 2^−f)·2^(f+F+2) — signed by y.
 */
export function* divide(B: ShareBackend, x: Ints, y: Ints, k: number, f: number): Proto<Ints> {
  const F = newtonFrac(f);
  const [{ sA, a }, xBits] = yield* both(absolute(B, y, k), bitDecompose(B, x, k));
  const { c, h } = yield* normalize(B, a, k, F);
  const [w, scaled] = yield* both(newton(B, c, F), scaledDividend(B, x, xBits, h, k, f));
  const q = yield* truncateBy(B, yield* B.mul(scaled, w), F + 1);
  return yield* signed(B, q, sA);
}
