/**
 * Boolean gadgets for integer arithmetic on bit vectors (least significant bit
 * first), with their AND costs for k-bit operands:
 * - ripple-carry adder, k-1 ANDs, depth k-1; carry trick c' = c ^ ((a^c)&(b^c))
 *   (as in Boyar–Peralta and the EMP/SCALE-MAMBA circuits);
 * - Sklansky parallel-prefix adder (Sklansky 1960), ~k·log k ANDs, depth log k;
 * - comparison from the carry chain of a + ~b + 1, k ANDs (ripple) or log-depth;
 * - equality, k-1 ANDs, depth log k;
 * - multiplication mod 2^k: k(k+1)/2 partial products reduced by a Dadda tree
 *   of full and half adders (1 AND each) and one final adder;
 * - restoring division, about 2·n·(m+1) ANDs for an n-bit dividend and m-bit divisor.
 */
import { type Bit, type BitBuilder, type Bits, ONE, ZERO } from './bitBuilder.js';

/** a + b + cin mod 2^k (k = a.length = b.length). */
export function add(bb: BitBuilder, a: Bits, b: Bits, cin: Bit = ZERO): Bits {
  return bb.adder === 'prefix' ? addPrefix(bb, a, b, cin) : addRipple(bb, a, b, cin);
}

export function addRipple(bb: BitBuilder, a: Bits, b: Bits, cin: Bit = ZERO): Bits {
  const out: Bits = [];
  let c = cin;
  for (let i = 0; i < a.length; i++) {
    const ac = bb.xor(a[i], c);
    out.push(bb.xor(ac, b[i]));
    if (i + 1 < a.length) c = bb.xor(c, bb.and(ac, bb.xor(b[i], c)));
  }
  return out;
}

/** Carries into each position 0..k (carries[0] = cin), by Sklansky's parallel prefix. */
function prefixCarries(bb: BitBuilder, g: Bits, p: Bits, cin: Bit): Bits {
  const n = g.length;
  // Position -1 holds the carry-in as a generate signal.
  const G = [cin, ...g];
  const P = [ZERO, ...p];
  for (let span = 1; span < n + 1; span <<= 1) {
    for (let i = 0; i < n + 1; i++) {
      if (i & span) {
        const j = (i & ~(span - 1)) - 1; // last index of the lower block
        if (j < 0) continue;
        // (G_i, P_i) ∘ (G_j, P_j): G_i ^ (P_i & G_j) (the two terms are exclusive), P_i & P_j.
        G[i] = bb.xor(G[i], bb.and(P[i], G[j]));
        P[i] = bb.and(P[i], P[j]);
      }
    }
  }
  return G; // G[i] = carry into bit i (G[0] = cin), G[n] = carry out
}

export function addPrefix(bb: BitBuilder, a: Bits, b: Bits, cin: Bit = ZERO): Bits {
  const p = a.map((x, i) => bb.xor(x, b[i]));
  // The top bit's generate is never needed: the carry out of the top bit is dropped.
  const g = a.slice(0, -1).map((x, i) => bb.and(x, b[i]));
  const c = prefixCarries(bb, g, p.slice(0, -1), cin);
  return p.map((pi, i) => bb.xor(pi, c[i]));
}

export function sub(bb: BitBuilder, a: Bits, b: Bits): Bits {
  return add(
    bb,
    a,
    b.map((x) => bb.not(x)),
    ONE,
  );
}

export function neg(bb: BitBuilder, a: Bits): Bits {
  return add(
    bb,
    a.map((x) => bb.not(x)),
    a.map(() => ZERO),
    ONE,
  );
}

/** Carry out of a + b + cin. */
export function carryOut(bb: BitBuilder, a: Bits, b: Bits, cin: Bit): Bit {
  if (bb.adder === 'prefix') {
    const g = a.map((x, i) => bb.and(x, b[i]));
    const p = a.map((x, i) => bb.xor(x, b[i]));
    return prefixCarries(bb, g, p, cin)[a.length];
  }
  let c = cin;
  for (let i = 0; i < a.length; i++) c = bb.xor(c, bb.and(bb.xor(a[i], c), bb.xor(b[i], c)));
  return c;
}

/** a < b, unsigned: no carry out of a + ~b + 1. */
export function ltUnsigned(bb: BitBuilder, a: Bits, b: Bits): Bit {
  return bb.not(
    carryOut(
      bb,
      a,
      b.map((x) => bb.not(x)),
      ONE,
    ),
  );
}

/** a < b, two's complement: flip the sign bits, then compare unsigned. */
export function ltSigned(bb: BitBuilder, a: Bits, b: Bits): Bit {
  const k = a.length - 1;
  const a2 = [...a.slice(0, k), bb.not(a[k])];
  const b2 = [...b.slice(0, k), bb.not(b[k])];
  return ltUnsigned(bb, a2, b2);
}

export function equal(bb: BitBuilder, a: Bits, b: Bits): Bit {
  return bb.andAll(a.map((x, i) => bb.not(bb.xor(x, b[i]))));
}

/** Full adder: sum and carry of three bits, one AND. */
function fullAdder(bb: BitBuilder, a: Bit, b: Bit, c: Bit): [Bit, Bit] {
  const ac = bb.xor(a, c);
  return [bb.xor(ac, b), bb.xor(c, bb.and(ac, bb.xor(b, c)))];
}

/**
 * Sums the bits of each column (column i has weight 2^i) mod 2^k: Dadda's
 * reduction (Dadda 1965) to height two with full and half adders, stage
 * heights 2, 3, 4, 6, 9, 13, … so the depth is logarithmic, then one final
 * adder. The top column needs no carries: its parity is its sum.
 */
export function sumColumns(bb: BitBuilder, columns: Bits[], k: number): Bits {
  let cols = columns.slice(0, k).map((c) => c.filter((b) => b !== ZERO));
  while (cols.length < k) cols.push([]);
  const top = (c: Bits) => c.reduce((acc, b) => bb.xor(acc, b), ZERO);
  cols[k - 1] = [top(cols[k - 1])];
  const targets = [2];
  const maxHeight = Math.max(...cols.map((c) => c.length));
  while (targets[targets.length - 1] < maxHeight) targets.push(Math.floor(targets[targets.length - 1] * 1.5));
  for (let stage = targets.length - 2; stage >= 0; stage--) {
    const d = targets[stage];
    const next: Bits[] = cols.map(() => []);
    let carries: Bits = [];
    for (let i = 0; i < k; i++) {
      const bits = cols[i];
      const incoming = carries;
      carries = [];
      if (i === k - 1) {
        next[i] = [top([...bits, ...incoming])];
        break;
      }
      let h = bits.length + incoming.length;
      let idx = 0;
      const out: Bits = [];
      while (h > d && bits.length - idx >= 2) {
        if (h - d >= 2 && bits.length - idx >= 3) {
          const [sum, carry] = fullAdder(bb, bits[idx], bits[idx + 1], bits[idx + 2]);
          out.push(sum);
          carries.push(carry);
          idx += 3;
          h -= 2;
        } else {
          out.push(bb.xor(bits[idx], bits[idx + 1]));
          carries.push(bb.and(bits[idx], bits[idx + 1]));
          idx += 2;
          h -= 1;
        }
      }
      next[i] = [...out, ...bits.slice(idx), ...incoming];
    }
    cols = next;
  }
  const x = cols.map((c) => c[0] ?? ZERO);
  const y = cols.map((c) => c[1] ?? ZERO);
  return add(bb, x, y);
}

/** a · b mod 2^k (k = a.length = b.length); the same bits for signed and unsigned operands. */
export function multiply(bb: BitBuilder, a: Bits, b: Bits): Bits {
  const k = a.length;
  const columns: Bits[] = Array.from({ length: k }, () => []);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i + j < k; i++) columns[i + j].push(bb.and(a[i], b[j]));
  }
  return sumColumns(bb, columns, k);
}

/**
 * Unsigned restoring division of an n-bit `a` by an m-bit `b`: n-bit quotient
 * and m-bit remainder. Division by zero gives quotient 2^n - 1 and remainder a mod 2^m.
 */
export function divideUnsigned(bb: BitBuilder, a: Bits, b: Bits): { quotient: Bits; remainder: Bits } {
  const n = a.length;
  const m = b.length;
  const bx = [...b, ZERO];
  let r: Bits = new Array<Bit>(m + 1).fill(ZERO);
  const q: Bits = new Array<Bit>(n).fill(ZERO);
  for (let i = n - 1; i >= 0; i--) {
    r = [a[i], ...r.slice(0, m)];
    const nb = bx.map((x) => bb.not(x));
    const noBorrow = carryOut(bb, r, nb, ONE);
    const d = add(bb, r, nb, ONE);
    q[i] = noBorrow;
    r = bb.muxBits(noBorrow, d, r);
  }
  return { quotient: q, remainder: r.slice(0, m) };
}

/** Two's-complement absolute value: (a ^ s) + s with s the sign bit; returns the magnitude (unsigned, same width). */
export function absolute(bb: BitBuilder, a: Bits): Bits {
  const s = a[a.length - 1];
  return add(
    bb,
    a.map((x) => bb.xor(x, s)),
    a.map(() => ZERO),
    s,
  );
}

/** Conditionally negates: s ? -a : a. */
export function negateIf(bb: BitBuilder, s: Bit, a: Bits): Bits {
  return absoluteWith(bb, a, s);
}

function absoluteWith(bb: BitBuilder, a: Bits, s: Bit): Bits {
  return add(
    bb,
    a.map((x) => bb.xor(x, s)),
    a.map(() => ZERO),
    s,
  );
}

/** Shift left by a secret amount (barrel shifter over the low bits of `amount`); amounts ≥ width give 0. */
export function shiftLeftVariable(bb: BitBuilder, a: Bits, amount: Bits): Bits {
  return barrel(bb, a, amount, 'left', ZERO);
}

/** Logical (fill = ZERO) or arithmetic (fill = sign bit) right shift by a secret amount. */
export function shiftRightVariable(bb: BitBuilder, a: Bits, amount: Bits, fill: Bit): Bits {
  return barrel(bb, a, amount, 'right', fill);
}

function barrel(bb: BitBuilder, a: Bits, amount: Bits, dir: 'left' | 'right', fill: Bit): Bits {
  const k = a.length;
  let x = a;
  let overflow: Bit = ZERO;
  for (let j = 0; j < amount.length; j++) {
    const s = 2 ** j;
    if (s >= k) {
      overflow = bb.or(overflow, amount[j]);
      continue;
    }
    const shifted = x.map((_, i) => {
      const src = dir === 'left' ? i - s : i + s;
      return src >= 0 && src < k ? x[src] : dir === 'left' ? ZERO : fill;
    });
    x = bb.muxBits(amount[j], shifted, x);
  }
  const filled = x.map(() => (dir === 'left' ? ZERO : fill));
  return bb.muxBits(overflow, filled, x);
}
