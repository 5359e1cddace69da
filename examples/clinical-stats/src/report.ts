/**
 * What the example prints: progress lines (a label column, then the text),
 * times, paths, and the per-group table of the pooled statistics.
 */
import { progressLines } from '@parley/cli';
import { BINS, DIAGNOSES, EDGES, type GroupStatistics, MIN_GROUP_SIZE } from './clinicalStats.js';

/** Progress lines (a label column, then the text), times and paths, printed as `parley demo` prints them. */
export const say = progressLines();
export { displayPath, secondsSince } from '@parley/cli';

const thousands = (n: number) => n.toLocaleString('en');

/**
 * The table every hospital gets: per group the patients, mean, variance,
 * standard deviation (√variance, taken here from the output) and the
 * histogram, or that the group is suppressed.
 */
export function printStatistics(s: GroupStatistics): void {
  const labels = Array.from({ length: BINS }, (_, i) => `${EDGES[i]}–${EDGES[i + 1]}`);
  const widths = labels.map((l, i) =>
    Math.max(l.length, ...s.histogram.map((bins) => thousands(bins[i]).length)),
  );
  const countWidth = Math.max(8, ...s.count.map((c) => thousands(c).length));
  const nameWidth = Math.max(...DIAGNOSES.map((d) => d.length));
  const head = `${'code'.padStart(4)}  ${'group'.padEnd(nameWidth)} ${'patients'.padStart(countWidth)} ${'mean'.padStart(6)} ${'variance'.padStart(8)} ${'sd'.padStart(6)}  |`;
  console.log('What every hospital gets: HbA1c (%) per diagnosis group, pooled over the three hospitals');
  console.log(`${' '.repeat(head.length - 1)}| patients per HbA1c bin (%)`);
  console.log(`${head} ${labels.map((l, i) => l.padStart(widths[i])).join(' ')}`);
  DIAGNOSES.forEach((name, gi) => {
    const start = `${String(gi).padStart(4)}  ${name.padEnd(nameWidth)}`;
    if (s.suppressed[gi]) {
      console.log(
        `${start} suppressed: fewer than ${MIN_GROUP_SIZE} patients in the three hospitals together`,
      );
      return;
    }
    const figures = [
      thousands(s.count[gi]).padStart(countWidth),
      s.mean[gi].toFixed(3).padStart(6),
      s.variance[gi].toFixed(4).padStart(8),
      Math.sqrt(s.variance[gi]).toFixed(3).padStart(6),
    ];
    const bins = s.histogram[gi].map((c, i) => thousands(c).padStart(widths[i]));
    console.log(`${start} ${figures.join(' ')}  | ${bins.join(' ')}`);
  });
}
