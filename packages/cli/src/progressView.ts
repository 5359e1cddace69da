/** Progress of a job on standard error: a bar on a terminal, a line per state and per tenth of the work otherwise. */
import type { JobStatus } from '@parley/sdk';

const BAR_WIDTH = 24;

/** A bar redrawn with `\r` on a terminal; otherwise a line per state and per tenth of the work. */
export class ProgressView {
  private readonly tty = process.stderr.isTTY === true;
  private drawn = false;
  private lastState = '';
  private lastTenth = -1;

  constructor(private readonly id: string) {}

  update(s: JobStatus): void {
    const p = s.progress;
    const fraction = p && p.total > 0 ? Math.min(1, p.done / p.total) : undefined;
    const counts = p ? ` ${p.done}/${p.total}${p.unit ? ` ${p.unit}` : ''}` : '';
    if (this.tty) {
      const bar =
        fraction === undefined
          ? ''
          : ` [${'#'.repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}] ${Math.floor(fraction * 100)}%`;
      process.stderr.write(`\rjob ${this.id}: ${s.state}${bar}${counts}\x1b[K`);
      this.drawn = true;
      return;
    }
    const tenth = fraction === undefined ? -1 : Math.floor(fraction * 10);
    if (s.state === this.lastState && tenth === this.lastTenth) return;
    this.lastState = s.state;
    this.lastTenth = tenth;
    const percent = fraction === undefined ? '' : ` ${Math.floor(fraction * 100)}%`;
    process.stderr.write(`job ${this.id}: ${s.state}${percent}${counts}\n`);
  }

  end(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}
