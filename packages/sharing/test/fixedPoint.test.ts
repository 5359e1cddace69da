/** Fixed-point operations against the plaintext evaluator within the stated bounds (see _fixedOps.ts). */
import { CircuitBuilder, encodeInputs, evaluateProgram, fixed, widthOf } from '@parley/circuit';
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

    // Their divisions' last stage truncates by 64 and 63 bits (four stages of 16, three of 21): in steps.
    it(`division and reciprocal on fixed(64,15) and fixed(64,20), ${parties} parties, ${protocol === 'replicated' ? 'replicated' : 'additive'}`, async () => {
      const r = new TestRandom(seed());
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const inputs: Record<string, Record<string, number[]>> = { p0: {}, p1: {} };
      for (const f of [15, 20]) {
        const t = fixed(64, f);
        const x = b.input('p0', `f${f}.x`, t, N);
        const y = b.input('p1', `f${f}.y`, t, N);
        b.output(`f${f}.div`, x.div(y));
        b.output(`f${f}.reciprocal`, y.reciprocal());
        const v = fixedInputs(r, f, 256, N);
        inputs.p0[`f${f}.x`] = v.x;
        inputs.p1[`f${f}.y`] = v.y;
      }
      const p = b.build();
      const want = evaluateProgram(p, encodeInputs(p, inputs));
      const run = await runSharingLocally(p, inputs, { protocol });
      const width = (name: string) =>
        widthOf(p.nodes[p.outputs.find((o) => o.name === name)?.node ?? 0].type);
      for (const f of [15, 20]) expectWithinBounds(`f${f}.`, f, want, run.outputs.p0, width);
    });
  }
});
