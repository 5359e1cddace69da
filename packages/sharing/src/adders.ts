/**
 * Adders on bit-sliced boolean shares, shaped for rounds (AND depth) rather
 * than AND count, as secret sharing pays one round per AND layer:
 * - carry-save (3-to-2 full-adder) layers, one AND per bit, depth 1
 *   (the "full-adder layer" of ABY3's bit decomposition);
 * - Sklansky's parallel-prefix adder (Sklansky 1960), depth 1 + ⌈log2 k⌉;
 * - the carry into the top bit alone by a balanced prefix tree (the MSB,
 *   i.e. less-than-zero), about 2k ANDs, depth 1 + ⌈log2 (k−1)⌉;
 * - equality by an AND tree, and a + b = 0 without carries (bit i of a ⊕ b
 *   must equal the OR of bits i−1), depth 1 + ⌈log2 k⌉.
 * Every AND of a layer goes into one `and` call: one round per layer.
 */
import type { ShareBackend } from './backend.js';
import type { Proto } from './protocol.js';
import { type Bits, notPlane, type Plane, publicPlane, xorBits, xorPlanes } from './shares.js';

/** Reduces addends to two with the same sum, by layers of full adders (k bits, carries out of the top dropped). */
export function* carrySave(B: ShareBackend, addends: Bits[]): Proto<[Bits, Bits]> {
  let rest = addends;
  while (rest.length > 2) {
    const groups = Math.floor(rest.length / 3);
    const xs: Plane[] = [];
    const ys: Plane[] = [];
    const sums: Bits[] = [];
    const cs: Bits[] = [];
    for (let g = 0; g < groups; g++) {
      const [a, b, c] = rest.slice(3 * g, 3 * g + 3);
      const k = a.length;
      // maj(a, b, c) = ((a ⊕ c) ∧ (b ⊕ c)) ⊕ c; the carry out of the top bit is not needed.
      sums.push(a.map((ai, i) => xorPlanes(xorPlanes(ai, b[i]), c[i])));
      cs.push(c);
      for (let i = 0; i < k - 1; i++) {
        xs.push(xorPlanes(a[i], c[i]));
        ys.push(xorPlanes(b[i], c[i]));
      }
    }
    const ands = yield* B.and(xs, ys);
    const next: Bits[] = [];
    let at = 0;
    for (let g = 0; g < groups; g++) {
      const c = cs[g];
      const k = c.length;
      const carry: Bits = [publicPlane(B, c[0].words, 0, c[0].lanes)];
      for (let i = 0; i < k - 1; i++) carry.push(xorPlanes(ands[at++], c[i]));
      next.push(sums[g], carry);
    }
    rest = [...next, ...rest.slice(3 * groups)];
  }
  return [rest[0], rest[1]];
}

/** a + b mod 2^k with Sklansky's parallel prefix (k = a.length). */
export function* prefixAdd(B: ShareBackend, a: Bits, b: Bits): Proto<Bits> {
  const k = a.length;
  const p = xorBits(a, b);
  if (k === 1) return p;
  // Generate and propagate of bits 0 … k−2 (the top bit's carry out is dropped).
  const G = yield* B.and(a.slice(0, k - 1), b.slice(0, k - 1));
  const P = p.slice(0, k - 1);
  const m = k - 1;
  for (let span = 1; span < m; span <<= 1) {
    const xs: Plane[] = [];
    const ys: Plane[] = [];
    const gi: number[] = [];
    const pi: number[] = [];
    for (let i = 0; i < m; i++) {
      if (!(i & span)) continue;
      const j = (i & ~(span - 1)) - 1;
      xs.push(P[i]);
      ys.push(G[j]);
      gi.push(i);
      // P is needed later only when the block does not reach down to bit 0.
      if (i >= 2 * span) {
        xs.push(P[i]);
        ys.push(P[j]);
        pi.push(i);
      }
    }
    const r = yield* B.and(xs, ys);
    let at = 0;
    let g = 0;
    let q = 0;
    while (at < r.length) {
      const i = gi[g++];
      G[i] = xorPlanes(G[i], r[at++]);
      if (pi[q] === i) {
        P[i] = r[at++];
        q++;
      }
    }
  }
  // Carry into bit i is G[i−1].
  return [p[0], ...xorBits(p.slice(1), G.slice(0, k - 1))];
}

/** The top bit of a + b (the sign of a two's-complement sum) via a balanced prefix tree of its carry. */
export function* topBitOfSum(B: ShareBackend, a: Bits, b: Bits): Proto<Plane> {
  const k = a.length;
  const p = xorBits(a, b);
  if (k === 1) return p[0];
  const gs = yield* B.and(a.slice(0, k - 1), b.slice(0, k - 1));
  // Blocks from low to high: [generate, propagate]; the lowest block's propagate is never needed.
  let blocks: Array<[Plane, Plane | undefined]> = gs.map((g, i) => [g, i === 0 ? undefined : p[i]]);
  while (blocks.length > 1) {
    const xs: Plane[] = [];
    const ys: Plane[] = [];
    const pairs = Math.floor(blocks.length / 2);
    for (let q = 0; q < pairs; q++) {
      const [glo, plo] = blocks[2 * q];
      const [, phi] = blocks[2 * q + 1];
      xs.push(phi as Plane);
      ys.push(glo);
      if (plo) {
        xs.push(phi as Plane);
        ys.push(plo);
      }
    }
    const r = yield* B.and(xs, ys);
    const next: typeof blocks = [];
    let at = 0;
    for (let q = 0; q < pairs; q++) {
      const [, plo] = blocks[2 * q];
      const [ghi] = blocks[2 * q + 1];
      const g = xorPlanes(ghi, r[at++]);
      next.push([g, plo ? r[at++] : undefined]);
    }
    if (blocks.length % 2 === 1) next.push(blocks[blocks.length - 1]);
    blocks = next;
  }
  return xorPlanes(p[k - 1], blocks[0][0]);
}

/** AND of all planes, by a balanced tree (⌈log2 n⌉ rounds). */
export function* andAll(B: ShareBackend, planes: Plane[]): Proto<Plane> {
  let layer = planes;
  while (layer.length > 1) {
    const half = Math.floor(layer.length / 2);
    const r = yield* B.and(layer.slice(0, half), layer.slice(half, 2 * half));
    layer = layer.length % 2 === 1 ? [...r, layer[layer.length - 1]] : r;
  }
  return layer[0];
}

/** [a = b]. */
export function* equalBits(B: ShareBackend, a: Bits, b: Bits): Proto<Plane> {
  return yield* andAll(
    B,
    a.map((ai, i) => notPlane(B, xorPlanes(ai, b[i]))),
  );
}

/** [a + b = 0 mod 2^k] without a carry chain: bit 0 of a ⊕ b is 0, bit i of a ⊕ b is a_{i−1} ∨ b_{i−1}. */
export function* sumIsZero(B: ShareBackend, a: Bits, b: Bits): Proto<Plane> {
  const k = a.length;
  const x = a.map((ai, i) => xorPlanes(ai, b[i]));
  const ands = yield* B.and(a.slice(0, k - 1), b.slice(0, k - 1));
  const checks = x.map((xi, i) =>
    i === 0 ? notPlane(B, xi) : notPlane(B, xorPlanes(xi, xorPlanes(x[i - 1], ands[i - 1]))),
  );
  return yield* andAll(B, checks);
}
