// The benchmark harness's command line: help, suite list, and a clear error for an unknown option.
import { describe, expect, it } from 'vitest';
import { ROOT, runScript } from './helpers.js';

const RUN = `${ROOT}bench/dist/run.js`;

describe('npm run bench', () => {
  it('prints its options with --help', async () => {
    const r = await runScript(RUN, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--suite NAME');
  });

  it('lists the suites with --list', async () => {
    const r = await runScript(RUN, ['--list']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(expect.arrayContaining(['garbled', 'ot', 'sharing']));
  });

  it('names an unknown option and exits 2 without running a suite', async () => {
    const r = await runScript(RUN, ['--qiuck']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--qiuck'");
    expect(r.stderr).not.toContain('bench: garbled');
  });

  it('names an unknown suite and exits 2', async () => {
    const r = await runScript(RUN, ['--suite', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown suite nope');
  });
});
