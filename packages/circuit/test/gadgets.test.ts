import { describe, expect, it } from 'vitest';
import { gadgetCosts } from '../src/index.js';

describe('gadget AND counts', () => {
  it('ripple gadgets meet the textbook counts at 64 bits', () => {
    const c = Object.fromEntries(gadgetCosts(64, 'ripple').map((g) => [g.gadget, g]));
    expect(c.add.and).toBe(63);
    expect(c.sub.and).toBe(63);
    expect(c.lt_unsigned.and).toBe(64);
    expect(c.lt_signed.and).toBe(64);
    expect(c.eq.and).toBe(63);
    expect(c.eq.andDepth).toBe(6);
    // k(k+1)/2 partial products plus one AND per full adder: as lean as the published mult64 (4033).
    expect(c.mul.and).toBeLessThanOrEqual(4033);
    expect(c.div_unsigned.and).toBeLessThanOrEqual(2 * 64 * 65);
  });

  it('parallel-prefix gadgets have logarithmic AND depth', () => {
    const c = Object.fromEntries(gadgetCosts(64, 'prefix').map((g) => [g.gadget, g]));
    expect(c.add.andDepth).toBeLessThanOrEqual(8);
    expect(c.lt_unsigned.andDepth).toBeLessThanOrEqual(8);
    const ripple = Object.fromEntries(gadgetCosts(64, 'ripple').map((g) => [g.gadget, g]));
    expect(ripple.add.andDepth).toBe(63);
    expect(c.mul.andDepth).toBeLessThan(ripple.mul.andDepth);
  });
});
