/**
 * Five parties, additive sharing (pairwise OT triples between all ten
 * pairs): the integer operations (but division, lowered alike for any number
 * of parties) exactly and fixed(64,16) within its bounds, in one session.
 */
import { encodeInputs, evaluateProgram, int, uint, widthOf } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { runSharingLocally } from '../src/index.js';
import { addFixedOps, expectWithinBounds, fixedInputs } from './_fixedOps.js';
import { builder, list, seed, TestRandom } from './_harness.js';
import { kitchenSink } from './_kitchenSink.js';

describe('five parties, additive sharing', () => {
  it('integer operations exactly, fixed point within bounds', async () => {
    const r = new TestRandom(seed());
    const { p: ints, inputs } = kitchenSink([int(8), uint(32), int(64)], 5, r, false);
    // Fixed-point outputs on the same builder's parties, added to the integer program.
    const { b } = builder(5);
    addFixedOps(b, 'f.', 64, 16, 8);
    const fixedPart = b.build();
    const offset = ints.nodes.length;
    const p = {
      parties: ints.parties,
      nodes: [
        ...ints.nodes,
        ...fixedPart.nodes.map((n) =>
          'args' in n ? { ...n, args: n.args.map((a: number) => a + offset) } : n,
        ),
      ],
      outputs: [...ints.outputs, ...fixedPart.outputs.map((o) => ({ ...o, node: o.node + offset }))],
    } as typeof ints;
    const fx = fixedInputs(r, 16, 12, 8);
    const all = { ...inputs, p0: { ...inputs.p0, 'f.x': fx.x }, p1: { ...inputs.p1, 'f.y': fx.y } };
    const want = evaluateProgram(p, encodeInputs(p, all));
    const run = await runSharingLocally(p, all, { protocol: 'sharing' });
    for (const o of ints.outputs) {
      for (const party of p.parties)
        expect(list(run.outputs[party][o.name]), `${o.name} at ${party}`).toEqual(list(want[o.name]));
    }
    const width = (name: string) => widthOf(p.nodes[p.outputs.find((o) => o.name === name)?.node ?? 0].type);
    expectWithinBounds('f.', 16, want, run.outputs.p4, width);
  });
});
