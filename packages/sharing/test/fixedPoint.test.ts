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

describe('fixed point at the edges of its operands', () => {
  for (const [protocol, parties] of modes) {
    const mode = `${parties} parties, ${protocol === 'replicated' ? 'replicated' : 'additive'}`;

    it(`a secret vector divided by a public scalar, ${mode}`, async () => {
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const x = b.input('p0', 'x', fixed(64, 16), 3);
      b.output('q', x.div(1.5));
      const p = b.build();
      const inputs = { p0: { x: [3, -4.5, 0.75] } };
      const run = await runSharingLocally(p, inputs, { protocol });
      expect(list(run.outputs.p0.q).map((v) => Number(BigInt.asIntN(64, v)) / 2 ** 16)).toEqual([
        expect.closeTo(2, 3),
        expect.closeTo(-3, 3),
        expect.closeTo(0.5, 3),
      ]);
    });

    it(`a fixed value shifted past its width is 0, also in a product, ${mode}`, async () => {
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const t = fixed(32, 8);
      const x = b.input('p0', 'x', t, 2);
      const y = b.input('p1', 'y', t, 2);
      b.output('s', x.shl(37));
      b.output('m', x.shl(37).mul(y));
      b.output('far', x.shl(2 ** 30));
      const p = b.build();
      const inputs = { p0: { x: [1.5, -2] }, p1: { y: [3, 0.25] } };
      const run = await runSharingLocally(p, inputs, { protocol });
      for (const o of ['s', 'm', 'far']) expect(list(run.outputs.p0[o])).toEqual([0n, 0n]);
    });

    it(`sigmoid and division of a wrapped integer cast to fixed point, ${mode}`, async () => {
      const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
      const i16 = b.input('p0', 'i', { kind: 'int', bits: 16 }, 1);
      // 32767 + 32767 wraps to −2 in int(16); cast to fixed(16, 2) it is −2.0.
      const v = i16.add(i16).cast(fixed(16, 2));
      b.output('sig', v.sigmoid());
      b.output('div', v.div(1.5));
      const p = b.build();
      const inputs = { p0: { i: [32767] } };
      const want = evaluateProgram(p, encodeInputs(p, inputs));
      const run = await runSharingLocally(p, inputs, { protocol });
      // sigmoid(−2) = 0.25 exactly; −2 / 1.5 within a few units of the last place.
      expect(list(run.outputs.p0.sig)).toEqual(list(want.sig));
      const got = Number(BigInt.asIntN(16, list(run.outputs.p0.div)[0] as bigint));
      const exact = Number(BigInt.asIntN(16, list(want.div)[0] as bigint));
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(2);
    });
  }
});
