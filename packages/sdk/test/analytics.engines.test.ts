/**
 * The analytics through the secret-sharing engine (@parley/sharing,
 * runSharingLocally): three parties in the replicated scheme and two in the
 * additive one, against the plaintext evaluator on the same program. Integer
 * results (counts, sums, minima, maxima, histograms, group counts and sums,
 * suppression bits) must match bit for bit. Fixed-point results must lie
 * within the engine's own documented error of the plaintext value
 * (@parley/sharing README, "Fixed point": its products truncate
 * probabilistically and its division is Newton–Raphson, so no fixed-point
 * mean can match bit for bit); the tolerances below compose those bounds.
 * Data stay small so that the engine's truncation failure probability is
 * negligible (sums of squares below 2^13: at most 2^-18 a run).
 */
import {
  bit,
  type Column,
  encodeInputs,
  evaluateLowered,
  evaluateProgram,
  fixed,
  lowerToBoolean,
  type PlainInputs,
  type Program,
  uint,
} from '@parley/circuit';
import { runSharingLocally, type SharingProtocolName } from '@parley/sharing';
import { describe, expect, it } from 'vitest';
import {
  count,
  groupBy,
  histogram,
  logisticScore,
  maxOf,
  mean,
  minOf,
  pearson,
  sum,
  threshold,
  tStatistic,
  variance,
} from '../src/analytics/index.js';
import { defineComputation } from '../src/defineComputation.js';
import { readRaw } from './analyticsHarness.js';

const X = fixed(32, 16);
const ROWS = 40;
const GROUPS = 3;

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function testSeed(): number {
  const s = Number(process.env.PARLEY_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`seed ${s} (rerun with PARLEY_TEST_SEED=${s})`);
  return s;
}

/** A table of ROWS rows, about a quarter masked out: x in [−20, 20] (multiples of 1/64), codes 0 … GROUPS, three features. */
function data(seed: number) {
  const rnd = seeded(seed);
  const value = () => Math.round((rnd() * 40 - 20) * 64) / 64;
  return {
    x: Array.from({ length: ROWS }, value),
    y: Array.from({ length: ROWS }, value),
    present: Array.from({ length: ROWS }, () => (rnd() < 0.75 ? 1 : 0)),
    group: Array.from({ length: ROWS }, () => Math.floor(rnd() * (GROUPS + 1))),
    inB: Array.from({ length: ROWS }, () => (rnd() < 0.5 ? 1 : 0)),
    weights: [0.5, -0.25, 0.125],
  };
}

/** Outputs that are integers or bits: the engine must match the plaintext evaluator exactly. */
const EXACT = ['count', 'sum', 'min', 'max', 'histogram', 'groupCount', 'suppressed', 'groupSum'];

/** The aggregates, groupBy and a secret-weight model; the owner is the first party, the last holds the weights. */
function aggregatesProgram(parties: string[]): Program {
  const [owner] = parties;
  const regulator = parties[parties.length - 1];
  return defineComputation({
    name: 'analytics-engines',
    parties,
    inputs: {
      x: { party: owner, type: X, length: ROWS },
      y: { party: owner, type: X, length: ROWS },
      present: { party: owner, type: bit, length: ROWS },
      group: { party: parties[1], type: uint(8), length: ROWS },
      weights: { party: regulator, type: X, length: 3 },
    },
    outputs: Object.fromEntries(
      [...EXACT, 'mean', 'variance', 'groupMean', 'groupVariance', 'logistic', 'flags'].map((k) => [
        k,
        'all',
      ]),
    ) as Record<string, 'all'>,
    compute: ({ x, y, present, group, weights }) => {
      const g = groupBy({ group, present, groups: GROUPS, minGroupSize: 9 });
      const score = logisticScore([x, y, x.mul(y)], weights, -0.5);
      return {
        count: count(present),
        sum: sum(x, present),
        min: minOf(x, present),
        max: maxOf(x, present),
        histogram: histogram(x, [-20, -5, 0, 5, 20], present),
        groupCount: g.count,
        suppressed: g.suppressed,
        groupSum: g.sum(x),
        mean: mean(x, present),
        variance: variance(x, present),
        groupMean: g.mean(x),
        groupVariance: g.variance(x),
        logistic: score,
        flags: threshold(score, 0.5, present),
      };
    },
  }).circuit;
}

function statisticsProgram(parties: string[]): Program {
  const [owner] = parties;
  return defineComputation({
    name: 'analytics-engines-statistics',
    parties,
    inputs: {
      x: { party: owner, type: X, length: ROWS },
      y: { party: parties[1], type: X, length: ROWS },
      present: { party: owner, type: bit, length: ROWS },
      inB: { party: parties[1], type: bit, length: ROWS },
    },
    outputs: { pearson: 'all', t: 'all' },
    compute: ({ x, y, present, inB }) => ({
      pearson: pearson(x, y, present),
      t: tStatistic(x, present.and(inB.not()), present.and(inB)),
    }),
  }).circuit;
}

function inputsFor(p: Program, d: ReturnType<typeof data>): PlainInputs {
  const inputs: PlainInputs = {};
  for (const n of p.nodes) {
    if (n.op !== 'input') continue;
    inputs[n.party] ??= {};
    inputs[n.party][n.name] = (d as unknown as Record<string, unknown>)[n.name];
  }
  return inputs;
}

/** Engine error bound (ulps) of a fixed(64,16) division by the README: 3 + |quotient raw|/2^13. */
const divisionBound = (q: bigint) => 3n + (q < 0n ? -q : q) / 8192n;

/** The tolerance of each fixed-point output, in ulps, from the plaintext value and the plaintext mean. */
function tolerance(name: string, want: bigint, meanOf: bigint): bigint {
  switch (name) {
    case 'mean':
    case 'groupMean':
      return divisionBound(want);
    case 'variance':
    case 'groupVariance': {
      // The engine's mean is off by δ ≤ divisionBound(mean); Σd² grows by n·δ², so the variance by δ² (δ in ulps: δ²/2^16 ulps),
      // plus one ulp for the dot product and the division's bound.
      const delta = divisionBound(meanOf);
      return (delta * delta) / 65536n + 2n + divisionBound(want);
    }
    case 'logistic':
      // Four products of at most one ulp each (the score's slope through the PLAN sigmoid is at most 1/4), then the sigmoid's ulp.
      return 3n;
    case 'pearson':
    case 't':
      // Two or three Newton–Raphson divisions in a row (relative error 2^-13 each) and the moments' shifts: 2^-11 relative, 16 ulps.
      return 16n + (want < 0n ? -want : want) / 2048n;
    default:
      return 0n;
  }
}

async function compare(p: Program, inputs: PlainInputs, protocol: SharingProtocolName): Promise<void> {
  const want = readRaw(p, evaluateProgram(p, encodeInputs(p, inputs)));
  const run = await runSharingLocally(p, inputs, { protocol });
  const list = (v: bigint | bigint[]) => (Array.isArray(v) ? v : [v]);
  for (const party of p.parties) {
    const got = readRaw(p, run.outputs[party] as Record<string, Column>);
    for (const [name, w] of Object.entries(want)) {
      if (EXACT.includes(name)) {
        expect(got[name], `${name} at ${party}`).toEqual(w);
        continue;
      }
      if (name === 'flags') continue;
      const means = name === 'groupVariance' ? list(want.groupMean) : list(want.mean ?? 0n);
      list(w).forEach((wv, i) => {
        const gv = list(got[name])[i];
        const diff = gv > wv ? gv - wv : wv - gv;
        expect(diff <= tolerance(name, wv, means[i] ?? 0n), `${name}[${i}] at ${party}: ${gv} vs ${wv}`).toBe(
          true,
        );
      });
    }
    if (want.flags) {
      // Flags are exact on the engine's own scores; where the plaintext score is within the tolerance of the cut, either is right.
      const cut = 1n << 15n;
      list(want.flags).forEach((f, i) => {
        const s = list(want.logistic)[i];
        if ((s > cut ? s - cut : cut - s) > 3n) expect(list(got.flags)[i], `flags[${i}] at ${party}`).toBe(f);
      });
    }
  }
}

describe('analytics as boolean circuits (what the garbled engine runs)', () => {
  it('the lowering matches the plaintext evaluator bit for bit, fixed point included', () => {
    const d = data(testSeed());
    for (const p of [aggregatesProgram(['owner', 'regulator']), statisticsProgram(['owner', 'partner'])]) {
      const inputs = encodeInputs(p, inputsFor(p, d));
      const want = evaluateProgram(p, inputs);
      const got = evaluateLowered(p, lowerToBoolean(p), inputs);
      expect(readRaw(p, got)).toEqual(readRaw(p, want));
    }
  });
});

describe('analytics through the secret-sharing engine', () => {
  it('aggregates, groupBy and a secret-weight logistic model: three parties, replicated', async () => {
    const p = aggregatesProgram(['owner', 'coder', 'regulator']);
    await compare(p, inputsFor(p, data(testSeed())), 'replicated');
  });

  it('aggregates, groupBy and a secret-weight logistic model: two parties, additive', async () => {
    const p = aggregatesProgram(['owner', 'regulator']);
    await compare(p, inputsFor(p, data(testSeed())), 'sharing');
  });

  it('Pearson correlation and Welch t (exact square roots): three parties, replicated', async () => {
    const p = statisticsProgram(['owner', 'partner', 'analyst']);
    await compare(p, inputsFor(p, data(testSeed())), 'replicated');
  });

  it('Pearson correlation and Welch t: two parties, additive', async () => {
    const p = statisticsProgram(['owner', 'partner']);
    await compare(p, inputsFor(p, data(testSeed())), 'sharing');
  });
});
