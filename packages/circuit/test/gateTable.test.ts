/**
 * The hash-consing table of BitBuilder against a Map: the same answers over
 * random keys through its growth, and a fresh start past its entry limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GateTable } from '../src/boolean/gateTable.js';

/** Looks (lo, hi) up, inserting `out` when it is absent; what the table held before. */
function lookupOrInsert(t: GateTable, lo: number, hi: number, out: number): number {
  const slot = t.slot(lo, hi);
  const hit = t.outputAt(slot);
  if (hit < 0) t.insertAt(slot, lo, hi, out);
  return hit;
}

describe('GateTable', () => {
  it('answers as a Map does over random wire pairs, through many doublings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 3000 }), fc.nat({ max: 2 ** 31 - 1 })), { maxLength: 20_000 }),
        (pairs) => {
          const t = new GateTable(1 << 20);
          const m = new Map<string, number>();
          pairs.forEach(([lo, hi], i) => {
            const key = `${lo},${hi}`;
            expect(lookupOrInsert(t, lo, hi, i)).toBe(m.get(key) ?? -1);
            if (!m.has(key)) m.set(key, i);
          });
          expect(t.size).toBe(m.size);
          for (const [key, out] of m) {
            const [lo, hi] = key.split(',').map(Number);
            expect(t.outputAt(t.slot(lo, hi))).toBe(out);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('starts afresh past its entry limit, holding only the newest entry', () => {
    const t = new GateTable(1000);
    for (let i = 0; i < 1000; i++) lookupOrInsert(t, i, i + 1, i);
    expect(t.size).toBe(1000);
    expect(lookupOrInsert(t, 5000, 5001, 7)).toBe(-1);
    expect(t.size).toBe(1);
    expect(t.outputAt(t.slot(5000, 5001))).toBe(7);
    expect(t.outputAt(t.slot(3, 4))).toBe(-1);
  });
});
