/** Fixed-point operations against the plaintext evaluator within the stated bounds (see _fixedOps.ts). */
import { CircuitBuilder, encodeInputs, evaluateProgram, widthOf } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { runSharingLocally, type SharingProtocolName } from '../src/index.js';
import { addFixedOps, expectWithinBounds, fixedInputs } from './_fixedOps.js';
import { list, seed, TestRandom } from './_harness.js';

const N = 24;
const modes: Array<[SharingProtocolName, number]> = [
  ['replicated', 3],
  ['sharing', 2],
  ['sharing', 3],
];

describe('fixed point within the stated bounds', () => {
  for (const [protocol, parties] of modes) {
    it(`fixed(64,16) and fixed(32,8), ${parties} parties, ${protocol === 'replicated' ? 'replicated' : 'additive'}`, async () => {
      const r = new TestRandom(seed());
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      addFixedOps(b, 'a.', 64, 16, N);
      addFixedOps(b, 'b.', 32, 8, N);
      const p = b.build();
      const a = fixedInputs(r, 16, 12, N);
      const c = fixedInputs(r, 8, 10, N);
      const inputs = { p0: { 'a.x': a.x, 'b.x': c.x }, p1: { 'a.y': a.y, 'b.y': c.y } };
      const want = evaluateProgram(p, encodeInputs(p, inputs));
      const run = await runSharingLocally(p, inputs, { protocol });
      const width = (name: string) =>
        widthOf(p.nodes[p.outputs.find((o) => o.name === name)?.node ?? 0].type);
      expectWithinBounds('a.', 16, want, run.outputs.p0, width);
      expectWithinBounds('b.', 8, want, run.outputs.p0, width);
      for (const party of p.parties.slice(1)) {
        for (const o of p.outputs)
          expect(list(run.outputs[party][o.name])).toEqual(list(run.outputs.p0[o.name]));
      }
    });
  }
});
