/**
 * The inner loops of half-gates garbling (Zahur, Rosulek, Evans: "Two Halves
 * Make a Whole", EUROCRYPT 2015, eprint 2014/756) with free XOR, over a
 * batch of gates: the gathers that lay out the blocks to hash, the tweak XOR
 * of the TCCR hash between its two AES passes (Guo, Katz, Wang, Yu, IEEE S&P
 * 2020, eprint 2019/074), the post-passes that turn hashes into garbled
 * tables and output labels, and the free gates (XOR, and INV, COPY, CONST
 * compiled to XOR). The AES passes
 * themselves stay in node:crypto (AES-NI); @parley/garbled's halfGates.ts
 * drives these kernels between them.
 *
 * Layout: labels are 16-byte blocks, 4 little-endian 32-bit words each;
 * gates are parallel arrays of label indices (`a`, `b`, `out`). A hash
 * buffer holds, per AND gate, the blocks hashed for it (garbler: A, A⊕Δ, B,
 * B⊕Δ; evaluator: a, b); a table holds TG, TE per AND gate. The TCCR's final XOR, H = π(π(x) ⊕ i) ⊕ π(x), is fused
 * into the post-passes: they take both halves, `q` = π(π(x) ⊕ i) and
 * `p` = π(x).
 *
 * Every kernel has a WebAssembly SIMD version (wasm/garbling.wat, one v128
 * per label), used when every view lies in one WebAssembly KernelArena, and
 * a plain-JS twin (`…Js`, the loops @parley/garbled ran before) with the
 * same contract, used otherwise. Kernels that take gates check each index
 * they use against the number of labels, and return -1 when all n gates are
 * done, else the index of the first gate refused (the gates before it are
 * done). The WebAssembly kernels check the indices of four gates at a time
 * as they load them, with one unsigned maximum and one compare.
 */
import { InvalidArgument } from '@parley/interface';
import { assertCount, assertDisjoint } from './_checks.js';
import type { WasmKernelExports } from './_wasm.js';
import { wasmKernelsOfBuffer } from './arena.js';

function assertWords(view: unknown, words: number, what: string): asserts view is Uint32Array {
  if (!(view instanceof Uint32Array))
    throw new InvalidArgument(`${what}: expected a Uint32Array`, { field: what });
  if (view.length < words) {
    throw new InvalidArgument(`${what}: needs ${words} words, has ${view.length}`, { field: what });
  }
}

/** The kernels of `first`'s WebAssembly arena when every view lies in it, else undefined (run the JS twin). */
function kernelsFor(
  first: ArrayBufferView,
  v1: ArrayBufferView,
  v2: ArrayBufferView,
  v3: ArrayBufferView,
  v4: ArrayBufferView = first,
  v5: ArrayBufferView = first,
  v6: ArrayBufferView = first,
): WasmKernelExports | undefined {
  const buffer = first.buffer;
  const kernels = wasmKernelsOfBuffer(buffer);
  if (!kernels) return undefined;
  if (v1.buffer !== buffer || v2.buffer !== buffer || v3.buffer !== buffer) return undefined;
  if (v4.buffer !== buffer || v5.buffer !== buffer || v6.buffer !== buffer) return undefined;
  return kernels;
}

// ---------------------------------------------------------------- pre-passes

function checkGather(
  hashes: Uint32Array,
  perGate: number,
  labels: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  n: number,
): void {
  assertCount(n, 'n');
  assertWords(hashes, 4 * perGate * n, 'hashes');
  assertWords(labels, 0, 'labels');
  assertWords(a, n, 'a');
  assertWords(b, n, 'b');
  assertDisjoint(hashes, labels, 'labels');
  assertDisjoint(hashes, a, 'a');
  assertDisjoint(hashes, b, 'b');
}

/**
 * Garbler pre-pass: for gate g < n, hashes[4g … 4g+3] = L[a_g], L[a_g] ⊕ Δ,
 * L[b_g], L[b_g] ⊕ Δ (blocks). Returns -1, or the first gate with an index
 * past the labels.
 */
export function garbleGather(
  hashes: Uint32Array,
  labels: Uint32Array,
  delta: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  n: number,
): number {
  checkGather(hashes, 4, labels, a, b, n);
  assertWords(delta, 4, 'delta');
  assertDisjoint(hashes, delta, 'delta');
  const k = kernelsFor(hashes, labels, a, b, delta);
  if (!k) return garbleGatherJs(hashes, labels, delta, a, b, n);
  return k.hg_garble_gather(
    hashes.byteOffset,
    labels.byteOffset,
    delta.byteOffset,
    a.byteOffset,
    b.byteOffset,
    n,
    labels.length >>> 2,
  );
}

export function garbleGatherJs(
  hashes: Uint32Array,
  labels: Uint32Array,
  delta: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  n: number,
): number {
  checkGather(hashes, 4, labels, a, b, n);
  assertWords(delta, 4, 'delta');
  assertDisjoint(hashes, delta, 'delta');
  const L = labels;
  const h = hashes;
  const count = L.length >>> 2;
  const d0 = delta[0];
  const d1 = delta[1];
  const d2 = delta[2];
  const d3 = delta[3];
  for (let g = 0, w = 0; g < n; g++, w += 16) {
    if (a[g] >= count || b[g] >= count) return g;
    const ia = a[g] * 4;
    const ib = b[g] * 4;
    h[w] = L[ia];
    h[w + 1] = L[ia + 1];
    h[w + 2] = L[ia + 2];
    h[w + 3] = L[ia + 3];
    h[w + 4] = L[ia] ^ d0;
    h[w + 5] = L[ia + 1] ^ d1;
    h[w + 6] = L[ia + 2] ^ d2;
    h[w + 7] = L[ia + 3] ^ d3;
    h[w + 8] = L[ib];
    h[w + 9] = L[ib + 1];
    h[w + 10] = L[ib + 2];
    h[w + 11] = L[ib + 3];
    h[w + 12] = L[ib] ^ d0;
    h[w + 13] = L[ib + 1] ^ d1;
    h[w + 14] = L[ib + 2] ^ d2;
    h[w + 15] = L[ib + 3] ^ d3;
  }
  return -1;
}

/** Evaluator pre-pass: for gate g < n, hashes[2g], hashes[2g+1] = L[a_g], L[b_g]. */
export function evaluateGather(
  hashes: Uint32Array,
  labels: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  n: number,
): number {
  checkGather(hashes, 2, labels, a, b, n);
  const k = kernelsFor(hashes, labels, a, b);
  if (!k) return evaluateGatherJs(hashes, labels, a, b, n);
  return k.hg_evaluate_gather(
    hashes.byteOffset,
    labels.byteOffset,
    a.byteOffset,
    b.byteOffset,
    n,
    labels.length >>> 2,
  );
}

export function evaluateGatherJs(
  hashes: Uint32Array,
  labels: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  n: number,
): number {
  checkGather(hashes, 2, labels, a, b, n);
  const L = labels;
  const h = hashes;
  const count = L.length >>> 2;
  for (let g = 0, w = 0; g < n; g++, w += 8) {
    if (a[g] >= count || b[g] >= count) return g;
    const ia = a[g] * 4;
    const ib = b[g] * 4;
    h[w] = L[ia];
    h[w + 1] = L[ia + 1];
    h[w + 2] = L[ia + 2];
    h[w + 3] = L[ia + 3];
    h[w + 4] = L[ib];
    h[w + 5] = L[ib + 1];
    h[w + 6] = L[ib + 2];
    h[w + 7] = L[ib + 3];
  }
  return -1;
}

// ---------------------------------------------------------------- TCCR tweak

const TWO32 = 4294967296;

function checkTweak(
  dst: Uint32Array,
  src: Uint32Array,
  count: number,
  tweakBase: number,
  shift: number,
): void {
  assertCount(count, 'count');
  assertWords(dst, 4 * count, 'dst');
  assertWords(src, 4 * count, 'src');
  if (!(dst.buffer === src.buffer && dst.byteOffset === src.byteOffset)) assertDisjoint(dst, src, 'src');
  if (!Number.isSafeInteger(tweakBase) || tweakBase < 0) {
    throw new InvalidArgument(`tweakBase must be a non-negative safe integer, got ${tweakBase}`, {
      field: 'tweakBase',
    });
  }
  if (shift !== 0 && shift !== 1)
    throw new InvalidArgument(`shift must be 0 or 1, got ${shift}`, { field: 'shift' });
  // The last tweak must be exact in a double too (the JS twin adds in doubles; past 2^53 they
  // round and two blocks would share a tweak). Compared without forming the rounded sum.
  const lastOffset = count === 0 ? 0 : Math.floor((count - 1) / (shift + 1));
  if (tweakBase > Number.MAX_SAFE_INTEGER - lastOffset) {
    throw new InvalidArgument(
      `tweakBase + ((count - 1) >> shift) must not exceed 2^53 - 1, got tweakBase ${tweakBase} and count ${count}`,
      { field: 'tweakBase' },
    );
  }
}

/**
 * The TCCR tweak between the two AES passes: dst[k] = src[k] ⊕ t_k for
 * k < count, with t_k = tweakBase + (k >> shift) XORed into the block's low
 * 64 bits (words 0 and 1); shift 1 gives blocks 2m and 2m+1 one tweak, as
 * H(A, j) and H(A ⊕ Δ, j) of one gate need. dst may be src. Every tweak
 * must be a safe integer: tweakBase + ((count − 1) >> shift) ≤ 2^53 − 1.
 */
export function tccrTweak(
  dst: Uint32Array,
  src: Uint32Array,
  count: number,
  tweakBase: number,
  shift: number,
): void {
  checkTweak(dst, src, count, tweakBase, shift);
  const k = kernelsFor(dst, src, src, src);
  if (!k) {
    tccrTweakJs(dst, src, count, tweakBase, shift);
    return;
  }
  k.tccr_tweak(
    dst.byteOffset,
    src.byteOffset,
    count,
    tweakBase % TWO32,
    Math.floor(tweakBase / TWO32),
    shift,
  );
}

export function tccrTweakJs(
  dst: Uint32Array,
  src: Uint32Array,
  count: number,
  tweakBase: number,
  shift: number,
): void {
  checkTweak(dst, src, count, tweakBase, shift);
  const last = tweakBase + ((count - 1) >>> shift);
  if (last < TWO32) {
    for (let k = 0, w = 0; k < count; k++, w += 4) {
      dst[w] = src[w] ^ (tweakBase + (k >>> shift));
      dst[w + 1] = src[w + 1];
      dst[w + 2] = src[w + 2];
      dst[w + 3] = src[w + 3];
    }
  } else {
    for (let k = 0, w = 0; k < count; k++, w += 4) {
      const t = tweakBase + (k >>> shift);
      dst[w] = src[w] ^ (t >>> 0);
      dst[w + 1] = src[w + 1] ^ Math.floor(t / TWO32);
      dst[w + 2] = src[w + 2];
      dst[w + 3] = src[w + 3];
    }
  }
}

// ---------------------------------------------------------------- post-passes

function checkFinish(
  table: Uint32Array,
  labels: Uint32Array,
  q: Uint32Array,
  p: Uint32Array,
  perGate: number,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): void {
  assertCount(n, 'n');
  assertWords(table, 8 * n, 'table');
  assertWords(labels, 0, 'labels');
  assertWords(q, 4 * perGate * n, 'q');
  assertWords(p, 4 * perGate * n, 'p');
  assertWords(a, n, 'a');
  assertWords(b, n, 'b');
  assertWords(out, n, 'out');
  assertDisjoint(labels, q, 'q');
  assertDisjoint(labels, p, 'p');
  assertDisjoint(labels, a, 'a');
  assertDisjoint(labels, b, 'b');
  assertDisjoint(labels, out, 'out');
  assertDisjoint(labels, table, 'table');
}

/**
 * The garbler writes the table while it reads the indices, Δ and the hashes,
 * so none of them may share a byte with it (WebAssembly and JS would then
 * disagree). Δ may lie in the labels (@parley/garbled keeps it in a slot).
 */
function checkGarbleFinish(
  table: Uint32Array,
  labels: Uint32Array,
  q: Uint32Array,
  p: Uint32Array,
  delta: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): void {
  checkFinish(table, labels, q, p, 4, a, b, out, n);
  assertWords(delta, 4, 'delta');
  assertDisjoint(table, q, 'q');
  assertDisjoint(table, p, 'p');
  assertDisjoint(table, a, 'a');
  assertDisjoint(table, b, 'b');
  assertDisjoint(table, out, 'out');
  assertDisjoint(table, delta, 'delta');
}

/**
 * Garbler post-pass. For gate g < n, with H_k = q[4g+k] ⊕ p[4g+k] (k = 0…3:
 * H(A), H(A⊕Δ), H(B), H(B⊕Δ)), A = L[a_g], pa = lsb(A), pb = lsb(L[b_g]):
 *   table[2g] = TG = H_0 ⊕ H_1 ⊕ pb·Δ,   table[2g+1] = TE = H_2 ⊕ H_3 ⊕ A,
 *   L[out_g] = H_0 ⊕ pa·TG ⊕ H_2 ⊕ pb·(TE ⊕ A).
 * Gates are done in order. Returns -1, or the first gate with an index past the labels.
 */
export function garbleFinish(
  table: Uint32Array,
  labels: Uint32Array,
  q: Uint32Array,
  p: Uint32Array,
  delta: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): number {
  checkGarbleFinish(table, labels, q, p, delta, a, b, out, n);
  const k = kernelsFor(table, labels, q, p, delta, a, b);
  if (!k || out.buffer !== table.buffer) return garbleFinishJs(table, labels, q, p, delta, a, b, out, n);
  return k.hg_garble_finish(
    table.byteOffset,
    labels.byteOffset,
    q.byteOffset,
    p.byteOffset,
    delta.byteOffset,
    a.byteOffset,
    b.byteOffset,
    out.byteOffset,
    n,
    labels.length >>> 2,
  );
}

export function garbleFinishJs(
  table: Uint32Array,
  labels: Uint32Array,
  q: Uint32Array,
  p: Uint32Array,
  delta: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): number {
  checkGarbleFinish(table, labels, q, p, delta, a, b, out, n);
  const L = labels;
  const T = table;
  const count = L.length >>> 2;
  const d0 = delta[0];
  const d1 = delta[1];
  const d2 = delta[2];
  const d3 = delta[3];
  for (let g = 0, w = 0, t = 0; g < n; g++, w += 16, t += 8) {
    if (a[g] >= count || b[g] >= count || out[g] >= count) return g;
    const ia = a[g] * 4;
    const ib = b[g] * 4;
    const oc = out[g] * 4;
    const pa = -(L[ia] & 1);
    const pb = -(L[ib] & 1);
    const a0 = L[ia];
    const a1 = L[ia + 1];
    const a2 = L[ia + 2];
    const a3 = L[ia + 3];
    const h0 = q[w] ^ p[w];
    const h1 = q[w + 1] ^ p[w + 1];
    const h2 = q[w + 2] ^ p[w + 2];
    const h3 = q[w + 3] ^ p[w + 3];
    const h8 = q[w + 8] ^ p[w + 8];
    const h9 = q[w + 9] ^ p[w + 9];
    const h10 = q[w + 10] ^ p[w + 10];
    const h11 = q[w + 11] ^ p[w + 11];
    const tg0 = h0 ^ q[w + 4] ^ p[w + 4] ^ (pb & d0);
    const tg1 = h1 ^ q[w + 5] ^ p[w + 5] ^ (pb & d1);
    const tg2 = h2 ^ q[w + 6] ^ p[w + 6] ^ (pb & d2);
    const tg3 = h3 ^ q[w + 7] ^ p[w + 7] ^ (pb & d3);
    const te0 = h8 ^ q[w + 12] ^ p[w + 12] ^ a0;
    const te1 = h9 ^ q[w + 13] ^ p[w + 13] ^ a1;
    const te2 = h10 ^ q[w + 14] ^ p[w + 14] ^ a2;
    const te3 = h11 ^ q[w + 15] ^ p[w + 15] ^ a3;
    T[t] = tg0;
    T[t + 1] = tg1;
    T[t + 2] = tg2;
    T[t + 3] = tg3;
    T[t + 4] = te0;
    T[t + 5] = te1;
    T[t + 6] = te2;
    T[t + 7] = te3;
    L[oc] = h0 ^ (pa & tg0) ^ h8 ^ (pb & (te0 ^ a0));
    L[oc + 1] = h1 ^ (pa & tg1) ^ h9 ^ (pb & (te1 ^ a1));
    L[oc + 2] = h2 ^ (pa & tg2) ^ h10 ^ (pb & (te2 ^ a2));
    L[oc + 3] = h3 ^ (pa & tg3) ^ h11 ^ (pb & (te3 ^ a3));
  }
  return -1;
}

/**
 * Evaluator post-pass. For gate g < n, with Ha = q[2g] ⊕ p[2g], Hb =
 * q[2g+1] ⊕ p[2g+1], a = L[a_g], sa = lsb(a), sb = lsb(L[b_g]) and (TG, TE) =
 * table[2g], table[2g+1]:  L[out_g] = Ha ⊕ sa·TG ⊕ Hb ⊕ sb·(TE ⊕ a).
 * Gates are done in order. Returns -1, or the first gate with an index past the labels.
 */
export function evaluateFinish(
  labels: Uint32Array,
  q: Uint32Array,
  p: Uint32Array,
  table: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): number {
  checkFinish(table, labels, q, p, 2, a, b, out, n);
  const k = kernelsFor(labels, q, p, table, a, b, out);
  if (!k) return evaluateFinishJs(labels, q, p, table, a, b, out, n);
  return k.hg_evaluate_finish(
    labels.byteOffset,
    q.byteOffset,
    p.byteOffset,
    table.byteOffset,
    a.byteOffset,
    b.byteOffset,
    out.byteOffset,
    n,
    labels.length >>> 2,
  );
}

export function evaluateFinishJs(
  labels: Uint32Array,
  q: Uint32Array,
  p: Uint32Array,
  table: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): number {
  checkFinish(table, labels, q, p, 2, a, b, out, n);
  const L = labels;
  const T = table;
  const count = L.length >>> 2;
  for (let g = 0, w = 0, t = 0; g < n; g++, w += 8, t += 8) {
    if (a[g] >= count || b[g] >= count || out[g] >= count) return g;
    const ia = a[g] * 4;
    const ib = b[g] * 4;
    const oc = out[g] * 4;
    const sa = -(L[ia] & 1);
    const sb = -(L[ib] & 1);
    const a0 = L[ia];
    const a1 = L[ia + 1];
    const a2 = L[ia + 2];
    const a3 = L[ia + 3];
    L[oc] = q[w] ^ p[w] ^ (sa & T[t]) ^ q[w + 4] ^ p[w + 4] ^ (sb & (T[t + 4] ^ a0));
    L[oc + 1] = q[w + 1] ^ p[w + 1] ^ (sa & T[t + 1]) ^ q[w + 5] ^ p[w + 5] ^ (sb & (T[t + 5] ^ a1));
    L[oc + 2] = q[w + 2] ^ p[w + 2] ^ (sa & T[t + 2]) ^ q[w + 6] ^ p[w + 6] ^ (sb & (T[t + 6] ^ a2));
    L[oc + 3] = q[w + 3] ^ p[w + 3] ^ (sa & T[t + 3]) ^ q[w + 7] ^ p[w + 7] ^ (sb & (T[t + 7] ^ a3));
  }
  return -1;
}

// ---------------------------------------------------------------- free gates

function checkXor(labels: Uint32Array, a: Uint32Array, b: Uint32Array, out: Uint32Array, n: number): void {
  assertCount(n, 'n');
  assertWords(labels, 0, 'labels');
  assertWords(a, n, 'a');
  assertWords(b, n, 'b');
  assertWords(out, n, 'out');
  assertDisjoint(labels, a, 'a');
  assertDisjoint(labels, b, 'b');
  assertDisjoint(labels, out, 'out');
}

/**
 * Free gates in compiled form, in order: L[out_g] = L[a_g] ⊕ L[b_g] for
 * g < n. An XOR gate is that; INV, COPY and CONST become it when the caller
 * keeps Δ (or zero), a zero block and the constant label at reserved indices
 * (@parley/garbled's wire plan). out_g may equal a_g or b_g. Returns -1, or
 * the first gate with an index past the labels.
 */
export function xorGates(
  labels: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): number {
  checkXor(labels, a, b, out, n);
  const k = kernelsFor(labels, a, b, out);
  if (!k) return xorGatesJs(labels, a, b, out, n);
  return k.hg_xor_gates(
    labels.byteOffset,
    a.byteOffset,
    b.byteOffset,
    out.byteOffset,
    n,
    labels.length >>> 2,
  );
}

export function xorGatesJs(
  labels: Uint32Array,
  a: Uint32Array,
  b: Uint32Array,
  out: Uint32Array,
  n: number,
): number {
  checkXor(labels, a, b, out, n);
  const L = labels;
  const count = L.length >>> 2;
  for (let g = 0; g < n; g++) {
    if (a[g] >= count || b[g] >= count || out[g] >= count) return g;
    const x = a[g] * 4;
    const y = b[g] * 4;
    const o = out[g] * 4;
    // Read all of both sources before writing: out may be a or b.
    const w0 = L[x] ^ L[y];
    const w1 = L[x + 1] ^ L[y + 1];
    const w2 = L[x + 2] ^ L[y + 2];
    L[o + 3] = L[x + 3] ^ L[y + 3];
    L[o] = w0;
    L[o + 1] = w1;
    L[o + 2] = w2;
  }
  return -1;
}
