/**
 * Summon programs, compiled in both modes (boolean with boolifyWidth, and
 * arithmetic), imported into the IR and evaluated, must give the outputs of
 * mpc-framework's own plaintext engine on the arithmetic circuit.
 */
import { hasCode } from '@parley/interface';
import { Protocol } from 'mpc-framework';
import PlaintextEngine from 'mpc-framework/dist/src/PlaintextEngine/PlaintextEngine.js';
import { describe, expect, it } from 'vitest';
import {
  compileSummon,
  encodeInputs,
  evaluateProgram,
  importSummon,
  isArithmeticSummon,
  type SummonCircuit,
} from '../src/index.js';
import { rng, testSeed } from './helpers.js';

const programs = {
  absdiff: `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    io.outputPublic('diff', a > b ? a - b : b - a);
  };`,
  mixed: `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    const c = io.input('carol', 'c', summon.number());
    let m = a;
    if (b > m) { m = b; }
    if (c > m) { m = c; }
    io.outputPublic('max', m);
    io.outputPublic('abc', a * b + c);
    io.outputPublic('bits', (a & b) ^ (c | 5));
    io.outputPublic('shift', (a << 3) + (b >> 2));
    io.outputPublic('eq', a === b ? 1 : 0);
    io.outputPublic('ne', a !== c ? 7 : 9);
    io.outputPublic('sub', a - c);
  };`,
};

async function plaintextEngine(circuit: SummonCircuit, inputs: Record<string, Record<string, number>>) {
  const names = circuit.mpcSettings.map((s) => s.name as string);
  const sessions: Record<string, ReturnType<Protocol['join']>> = {};
  for (const name of names) {
    sessions[name] = new Protocol(circuit, new PlaintextEngine()).join(
      name,
      inputs[name] ?? {},
      (to, msg) => {
        queueMicrotask(() => sessions[to].handleMessage(name, msg));
      },
    );
  }
  return (await sessions[names[0]].output()) as Record<string, bigint>;
}

describe('summon import agrees with mpc-framework PlaintextEngine', () => {
  for (const [name, src] of Object.entries(programs)) {
    it(`${name}: boolean and arithmetic modes on random inputs`, async () => {
      const width = 32;
      const arith = await compileSummon(`${name}.ts`, src);
      const bool = await compileSummon(`${name}.ts`, src, { boolifyWidth: width });
      expect(isArithmeticSummon(arith)).toBe(true);
      expect(isArithmeticSummon(bool)).toBe(false);
      const pa = importSummon(arith, { width });
      const pb = importSummon(bool, { width });
      const rnd = rng(testSeed());
      const parties = arith.mpcSettings.map((s) => s.name as string);
      for (let trial = 0; trial < 12; trial++) {
        const big = trial % 3 === 0;
        const value = () => Math.floor(rnd() * (big ? 2 ** 31 : 1000));
        const inputs: Record<string, Record<string, number>> = {};
        for (const s of arith.mpcSettings) {
          inputs[s.name as string] = Object.fromEntries(s.inputs.map((i) => [i, value()]));
        }
        const want = await plaintextEngine(arith, inputs);
        for (const p of [pa, pb]) {
          const got = evaluateProgram(p, encodeInputs(p, inputs));
          for (const o of p.outputs) {
            expect(got[o.name][0], `${o.name} ${JSON.stringify(inputs)}`).toBe(BigInt(want[o.name]));
          }
        }
      }
      expect(parties.length).toBeGreaterThanOrEqual(2);
    });
  }

  it('keeps each output for the parties named in mpcSettings', async () => {
    const c = await compileSummon('x.ts', programs.absdiff, { boolifyWidth: 16 });
    const p = importSummon(c);
    expect(p.parties).toEqual(['alice', 'bob']);
    expect(p.outputs[0].recipients).toEqual(['alice', 'bob']);
    const owners = p.nodes.flatMap((n) => (n.op === 'input' ? [`${n.party}.${n.name}`] : []));
    expect(owners).toEqual(['alice.a', 'bob.b']);
  });

  it('reports a program that does not compile as a CircuitFormatError naming the file', async () => {
    let err: unknown;
    try {
      await compileSummon('broken.ts', 'export default (io: Summon.IO) => { io.outputPublic("x", nope); };');
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'CIRCUIT_FORMAT')).toBe(true);
    expect((err as Error).message).toMatch(/^broken\.ts: /);
  });
});
