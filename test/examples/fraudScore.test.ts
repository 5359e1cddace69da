/**
 * examples/fraud-score end to end, built: three banks' nodes set up and
 * started by the example, the fraud score over their privately joined
 * tables, every bank's outputs checked against the plaintext reference (by
 * the example, which exits non-zero otherwise), the receipt verified, no node
 * process or temporary directory left behind.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runScript } from '../helpers.js';
import { expectNothingLeftBehind } from './_harness.js';

const MAIN = join(ROOT, 'examples/fraud-score/dist/main.js');

describe('examples/fraud-score', () => {
  it('scores the customers two or more banks share, each bank getting its own flagged ones, equal to plaintext', async () => {
    const run = await runScript(MAIN, ['--accounts', '400', '--seed', '5'], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    for (const bank of ['bankA', 'bankB', 'bankC']) {
      expect(run.stdout).toMatch(new RegExp(`${bank} +flagged customers: \\d+`));
    }
    expect(run.stdout).toContain('customers at two or more banks: 320;');
    expect(run.stdout).toContain("equal to the plaintext reference's outputs");
    expect(run.stdout).toContain('VALID: the receipt verifies offline');
    const dir = /^data +(\S+):/m.exec(run.stdout)?.[1] as string;
    expect(dir).toMatch(/parley-fraud-score-/);
    expectNothingLeftBehind(dir);
  }, 150_000);

  it('refuses a bad option with a message naming it and the usage, exit status 2 (as every example)', async () => {
    const run = await runScript(MAIN, ['--accounts', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--accounts: expected a whole number/);
  });
});
