/**
 * The three-bank fraud score, over the banks' account tables joined on a
 * hashed customer id: bankA holds transaction velocity, bankB chargebacks,
 * bankC a KYC flag. The private join keeps the customers held by at least
 * two banks (the union of pairwise intersections); each is scored by a
 * logistic model over the features of all three banks (a feature a bank
 * does not hold counts as 0), in fixed(32, 16) with the PLAN sigmoid.
 *
 * Outputs:
 * - `scoresA` / `scoresB` / `scoresC`: to each bank alone, the score of each
 *   of its own joined customers whose score exceeds the threshold (0 on its
 *   other rows), read by key;
 * - `joinedCount` and `flaggedCount`: public to all, the number of joined
 *   customers and of flagged ones.
 *
 * Nothing else leaves the computation: no bank sees another's features or
 * scores of customers it does not hold, or scores below the threshold. The
 * join itself tells each bank which of its customers another bank holds
 * (see @parley/psi's README).
 */
import { createHash } from 'node:crypto';
import { type Computation, defineComputation, fixed, uint } from '@parley/sdk';

export const FRAUD_TYPE = fixed(32, 16);

/** Model weights: z = bias + velocity·w_v + chargebacks·w_c + kyc·w_k. */
export const FRAUD_MODEL = { bias: -4, velocity: 0.0117, chargebacks: 0.078, kyc: 2, threshold: 0.8 };

export const FRAUD_BANKS = ['bankA', 'bankB', 'bankC'] as const;
export type FraudBank = (typeof FRAUD_BANKS)[number];

/** Each bank's table and its feature column. */
export const FRAUD_TABLES: Record<FraudBank, { table: string; feature: string; output: string }> = {
  bankA: { table: 'accountsA', feature: 'velocity', output: 'scoresA' },
  bankB: { table: 'accountsB', feature: 'chargebacks', output: 'scoresB' },
  bankC: { table: 'accountsC', feature: 'kyc', output: 'scoresC' },
};

/** The fraud score for up to `maxJoined` customers held by two or more banks. */
export function fraudScoreComputation(maxJoined: number): Computation {
  const t = FRAUD_TYPE;
  const m = FRAUD_MODEL;
  const { bankA, bankB, bankC } = FRAUD_TABLES;
  return defineComputation({
    name: 'fraud-score-3bank',
    parties: [...FRAUD_BANKS],
    protocol: 'replicated',
    tables: {
      [bankA.table]: { party: 'bankA', key: 'customer', columns: { [bankA.feature]: t } },
      [bankB.table]: { party: 'bankB', key: 'customer', columns: { [bankB.feature]: t } },
      [bankC.table]: { party: 'bankC', key: 'customer', columns: { [bankC.feature]: t } },
    },
    join: { tables: [bankA.table, bankB.table, bankC.table], minTables: 2, rows: maxJoined },
    outputs: {
      [bankA.output]: { to: ['bankA'], rowsOf: bankA.table },
      [bankB.output]: { to: ['bankB'], rowsOf: bankB.table },
      [bankC.output]: { to: ['bankC'], rowsOf: bankC.table },
      joinedCount: 'all',
      flaggedCount: 'all',
    },
    compute: (tables, _b, join) => {
      const [a, b, c] = [bankA, bankB, bankC].map((x) => tables[x.table]);
      const z = a
        .column(bankA.feature)
        .mul(m.velocity)
        .add(b.column(bankB.feature).mul(m.chargebacks))
        .add(c.column(bankC.feature).mul(m.kyc))
        .add(m.bias);
      const score = z.sigmoid();
      const joined = (join as NonNullable<typeof join>).present;
      const flagged = score.gt(m.threshold).and(joined);
      const flaggedScore = flagged.select(score, 0);
      return {
        [bankA.output]: a.present.select(flaggedScore, 0),
        [bankB.output]: b.present.select(flaggedScore, 0),
        [bankC.output]: c.present.select(flaggedScore, 0),
        joinedCount: joined.cast(uint(32)).sum(),
        flaggedCount: flagged.cast(uint(32)).sum(),
      };
    },
  });
}

/**
 * Whether the scores a bank got, by customer, are the plaintext reference's:
 * the same flagged (non-zero) customers, each score within `tolerance` (the
 * secret-sharing engine truncates fixed-point products probabilistically).
 */
export function sameFlaggedScores(
  got: Readonly<Record<string, bigint | number>>,
  want: Readonly<Record<string, bigint | number>>,
  tolerance = 1e-3,
): boolean {
  const flagged = (scores: Readonly<Record<string, bigint | number>>) =>
    Object.entries(scores).filter(([, v]) => Number(v) !== 0);
  const expected = flagged(want);
  return (
    expected.length === flagged(got).length &&
    expected.every(([k, v]) => got[k] !== undefined && Math.abs(Number(got[k]) - Number(v)) < tolerance)
  );
}

/** A customer's id as the banks hold it: SHA-256 of the customer number, first 16 bytes in hex. */
export function customerId(i: number): string {
  return createHash('sha256').update(`parley-demo-customer-${i}`).digest('hex').slice(0, 32);
}

export interface FraudBankData {
  /** Hashed customer ids, one per row. */
  keys: string[];
  /** The bank's feature, one per row. */
  values: number[];
}

/**
 * Synthetic accounts for the three banks (deterministic for a seed), `accounts`
 * per bank: 80% of that number are customers shared by two or three banks
 * (so the join has exactly that many rows; they make 60% of each bank's
 * accounts), the rest each bank's own; about
 * 1 customer in 12 looks fraudulent. Rows are in a per-bank shuffled order.
 */
export function syntheticFraudBanks(accounts: number, seed = 1): Record<FraudBank, FraudBankData> {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const shared = Math.floor(0.8 * accounts);
  const rows: Record<FraudBank, number[]> = { bankA: [], bankB: [], bankC: [] };
  let next = 0;
  // Shared customers: each at two banks (a pair in turn) or, one in four, at all three.
  const holders: FraudBank[][] = [
    ['bankA', 'bankB'],
    ['bankB', 'bankC'],
    ['bankA', 'bankC'],
    [...FRAUD_BANKS],
  ];
  for (let i = 0; i < shared; i++) {
    const room = FRAUD_BANKS.filter((bk) => rows[bk].length < accounts);
    const want = holders[i % 4];
    const at = want.filter((bk) => room.includes(bk));
    const banks = at.length >= 2 ? at : room.slice(0, 2);
    if (banks.length < 2) break;
    for (const bk of banks) rows[bk].push(next);
    next++;
  }
  for (const bk of FRAUD_BANKS) while (rows[bk].length < accounts) rows[bk].push(next++);
  // Features by customer.
  const velocity: number[] = [];
  const chargebacks: number[] = [];
  const kyc: number[] = [];
  for (let i = 0; i < next; i++) {
    const suspicious = rnd() < 0.08;
    velocity.push(Math.floor(suspicious ? 150 + rnd() * 250 : rnd() * 60));
    chargebacks.push(Math.floor(suspicious ? 5 + rnd() * 20 : rnd() < 0.1 ? 1 + rnd() * 3 : 0));
    kyc.push(suspicious ? (rnd() < 0.6 ? 1 : 0) : rnd() < 0.03 ? 1 : 0);
  }
  const feature: Record<FraudBank, number[]> = { bankA: velocity, bankB: chargebacks, bankC: kyc };
  const out = {} as Record<FraudBank, FraudBankData>;
  for (const bk of FRAUD_BANKS) {
    const list = rows[bk];
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    out[bk] = { keys: list.map(customerId), values: list.map((c) => feature[bk][c]) };
  }
  return out;
}

/** The banks' data as `Computation.evaluateTables` takes it. */
export function fraudTables(banks: Record<FraudBank, FraudBankData>) {
  return Object.fromEntries(
    FRAUD_BANKS.map((bk) => {
      const { table, feature } = FRAUD_TABLES[bk];
      return [table, { keys: banks[bk].keys, columns: { [feature]: banks[bk].values } }];
    }),
  );
}
