/**
 * Synthetic patients, the same for the same seed and bound: each hospital's
 * rows, a diagnosis code and an HbA1c value (%) with one decimal, written to
 * its data source `patients.csv` (patient,diagnosis,hba1c).
 *
 * - Sizes: hospitalA holds `bound` patients, hospitalB 85 % of it and
 *   hospitalC 70 %, so two tables have padding rows (their real size stays
 *   secret; the bound is public).
 * - Case mix: per hospital a share of each diagnosis (a diabetes centre, a
 *   general hospital, one with a maternity ward). Each group's count is
 *   rounded from its share, the rest are "no diabetes". Type 1 diabetes is
 *   0.6 % everywhere: at the default bound each hospital alone has fewer
 *   than 20 such patients, the three together more. MODY is 0.2 %: even
 *   pooled it stays below 20 at the default bound, so it is suppressed.
 * - Values: per group a normal distribution (mean, standard deviation), a
 *   small shift per hospital, rounded to 0.1 and clamped to [4.0, 14.9], so
 *   every value falls in a histogram bin.
 */
import { writeFile } from 'node:fs/promises';
import {
  HOSPITALS,
  type Hospital,
  type HospitalPatients,
  KEY_COLUMN,
  VALUE_SOURCE_COLUMN,
} from './clinicalStats.js';

/** Each hospital's patients as a share of the bound. */
const SIZE: Record<Hospital, number> = { hospitalA: 1, hospitalB: 0.85, hospitalC: 0.7 };

/** Share of each diagnosis code 1 … 5 per hospital (code 0, no diabetes, takes the rest). */
const CASE_MIX: Record<Hospital, readonly number[]> = {
  hospitalA: [0.18, 0.42, 0.006, 0.03, 0.002],
  hospitalB: [0.22, 0.22, 0.006, 0.04, 0.002],
  hospitalC: [0.14, 0.12, 0.006, 0.22, 0.002],
};

/** HbA1c (%) per diagnosis code: mean and standard deviation. */
const DISTRIBUTION: ReadonlyArray<{ mean: number; sd: number }> = [
  { mean: 5.3, sd: 0.3 },
  { mean: 6.0, sd: 0.2 },
  { mean: 7.5, sd: 1.2 },
  { mean: 8.2, sd: 1.3 },
  { mean: 5.8, sd: 0.45 },
  { mean: 6.7, sd: 0.5 },
];

/** A small shift of every value per hospital (its patients are a little sicker, or healthier). */
const SHIFT: Record<Hospital, number> = { hospitalA: 0.15, hospitalB: 0, hospitalC: -0.1 };

const LOWEST = 4.0;
const HIGHEST = 14.9;

/** Mulberry32: a small 32-bit PRNG, uniform in [0, 1). Deterministic; not for secrets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** The rows each hospital holds for this bound. */
export function hospitalRows(bound: number): Record<Hospital, number> {
  return Object.fromEntries(HOSPITALS.map((h) => [h, Math.round(bound * SIZE[h])])) as Record<
    Hospital,
    number
  >;
}

/** Every hospital's patients for this bound and seed. */
export function syntheticPatients(bound: number, seed: number): Record<Hospital, HospitalPatients> {
  const rows = hospitalRows(bound);
  const out = {} as Record<Hospital, HospitalPatients>;
  HOSPITALS.forEach((h, hi) => {
    const random = prng(seed * 3 + hi + 1);
    const n = rows[h];
    const counts = CASE_MIX[h].map((share) => Math.round(n * share));
    const codes = [
      Array(n - counts.reduce((s, c) => s + c, 0)).fill(0),
      ...counts.map((c, i) => Array(c).fill(i + 1)),
    ].flat();
    // Fisher–Yates, so the codes are not in order in the file.
    for (let i = codes.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [codes[i], codes[j]] = [codes[j], codes[i]];
    }
    const hba1c = codes.map((c) => {
      const { mean, sd } = DISTRIBUTION[c];
      const v = Math.round((mean + SHIFT[h] + sd * normal(random)) * 10) / 10;
      return Math.min(HIGHEST, Math.max(LOWEST, v));
    });
    const ids = codes.map((_, i) => `${h.slice(-1)}-${String(i + 1).padStart(6, '0')}`);
    out[h] = { ids, diagnosis: codes, hba1c };
  });
  return out;
}

/** Writes a hospital's patients as its CSV data source. */
export async function writePatientsCsv(file: string, p: HospitalPatients): Promise<void> {
  const lines = p.ids.map((id, i) => `${id},${p.diagnosis[i]},${p.hba1c[i].toFixed(1)}`);
  await writeFile(file, `${KEY_COLUMN},diagnosis,${VALUE_SOURCE_COLUMN}\n${lines.join('\n')}\n`);
}
