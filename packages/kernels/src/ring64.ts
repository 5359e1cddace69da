/**
 * Z_2^64 arithmetic on vectors of words: the share arithmetic of the
 * secret-sharing engine (additive shares, Beaver multiplication, replicated
 * sharing, share reconstruction). Operands are BigUint64Arrays of equal
 * length; results are mod 2^64; `out` may be one of the operands (in place)
 * but must not partly overlap one.
 *
 * WebAssembly SIMD kernels in wasm/ring64.wat (i64x2 lanes), plain-JS twins
 * (`…Js`) on 32-bit halves with 16-bit limb products (no BigInt per element).
 * Dispatch: every array in one KernelArena (see `allocWords`) → WebAssembly
 * in place; otherwise, from 4 KiB up, the arrays are copied through the
 * scratch arena for the kernels where that measured faster than the JS twin
 * (the products; README figures); otherwise the JS twin.
 */
import { InvalidArgument } from '@parley/interface';
import {
  borrowOut,
  carryOut,
  checkWords,
  halvesOf,
  kernelsInPlace,
  mulAddInto,
  mulInto,
  wordsViaScratch,
} from './_words.js';

interface Ring64Exports {
  add64(out: number, a: number, b: number, n: number): void;
  sub64(out: number, a: number, b: number, n: number): void;
  mul64(out: number, x: number, y: number, n: number): void;
  mul_add64(out: number, x: number, y: number, n: number): void;
  cross_mul64(out: number, x0: number, x1: number, y0: number, y1: number, n: number): void;
  beaver_mul64(
    out: number,
    a: number,
    b: number,
    c: number,
    d: number,
    e: number,
    first: number,
    n: number,
  ): void;
}

/** WebAssembly in place, else through the scratch arena (when `scratch`), else false. */
function runWasm(
  out: BigUint64Array,
  operands: BigUint64Array[],
  scratch: boolean,
  run: (k: Ring64Exports, out: number, operands: number[]) => void,
): boolean {
  const kernels = kernelsInPlace<Ring64Exports>(out, operands);
  if (kernels) {
    run(
      kernels,
      out.byteOffset,
      operands.map((x) => x.byteOffset),
    );
    return true;
  }
  return scratch && wordsViaScratch(out, operands, run);
}

/** out[i] = a[i] + b[i] mod 2^64. */
export function add64(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  if (!runWasm(out, [a, b], false, (k, o, [x, y]) => k.add64(o, x, y, n))) add64Js(out, a, b);
}

export function add64Js(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  const o = halvesOf(out);
  const x = halvesOf(a);
  const y = halvesOf(b);
  for (let i = 0; i < 2 * n; i += 2) {
    const xl = x[i];
    const yl = y[i];
    const low = (xl + yl) >>> 0;
    o[i + 1] = x[i + 1] + y[i + 1] + carryOut(xl, yl, low);
    o[i] = low;
  }
}

/** out[i] = a[i] − b[i] mod 2^64. */
export function sub64(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  if (!runWasm(out, [a, b], false, (k, o, [x, y]) => k.sub64(o, x, y, n))) sub64Js(out, a, b);
}

export function sub64Js(out: BigUint64Array, a: BigUint64Array, b: BigUint64Array): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
  ]);
  const o = halvesOf(out);
  const x = halvesOf(a);
  const y = halvesOf(b);
  for (let i = 0; i < 2 * n; i += 2) {
    const xl = x[i];
    const yl = y[i];
    const low = (xl - yl) >>> 0;
    o[i + 1] = x[i + 1] - y[i + 1] - borrowOut(xl, yl, low);
    o[i] = low;
  }
}

/** out[i] = x[i]·y[i] mod 2^64. */
export function mul64(out: BigUint64Array, x: BigUint64Array, y: BigUint64Array): void {
  const n = checkWords(out, [
    [x, 'x'],
    [y, 'y'],
  ]);
  if (!runWasm(out, [x, y], true, (k, o, [p, q]) => k.mul64(o, p, q, n))) mul64Js(out, x, y);
}

export function mul64Js(out: BigUint64Array, x: BigUint64Array, y: BigUint64Array): void {
  const n = checkWords(out, [
    [x, 'x'],
    [y, 'y'],
  ]);
  const o = halvesOf(out);
  const p = halvesOf(x);
  const q = halvesOf(y);
  for (let i = 0; i < 2 * n; i += 2) mulInto(o, i, p[i], p[i + 1], q[i], q[i + 1]);
}

/** out[i] += x[i]·y[i] mod 2^64. */
export function mulAdd64(out: BigUint64Array, x: BigUint64Array, y: BigUint64Array): void {
  const n = checkWords(out, [
    [x, 'x'],
    [y, 'y'],
  ]);
  if (!runWasm(out, [out, x, y], true, (k, o, [prior, p, q]) => mulAddVia(k, o, prior, p, q, n)))
    mulAdd64Js(out, x, y);
}

/** mul_add64 in place, or on a scratch copy of out's prior value (then o !== prior). */
function mulAddVia(k: Ring64Exports, o: number, prior: number, p: number, q: number, n: number): void {
  if (o === prior) k.mul_add64(o, p, q, n);
  else {
    // Scratch path: the result view is not the copy of out, so out = x·y + prior in two passes.
    k.mul64(o, p, q, n);
    k.add64(o, o, prior, n);
  }
}

export function mulAdd64Js(out: BigUint64Array, x: BigUint64Array, y: BigUint64Array): void {
  const n = checkWords(out, [
    [x, 'x'],
    [y, 'y'],
  ]);
  const o = halvesOf(out);
  const p = halvesOf(x);
  const q = halvesOf(y);
  for (let i = 0; i < 2 * n; i += 2) mulAddInto(o, i, p[i], p[i + 1], q[i], q[i + 1]);
}

/**
 * out[i] = x0[i]·y0[i] + x0[i]·y1[i] + x1[i]·y0[i] mod 2^64: the local step of
 * a replicated-sharing multiplication (the party holds shares x0, x1 of x and
 * y0, y1 of y), computed as x0·(y0 + y1) + x1·y0.
 */
export function crossMul64(
  out: BigUint64Array,
  x0: BigUint64Array,
  x1: BigUint64Array,
  y0: BigUint64Array,
  y1: BigUint64Array,
): void {
  const n = checkWords(out, [
    [x0, 'x0'],
    [x1, 'x1'],
    [y0, 'y0'],
    [y1, 'y1'],
  ]);
  if (!runWasm(out, [x0, x1, y0, y1], true, (k, o, [a, b, c, d]) => k.cross_mul64(o, a, b, c, d, n)))
    crossMul64Js(out, x0, x1, y0, y1);
}

export function crossMul64Js(
  out: BigUint64Array,
  x0: BigUint64Array,
  x1: BigUint64Array,
  y0: BigUint64Array,
  y1: BigUint64Array,
): void {
  const n = checkWords(out, [
    [x0, 'x0'],
    [x1, 'x1'],
    [y0, 'y0'],
    [y1, 'y1'],
  ]);
  const o = halvesOf(out);
  const a = halvesOf(x0);
  const b = halvesOf(x1);
  const c = halvesOf(y0);
  const d = halvesOf(y1);
  for (let i = 0; i < 2 * n; i += 2) {
    const al = a[i];
    const ah = a[i + 1];
    const bl = b[i];
    const bh = b[i + 1];
    const cl = c[i];
    const ch = c[i + 1];
    const dl = d[i];
    const sl = (cl + dl) >>> 0;
    const sh = (ch + d[i + 1] + carryOut(cl, dl, sl)) >>> 0;
    mulInto(o, i, al, ah, sl, sh);
    mulAddInto(o, i, bl, bh, cl, ch);
  }
}

/**
 * The local step of a Beaver multiplication z = x·y with triple (a, b, c) after
 * opening d = x − a and e = y − b: out[i] = c[i] + d[i]·b[i] + e[i]·a[i], plus
 * d[i]·e[i] on exactly one party (`isFirst`), so that the shares sum to x·y.
 */
export function beaverMul64(
  out: BigUint64Array,
  a: BigUint64Array,
  b: BigUint64Array,
  c: BigUint64Array,
  d: BigUint64Array,
  e: BigUint64Array,
  isFirst: boolean,
): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
    [c, 'c'],
    [d, 'd'],
    [e, 'e'],
  ]);
  if (typeof isFirst !== 'boolean')
    throw new InvalidArgument('isFirst must be a boolean', { field: 'isFirst' });
  const first = isFirst ? 1 : 0;
  if (
    !runWasm(out, [a, b, c, d, e], true, (k, o, [pa, pb, pc, pd, pe]) =>
      k.beaver_mul64(o, pa, pb, pc, pd, pe, first, n),
    )
  )
    beaverMul64Js(out, a, b, c, d, e, isFirst);
}

export function beaverMul64Js(
  out: BigUint64Array,
  a: BigUint64Array,
  b: BigUint64Array,
  c: BigUint64Array,
  d: BigUint64Array,
  e: BigUint64Array,
  isFirst: boolean,
): void {
  const n = checkWords(out, [
    [a, 'a'],
    [b, 'b'],
    [c, 'c'],
    [d, 'd'],
    [e, 'e'],
  ]);
  if (typeof isFirst !== 'boolean')
    throw new InvalidArgument('isFirst must be a boolean', { field: 'isFirst' });
  const mask = isFirst ? 0xffffffff : 0;
  const o = halvesOf(out);
  const ha = halvesOf(a);
  const hb = halvesOf(b);
  const hc = halvesOf(c);
  const hd = halvesOf(d);
  const he = halvesOf(e);
  for (let i = 0; i < 2 * n; i += 2) {
    const al = ha[i];
    const ah = ha[i + 1];
    const dl = hd[i];
    const dh = hd[i + 1];
    const el = he[i];
    const eh = he[i + 1];
    // d·(b + e·first) + e·a + c
    const bl = hb[i];
    const ml = (el & mask) >>> 0;
    const sl = (bl + ml) >>> 0;
    const sh = (hb[i + 1] + (eh & mask) + carryOut(bl, ml, sl)) >>> 0;
    const cl = hc[i];
    const chigh = hc[i + 1];
    o[i] = cl;
    o[i + 1] = chigh;
    mulAddInto(o, i, dl, dh, sl, sh);
    mulAddInto(o, i, el, eh, al, ah);
  }
}

/** out[i] = Σ_k shares[k][i] mod 2^64: reconstruction of additively shared values (zero for no shares). */
export function sumShares64(out: BigUint64Array, shares: readonly BigUint64Array[]): void {
  checkShares(out, shares);
  if (shares.length === 0) out.fill(0n);
  else if (shares.length === 1) {
    if (shares[0] !== out) out.set(shares[0]);
  } else {
    add64(out, shares[0], shares[1]);
    for (let k = 2; k < shares.length; k++) add64(out, out, shares[k]);
  }
}

export function sumShares64Js(out: BigUint64Array, shares: readonly BigUint64Array[]): void {
  checkShares(out, shares);
  if (shares.length === 0) out.fill(0n);
  else if (shares.length === 1) {
    if (shares[0] !== out) out.set(shares[0]);
  } else {
    add64Js(out, shares[0], shares[1]);
    for (let k = 2; k < shares.length; k++) add64Js(out, out, shares[k]);
  }
}

function checkShares(out: BigUint64Array, shares: readonly BigUint64Array[]): void {
  if (!Array.isArray(shares)) throw new InvalidArgument('shares must be an array', { field: 'shares' });
  // Every share is read after out may have been written (out = s0 + s1, then out += s_k): only shares[0]
  // and shares[1] may be out itself.
  checkWords(
    out,
    shares.map((s, k) => [s, `shares[${k}]`] as const),
  );
  for (let k = 2; k < shares.length; k++) {
    if (shares[k] === out || (shares[k].buffer === out.buffer && shares[k].byteOffset === out.byteOffset)) {
      if (out.length > 0)
        throw new InvalidArgument(`shares[${k}] is out: only shares[0] or shares[1] may be`, {
          field: `shares[${k}]`,
        });
    }
  }
}
