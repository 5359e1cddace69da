/** AND count and AND depth of each arithmetic gadget at a given width, built in isolation. */
import * as A from './arithmetic.js';
import { type AdderKind, BitBuilder, type Bits } from './bitBuilder.js';
import { circuitStats } from './stats.js';

export interface GadgetCost {
  gadget: string;
  adder: AdderKind;
  bits: number;
  and: number;
  andDepth: number;
}

const GADGETS: Record<string, (bb: BitBuilder, a: Bits, b: Bits) => Bits> = {
  add: (bb, a, b) => A.add(bb, a, b),
  sub: (bb, a, b) => A.sub(bb, a, b),
  lt_unsigned: (bb, a, b) => [A.ltUnsigned(bb, a, b)],
  lt_signed: (bb, a, b) => [A.ltSigned(bb, a, b)],
  eq: (bb, a, b) => [A.equal(bb, a, b)],
  mul: (bb, a, b) => A.multiply(bb, a, b),
  div_unsigned: (bb, a, b) => A.divideUnsigned(bb, a, b).quotient,
};

export function gadgetCosts(bits: number, adder: AdderKind): GadgetCost[] {
  return Object.entries(GADGETS).map(([gadget, f]) => {
    const bb = new BitBuilder({ adder });
    const a = bb.input(bits);
    const b = bb.input(bits);
    const s = circuitStats(
      bb.finish(
        [
          { name: 'a', bits: a },
          { name: 'b', bits: b },
        ],
        [{ name: 'r', bits: f(bb, a, b) }],
      ),
    );
    return { gadget, adder, bits, and: s.and, andDepth: s.andDepth };
  });
}
