// The benchmark harness's command line: help, suite list, and a clear error for an unknown option;
// and one quick suite run end to end (the transport suite, a few seconds), its JSON checked.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runScript, temporaryDirectory } from './helpers.js';

const dir = temporaryDirectory('parley-bench-test-');

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

  it('runs the transport suite quickly and writes every figure, the node:tls baseline among them', async () => {
    const out = join(dir(), 'transport.json');
    const r = await runScript(RUN, ['--quick', '--suite', 'transport', '--json', out], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const { results } = JSON.parse(await readFile(out, 'utf8')) as {
      results: Array<{ suite: string; name: string; value: number }>;
    };
    const byName = new Map(results.map((x) => [x.name, x.value]));
    for (const name of [
      'transport.ws_tls.mb_per_s.1mb',
      'transport.ws_tls.cpu_ns_per_byte.1mb',
      'transport.node_tls.mb_per_s.1mb',
      'transport.node_tls.cpu_ns_per_byte.1mb',
      'transport.ws_tls_vs_node_tls.1mb',
    ]) {
      const value = byName.get(name);
      expect(value, name).toBeGreaterThan(0);
      expect(Number.isFinite(value), name).toBe(true);
    }
    expect(byName.get('transport.ws_tls_vs_node_tls.1mb')).toBeCloseTo(
      byName.get('transport.ws_tls.mb_per_s.1mb')! / byName.get('transport.node_tls.mb_per_s.1mb')!,
      6,
    );
  }, 150_000);
});
