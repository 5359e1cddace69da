/** The standard library: every example gives its stated outputs in both summon modes, and costs match costs.json. */
import { readFile } from 'node:fs/promises';
import { compileSummonFile, encodeInputs, evaluateProgram, importSummon } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import {
  FRAUD_MODEL,
  fraudScoreComputation,
  libraryCosts,
  SUMMON_PROGRAMS,
  summonExamples,
  summonProgramPath,
} from '../lib/index.js';

describe('summon programs of the standard library', () => {
  for (const name of SUMMON_PROGRAMS) {
    it(`${name}: examples hold in boolean and arithmetic mode`, async () => {
      const ex = await summonExamples(name);
      for (const boolifyWidth of [ex.width, undefined]) {
        const c = await compileSummonFile(summonProgramPath(name), {
          boolifyWidth,
          publicInputs: ex.publicInputs,
        });
        const p = importSummon(c, { width: ex.width });
        for (const { inputs, outputs } of ex.cases) {
          const byParty: Record<string, Record<string, number>> = {};
          for (const s of c.mpcSettings) {
            byParty[s.name as string] = Object.fromEntries(s.inputs.map((i) => [i, inputs[i]]));
          }
          const got = evaluateProgram(p, encodeInputs(p, byParty));
          for (const [o, v] of Object.entries(outputs))
            expect(got[o][0], `${name} ${o} ${JSON.stringify(inputs)}`).toBe(BigInt(v));
        }
      }
    });
  }

  it('costs match costs.json (run `npm run stats -w circuits` after an intended change)', async () => {
    const stored = JSON.parse(await readFile(new URL('../costs.json', import.meta.url), 'utf8'));
    expect(await libraryCosts()).toEqual(stored);
  });
});

describe('typed-builder fraud score', () => {
  it('scores and flags every account as the model says, within the sigmoid approximation', () => {
    const n = 24;
    const c = fraudScoreComputation(n);
    const velocity = Array.from({ length: n }, (_, i) => (i * 37) % 400);
    const chargebacks = Array.from({ length: n }, (_, i) => (i * 7) % 30);
    const kyc = Array.from({ length: n }, (_, i) => i % 2);
    const out = c.evaluatePlaintext({ bankA: { velocity }, bankB: { chargebacks }, bankC: { kyc } });
    const m = FRAUD_MODEL;
    const logistic = velocity.map(
      (v, i) =>
        1 / (1 + Math.exp(-(m.bias + v * m.velocity + chargebacks[i] * m.chargebacks + kyc[i] * m.kyc))),
    );
    const flagged = out.flagged as bigint[];
    let count = 0;
    logistic.forEach((p, i) => {
      // Clear cases (away from the threshold by more than the approximation error) must agree.
      if (Math.abs(p - m.threshold) > 0.03)
        expect(flagged[i], `account ${i} p=${p}`).toBe(p > m.threshold ? 1n : 0n);
      count += Number(flagged[i]);
    });
    expect(out.flaggedCount).toBe(count);
    const mean = logistic.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs((out.meanScore as number) - mean)).toBeLessThan(0.03);
  });

  it('has a stable id that changes when the computation changes', () => {
    expect(fraudScoreComputation(8).id).toBe(fraudScoreComputation(8).id);
    expect(fraudScoreComputation(8).id).not.toBe(fraudScoreComputation(9).id);
    expect(fraudScoreComputation(8).id).toMatch(/^[0-9a-f]{64}$/);
  });
});
