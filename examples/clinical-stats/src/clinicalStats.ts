/**
 * The computation of this example: three hospitals pool a lab value, HbA1c
 * (glycated haemoglobin, in %), per diagnosis group. Each hospital holds one
 * table of its own patients (no join: the patients are different people)
 * with a diagnosis code 0 … G−1 and the value. Inside the computation the
 * three tables are concatenated, grouped by diagnosis with the SDK's
 * `groupBy`, and per group it computes the number of patients, the mean, the
 * population variance and a histogram over public bins. A group with fewer
 * than MIN_GROUP_SIZE patients in the pooled data is suppressed inside the
 * computation: its count, statistics and histogram come out as 0 and its
 * `suppressed` bit is 1. Every output goes to all three hospitals.
 *
 * What is public: the parties, G and the group names, MIN_GROUP_SIZE, the
 * bin edges, the bound on each table's rows, and the protocol. Each of these
 * is part of the computation id that the hospitals' policies allow.
 */
import { type Column, decodeValue, type ValueType } from '@parley/circuit';
import { InvalidArgument } from '@parley/interface';
import {
  type Computation,
  defineComputation,
  fixed,
  groupBy,
  histogram,
  type OutputValue,
  STATISTIC_ULP,
  type TableData,
  type TablesEvaluation,
  uint,
} from '@parley/sdk';

/** The name the job is submitted under. */
export const COMPUTATION_NAME = 'clinical-stats';

export const HOSPITALS = ['hospitalA', 'hospitalB', 'hospitalC'] as const;
export type Hospital = (typeof HOSPITALS)[number];
/** Each hospital's table in the computation. */
export const TABLE_OF: Record<Hospital, string> = {
  hospitalA: 'patientsA',
  hospitalB: 'patientsB',
  hospitalC: 'patientsC',
};

/** The diagnosis groups, by code: public, and G = their number. */
export const DIAGNOSES = [
  'no diabetes',
  'prediabetes',
  'type 2 diabetes',
  'type 1 diabetes',
  'gestational diabetes',
  'monogenic (MODY)',
] as const;
export const GROUPS = DIAGNOSES.length;
/** Groups with fewer pooled patients than this are suppressed inside the computation. */
export const MIN_GROUP_SIZE = 20;

/**
 * Histogram bins of HbA1c (%), bin i counting edges[i] ≤ x < edges[i + 1]:
 * below 5.7 normal, 5.7–6.4 the prediabetes range, from 6.5 diabetes, 7 the
 * usual treatment target, 8, 9 and 10 ever poorer control. Values below 4 or
 * from 15 up fall in no bin.
 */
export const EDGES = [4, 5.7, 6.5, 7, 8, 9, 10, 15] as const;
export const BINS = EDGES.length - 1;

/** Column types of every hospital's table. */
export const DIAGNOSIS_TYPE = uint(8);
export const VALUE_TYPE = fixed(32, 16);
/** The table's columns; the data source's column for `value` is `hba1c` (the policy maps it). */
export const COLUMNS = { diagnosis: DIAGNOSIS_TYPE, value: VALUE_TYPE } as const;
export const VALUE_SOURCE_COLUMN = 'hba1c';
/** The data source's key column: a patient id, unique within the hospital. */
export const KEY_COLUMN = 'patient';

export type Protocol = 'replicated' | 'sharing';
export const PROTOCOLS: readonly Protocol[] = ['replicated', 'sharing'];

/** The pooled statistics for tables of at most `patients` rows each, run by `protocol`. */
export function clinicalStatsComputation(patients: number, protocol: Protocol): Computation {
  return defineComputation<never, 'count' | 'suppressed' | 'mean' | 'variance' | 'histogram', string>({
    name: COMPUTATION_NAME,
    parties: [...HOSPITALS],
    protocol,
    tables: Object.fromEntries(
      HOSPITALS.map((h) => [TABLE_OF[h], { party: h, columns: { ...COLUMNS }, rows: patients }]),
    ),
    outputs: { count: 'all', suppressed: 'all', mean: 'all', variance: 'all', histogram: 'all' },
    compute: (tables, b) => {
      const all = HOSPITALS.map((h) => tables[TABLE_OF[h]]);
      const diagnosis = b.concat(...all.map((t) => t.column('diagnosis')));
      const value = b.concat(...all.map((t) => t.column('value')));
      const present = b.concat(...all.map((t) => t.present));
      const g = groupBy({ group: diagnosis, present, groups: GROUPS, minGroupSize: MIN_GROUP_SIZE });
      // A group's histogram over its own rows, zeroed inside when the group is suppressed (one
      // secret condition, broadcast over the bins, and one public branch).
      const histograms = DIAGNOSES.map((_, gi) =>
        g.suppressed.slice(gi, gi + 1).select(0, histogram(value, EDGES, g.rows(gi))),
      );
      return {
        count: g.count,
        suppressed: g.suppressed,
        mean: g.mean(value),
        variance: g.variance(value),
        histogram: b.concat(...histograms),
      };
    },
  });
}

/** A hospital's patients in the clear: what its data source holds. */
export interface HospitalPatients {
  ids: string[];
  diagnosis: number[];
  /** HbA1c in %, one decimal. */
  hba1c: number[];
}

/** The hospitals' tables as `evaluateTables` takes them. */
export function tablesOf(data: Record<Hospital, HospitalPatients>): Record<string, TableData> {
  return Object.fromEntries(
    HOSPITALS.map((h) => [
      TABLE_OF[h],
      { keys: data[h].ids, columns: { diagnosis: data[h].diagnosis, value: data[h].hba1c } },
    ]),
  );
}

/** The plaintext reference: what every hospital gets, computed in the clear. */
export function plaintextStatistics(computation: Computation, data: Record<Hospital, HospitalPatients>) {
  const evaluation: TablesEvaluation = computation.evaluateTables(tablesOf(data));
  return readStatistics(evaluation.outputs);
}

/** The outputs, per group (index = diagnosis code). */
export interface GroupStatistics {
  count: number[];
  suppressed: boolean[];
  mean: number[];
  variance: number[];
  /** Per group, the patients in each bin. */
  histogram: number[][];
}

/** The five outputs as numbers, per group; throws when one is missing or of the wrong length. */
export function readStatistics(outputs: Record<string, OutputValue>): GroupStatistics {
  const vector = (name: string, length: number): number[] => {
    const v = outputs[name];
    const values = Array.isArray(v) ? v : v === undefined ? [] : [v];
    if (values.length !== length) {
      throw new InvalidArgument(`output ${name}: ${values.length} values, expected ${length}`, {
        field: name,
      });
    }
    return values.map(Number);
  };
  const bins = vector('histogram', GROUPS * BINS);
  return {
    count: vector('count', GROUPS),
    suppressed: vector('suppressed', GROUPS).map((s) => s === 1),
    mean: vector('mean', GROUPS),
    variance: vector('variance', GROUPS),
    histogram: DIAGNOSES.map((_, gi) => bins.slice(gi * BINS, (gi + 1) * BINS)),
  };
}

/**
 * How far an engine's mean may be from the plaintext evaluator's: the
 * secret-sharing engines truncate products and divide by Newton–Raphson,
 * within 3ε + 2^-13·|mean| (packages/sdk/src/analytics/aggregates.ts).
 */
export function meanTolerance(mean: number): number {
  return 3 * STATISTIC_ULP + 2 ** -13 * Math.abs(mean);
}

/** The same for the variance: δ² + 5ε + 2^-13·σ², δ being the mean's tolerance. */
export function varianceTolerance(variance: number, mean: number): number {
  const delta = meanTolerance(mean);
  return delta * delta + 5 * STATISTIC_ULP + 2 ** -13 * Math.abs(variance);
}

export interface Comparison {
  /** One line per output value that differs (beyond the tolerance, for means and variances). */
  problems: string[];
  /** The largest differences seen. */
  meanError: number;
  varianceError: number;
}

/** Compares `got` with the plaintext `want`: counts, suppression and histograms exactly, the rest within tolerance. */
export function compareStatistics(got: GroupStatistics, want: GroupStatistics): Comparison {
  const problems: string[] = [];
  let meanError = 0;
  let varianceError = 0;
  DIAGNOSES.forEach((name, gi) => {
    const group = `group ${gi} (${name})`;
    if (got.count[gi] !== want.count[gi])
      problems.push(`${group}: count ${got.count[gi]}, plaintext ${want.count[gi]}`);
    if (got.suppressed[gi] !== want.suppressed[gi]) {
      problems.push(`${group}: suppressed ${got.suppressed[gi]}, plaintext ${want.suppressed[gi]}`);
    }
    const bins = got.histogram[gi].join(' ');
    if (bins !== want.histogram[gi].join(' ')) {
      problems.push(`${group}: histogram ${bins}, plaintext ${want.histogram[gi].join(' ')}`);
    }
    const dm = Math.abs(got.mean[gi] - want.mean[gi]);
    const dv = Math.abs(got.variance[gi] - want.variance[gi]);
    meanError = Math.max(meanError, dm);
    varianceError = Math.max(varianceError, dv);
    if (!(dm <= meanTolerance(want.mean[gi]))) {
      problems.push(`${group}: mean ${got.mean[gi]}, plaintext ${want.mean[gi]}`);
    }
    if (!(dv <= varianceTolerance(want.variance[gi], want.mean[gi]))) {
      problems.push(`${group}: variance ${got.variance[gi]}, plaintext ${want.variance[gi]}`);
    }
  });
  return { problems, meanError, varianceError };
}

/** A column read from a data source (bit patterns of its type) as numbers. */
export function decodeColumn(column: Column, type: ValueType): number[] {
  return Array.from(column, (v) => Number(decodeValue(v, type)));
}
