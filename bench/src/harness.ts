/**
 * The benchmark harness's contract. A suite measures and calls `record` once
 * per metric; the runner collects, prints and writes the results. Metric names
 * are the ones the issues give (`garbled.and_per_s.e2e_ws`, …).
 */

export interface BenchResult {
  suite: string;
  name: string;
  unit: string;
  value: number;
  /** How many timed runs (or items timed one by one) the value comes from. */
  samples: number;
  /** What the figure was measured on when the name alone does not say it (sizes that --quick changes …). */
  detail?: string;
}

export interface BenchContext {
  /**
   * A short run: fewer samples and smaller sizes, same metric names (a size
   * that differs goes in the result's `detail`, not in its name).
   */
  quick: boolean;
  record(name: string, unit: string, value: number, samples?: number, detail?: string): void;
}

export interface BenchSuite {
  name: string;
  run(ctx: BenchContext): Promise<void>;
}

/** Runs `fn` `iterations` times after `warmup` runs and returns the median time in milliseconds. */
export async function medianMs(fn: () => unknown, iterations: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
