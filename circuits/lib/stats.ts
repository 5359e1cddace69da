/**
 * The cost of each circuit of the standard library (boolean gate counts and
 * AND depth at its example width), as stored beside it in `*.stats.json` and
 * compared by the tests, so a gate-count regression shows in review.
 */
import { readFile } from 'node:fs/promises';
import { circuitStats, compileSummonFile, lowerToBoolean, summonBooleanCircuit } from '@parley/circuit';
import { fraudScoreComputation } from './fraudScore.js';
import { SUMMON_PROGRAMS, summonProgramPath } from './paths.js';

export interface CircuitCost {
  and: number;
  xor: number;
  inv: number;
  andDepth: number;
  wires: number;
}

export interface SummonExamples {
  width: number;
  publicInputs: Record<string, unknown>;
  cases: Array<{ inputs: Record<string, number>; outputs: Record<string, number> }>;
}

export async function summonExamples(name: string): Promise<SummonExamples> {
  return JSON.parse(
    await readFile(summonProgramPath(name).replace(/\.summon\.ts$/, '.examples.json'), 'utf8'),
  );
}

function cost(s: CircuitCost): CircuitCost {
  return { and: s.and, xor: s.xor, inv: s.inv, andDepth: s.andDepth, wires: s.wires };
}

/** Current costs of every circuit of the library, by name. */
export async function libraryCosts(): Promise<Record<string, CircuitCost>> {
  const out: Record<string, CircuitCost> = {};
  for (const name of SUMMON_PROGRAMS) {
    const ex = await summonExamples(name);
    const c = await compileSummonFile(summonProgramPath(name), {
      boolifyWidth: ex.width,
      publicInputs: ex.publicInputs,
    });
    out[name] = cost(circuitStats(summonBooleanCircuit(c)));
  }
  out['fraud-score-builder-16'] = cost(
    circuitStats(lowerToBoolean(fraudScoreComputation(16).circuit).circuit),
  );
  return out;
}
