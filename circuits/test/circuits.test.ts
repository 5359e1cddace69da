/** The standard library: every example gives its stated outputs in both summon modes, and costs match costs.json. */
import { readFile } from 'node:fs/promises';
import { compileSummonFile, encodeInputs, evaluateProgram, importSummon } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import {
  FRAUD_BANKS,
  FRAUD_MODEL,
  FRAUD_TABLES,
  fraudScoreComputation,
  fraudTables,
  libraryCosts,
  SUMMON_PROGRAMS,
  summonExamples,
  summonProgramPath,
  syntheticFraudBanks,
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

describe('typed-builder fraud score over joined tables', () => {
  it('scores every customer held by two or more banks as the model says, and gives each bank only its own flagged customers', () => {
    const banks = syntheticFraudBanks(300, 7);
    const c = fraudScoreComputation(300);
    const r = c.evaluateTables(fraudTables(banks));
    const m = FRAUD_MODEL;
    // The customers in the clear: features by key, 0 where a bank does not hold the customer.
    const features = new Map<string, { v: number; c: number; k: number; at: number }>();
    const add = (keys: string[], values: number[], f: 'v' | 'c' | 'k') =>
      keys.forEach((key, i) => {
        const x = features.get(key) ?? { v: 0, c: 0, k: 0, at: 0 };
        x[f] = values[i];
        x.at++;
        features.set(key, x);
      });
    add(banks.bankA.keys, banks.bankA.values, 'v');
    add(banks.bankB.keys, banks.bankB.values, 'c');
    add(banks.bankC.keys, banks.bankC.values, 'k');
    const joined = [...features].filter(([, x]) => x.at >= 2);
    expect(joined.length).toBe(240);
    expect(r.outputs.joinedCount).toBe(240n);
    let flagged = 0;
    for (const [key, x] of joined) {
      const p = 1 / (1 + Math.exp(-(m.bias + x.v * m.velocity + x.c * m.chargebacks + x.k * m.kyc)));
      const got = FRAUD_BANKS.map((bk) => r.byKey[FRAUD_TABLES[bk].output][key]).filter(
        (v) => v !== undefined,
      );
      // Clear cases (away from the threshold by more than the approximation error) must agree.
      if (Math.abs(p - m.threshold) > 0.03) {
        for (const v of got) {
          if (p > m.threshold) expect(Math.abs((v as number) - p), key).toBeLessThan(0.03);
          else expect(v, key).toBe(0);
        }
      }
      if ((got[0] as number) > 0) flagged++;
    }
    expect(flagged).toBeGreaterThan(5);
    expect(r.outputs.flaggedCount).toBe(BigInt(flagged));
    // A bank's output covers its own joined customers only.
    const ownA = new Set(banks.bankA.keys);
    expect(Object.keys(r.byKey.scoresA).every((k) => ownA.has(k))).toBe(true);
  });

  it('has a stable id that changes when the computation changes', () => {
    expect(fraudScoreComputation(8).id).toBe(fraudScoreComputation(8).id);
    expect(fraudScoreComputation(8).id).not.toBe(fraudScoreComputation(9).id);
    expect(fraudScoreComputation(8).id).toMatch(/^[0-9a-f]{64}$/);
  });
});
