/**
 * The three-bank fraud score with the typed builder, over whole columns of
 * accounts (row i is the same customer at every bank): each bank holds one
 * feature, the score is a logistic model in fixed(32, 16) with the PLAN
 * sigmoid, and an account is flagged when its score exceeds the threshold.
 * Outputs: the flags (to every bank), the number flagged and the mean score
 * (public to all).
 */
import { type Computation, defineComputation, fixed } from '@parley/sdk';

export const FRAUD_TYPE = fixed(32, 16);

/** Model weights: z = bias + velocity·w_v + chargebacks·w_c + kyc·w_k. */
export const FRAUD_MODEL = { bias: -4, velocity: 0.0117, chargebacks: 0.078, kyc: 2, threshold: 0.8 };

export function fraudScoreComputation(accounts: number): Computation {
  const t = FRAUD_TYPE;
  const m = FRAUD_MODEL;
  return defineComputation({
    name: 'fraud-score-3bank',
    parties: ['bankA', 'bankB', 'bankC'],
    inputs: {
      velocity: { party: 'bankA', type: t, length: accounts },
      chargebacks: { party: 'bankB', type: t, length: accounts },
      kyc: { party: 'bankC', type: t, length: accounts },
    },
    outputs: { flagged: 'all', flaggedCount: 'all', meanScore: 'all' },
    compute: ({ velocity, chargebacks, kyc }, b) => {
      const z = velocity.mul(m.velocity).add(chargebacks.mul(m.chargebacks)).add(kyc.mul(m.kyc)).add(m.bias);
      const score = z.sigmoid();
      const flagged = score.gt(m.threshold);
      const count = flagged.cast(fixed(32, 16)).sum();
      const mean = score.sum().div(b.constant(accounts, t));
      return { flagged, flaggedCount: count, meanScore: mean };
    },
  });
}

/** Synthetic account features for the three banks (deterministic for a seed): about 1 account in 12 looks fraudulent. */
export function syntheticFraudInputs(
  accounts: number,
  seed = 1,
): {
  bankA: { velocity: number[] };
  bankB: { chargebacks: number[] };
  bankC: { kyc: number[] };
} {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const velocity: number[] = [];
  const chargebacks: number[] = [];
  const kyc: number[] = [];
  for (let i = 0; i < accounts; i++) {
    const suspicious = rnd() < 0.08;
    velocity.push(Math.floor(suspicious ? 150 + rnd() * 250 : rnd() * 60));
    chargebacks.push(Math.floor(suspicious ? 5 + rnd() * 20 : rnd() < 0.1 ? 1 + rnd() * 3 : 0));
    kyc.push(suspicious ? (rnd() < 0.6 ? 1 : 0) : rnd() < 0.03 ? 1 : 0);
  }
  return { bankA: { velocity }, bankB: { chargebacks }, bankC: { kyc } };
}
