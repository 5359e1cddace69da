/**
 * Fixed-point operations and their error bounds as README.md states them
 * ("Fixed point"), for the tests of every mode. Values stay where the
 * probabilistic truncation's failure probability is negligible (raw values
 * truncated below 2^44: at most 2^-19 per element), as the README requires.
 */
import { type CircuitBuilder, type Column, fixed, int } from '@parley/circuit';
import { expect } from 'vitest';
import type { TestRandom } from './_harness.js';

/** Values with 2^-f ≤ |x| ≤ limit, edge values first. */
export function reals(r: TestRandom, f: number, limit: number, n: number): number[] {
  const ulp = 2 ** -f;
  const edges = [ulp, -ulp, 1, -1, limit, -limit, 0.5, -0.5];
  return Array.from({ length: n }, (_, i) => {
    if (i < edges.length) return edges[i];
    const e = Math.log2(ulp) + (Math.log2(limit) - Math.log2(ulp)) * (r.below(1 << 20) / (1 << 20));
    return (r.below(2) ? -1 : 1) * Math.max(ulp, Math.round(2 ** e / ulp) * ulp);
  });
}

/** Adds the fixed-point outputs (prefixed) on inputs x, y of fixed(k, f) owned by the first two parties. */
export function addFixedOps(b: CircuitBuilder, prefix: string, k: number, f: number, n: number): void {
  const t = fixed(k, f);
  const x = b.input(b.parties[0], `${prefix}x`, t, n);
  const y = b.input(b.parties[1], `${prefix}y`, t, n);
  const out = (name: string, v: Parameters<typeof b.output>[1]) => b.output(`${prefix}${name}`, v);
  out('mul', x.mul(y));
  out('mulc', x.mul(2.75));
  out('dot', x.dot(y));
  out('sigmoid', x.sigmoid());
  out('reciprocal', x.reciprocal());
  out('div', x.div(y));
  out('add', x.add(y).sub(1.5));
  out('lt', x.lt(y));
  out('max', x.max(y));
  out('int', x.cast(int(32)));
  out('abs', x.lt(0).select(x.neg(), x));
}

/** Inputs for addFixedOps: |x|, |y| ≤ limit, and |x/y| < 2^10 for the division. */
export function fixedInputs(
  r: TestRandom,
  f: number,
  limit: number,
  n: number,
): { x: number[]; y: number[] } {
  const x = reals(r, f, limit, n);
  const y = reals(r, f, limit, n).map((v, i) => (i === 2 ? x[2] : v));
  return { x, y: y.map((v, i) => (Math.abs(x[i] / v) < 1024 ? v : Math.sign(v) * Math.abs(x[i] / 512))) };
}

/** The stated bound of each output, in units in the last place, given the plaintext value (raw). */
export function fixedBound(name: string, want: bigint, f: number): bigint {
  const rel = (bits: number) => (want < 0n ? -want : want) >> BigInt(bits);
  switch (name) {
    case 'mul':
    case 'mulc':
    case 'dot':
    case 'sigmoid':
      return 1n;
    case 'reciprocal':
      return 2n + rel(f - 2);
    case 'div':
      return 3n + rel(f - 3);
    default:
      return 0n;
  }
}

/** Checks every output named `${prefix}…` against the plaintext values within its bound. */
export function expectWithinBounds(
  prefix: string,
  f: number,
  want: Record<string, Column>,
  got: Record<string, Column>,
  widthOf: (name: string) => number,
): void {
  for (const name of Object.keys(want)) {
    if (!name.startsWith(prefix)) continue;
    const op = name.slice(prefix.length);
    const w = want[name];
    const g = got[name];
    const width = widthOf(name);
    expect(g.length).toBe(w.length);
    for (let i = 0; i < w.length; i++) {
      const a = BigInt.asIntN(width, g[i]);
      const b = BigInt.asIntN(width, w[i]);
      const err = a > b ? a - b : b - a;
      const max = fixedBound(op, b, f);
      expect(err <= max, `${name}[${i}]: got ${a}, want ${b} (± ${max})`).toBe(true);
    }
  }
}
