/**
 * The dial backoff of WsEndpoint (wsDial.ts `Redialer`): after each failed
 * dial the next waits a random time in [d/2, d], d = initialDelayMs · 2^k
 * capped at maxDelayMs; a success resets k; stop() ends the retries.
 */
import { PeerDisconnected } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { Redialer } from '../src/wsDial.js';

/** Timers may fire up to ~1 ms before their delay (rounding); the bounds below allow for it. */
const SLACK_MS = 2;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('Redialer', () => {
  it('waits twice as long after each failure, up to the cap, and reports each failure', async () => {
    const times: number[] = [];
    const failures: string[] = [];
    const failuresBeforeSuccess = 6;
    let connected = false;
    const r = new Redialer(
      async () => {
        times.push(performance.now());
        if (times.length <= failuresBeforeSuccess) throw new PeerDisconnected(`refused ${times.length}`);
        return {} as never;
      },
      () => {
        connected = true;
      },
      (e) => failures.push(e.message),
      { initialDelayMs: 20, maxDelayMs: 160 },
    );
    r.now();
    for (let i = 0; i < 200 && !connected; i++) await delay(10);
    r.stop();
    expect(connected).toBe(true);
    expect(failures).toEqual(['refused 1', 'refused 2', 'refused 3', 'refused 4', 'refused 5', 'refused 6']);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // d = 20, 40, 80, 160 (cap), 160, 160: each gap is at least d/2.
    const floors = [10, 20, 40, 80, 80, 80];
    for (const [i, gap] of gaps.entries())
      expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(floors[i] - SLACK_MS);
    // And at most d (a loose bound: a loaded machine only delays timers).
    expect(gaps[0]).toBeLessThan(20 + 200);
    expect(gaps.slice(3).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3 * 80 - SLACK_MS);
  });

  it('starts again from the first delay after a success, and stops for good', async () => {
    const times: number[] = [];
    let fail = true;
    const r = new Redialer(
      async () => {
        times.push(performance.now());
        if (fail) throw new PeerDisconnected('refused');
        return {} as never;
      },
      () => undefined,
      () => undefined,
      { initialDelayMs: 40, maxDelayMs: 1_000 },
    );
    r.now();
    while (times.length < 4) await delay(5);
    // Three failures: the next delay would be 320 ms; a success resets the schedule.
    fail = false;
    while (times.length < 5) await delay(5);
    fail = true;
    r.later();
    const before = times.length;
    while (times.length < before + 1) await delay(5);
    const gap = times[times.length - 1] - times[times.length - 2];
    expect(gap).toBeGreaterThanOrEqual(20 - SLACK_MS);
    expect(gap).toBeLessThan(40 + 200);
    r.stop();
    const stoppedAt = times.length;
    await delay(200);
    expect(times.length).toBe(stoppedAt);
  });
});
