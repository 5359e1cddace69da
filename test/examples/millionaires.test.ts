/**
 * examples/millionaires end to end, built (npm test builds before vitest
 * runs): the summon program in memory through mpc-framework and on two real
 * node processes, every output checked here against plaintext, the receipt
 * verified, no node process or temporary directory left behind; the same
 * against nodes an operator started (`--setup-only`, then `--node`); and the
 * example runner's listing and exit statuses.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcesses } from '@parley/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type RunResult } from '../helpers.js';

const MAIN = join(ROOT, 'examples/millionaires/dist/main.js');
const RUNNER = join(ROOT, 'scripts/run-example.mjs');
/** Each test starts real node processes (about 2 s on the 2-core reference machine): generous. */
const TEST_TIMEOUT_MS = 180_000;

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parley-example-test-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function run(script: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  if (!existsSync(MAIN)) {
    throw new Error('examples/millionaires is not built: run `npm run build` first');
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 << 20, env: { ...process.env, INIT_CWD: ROOT } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/** Processes whose command line names `text`. */
function processesNaming(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const richer = (alice: number, bob: number) => (alice > bob ? 1 : 0);

/** Part 1's lines, each checked here against plaintext; returns how many there were. */
function checkInMemory(stdout: string): number {
  const lines = [...stdout.matchAll(/alice ([\d,]+) vs bob ([\d,]+): .*both got aliceIsRicher = (\d)/g)];
  for (const [, a, b, bit] of lines) {
    expect(Number(bit), `alice ${a} vs bob ${b}`).toBe(
      richer(Number(a.replaceAll(',', '')), Number(b.replaceAll(',', ''))),
    );
  }
  return lines.length;
}

/** Each node's output line, checked against plaintext for these wealths. */
function checkNodeOutputs(stdout: string, alice: number, bob: number): void {
  for (const party of ['alice', 'bob']) {
    const m = stdout.match(new RegExp(`${party}'s node got aliceIsRicher = (\\d)`));
    expect(m, `${party}'s output`).not.toBeNull();
    expect(Number(m![1])).toBe(richer(alice, bob));
  }
  expect(stdout).toMatch(/receipt +ledger entry \d+ of \d+, outcome succeeded, head signed by alice, bob/);
  expect(stdout).toContain('VALID: the receipt verifies offline');
}

describe('examples/millionaires', () => {
  it(
    'runs in memory and on two fresh nodes, equal to plaintext; stops the nodes and removes its directory',
    async () => {
      const r = await run(MAIN, []);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(checkInMemory(r.stdout)).toBe(3);
      checkNodeOutputs(r.stdout, 3_100_000, 2_750_000);
      expect(r.stdout).toContain('every output equals plaintext');
      const dir = r.stdout.match(/set-up +(\S+): alice/)![1];
      expect(existsSync(dir)).toBe(false);
      expect(processesNaming(dir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps --dir with the receipt; a tie goes to bob',
    async () => {
      const dir = join(root, 'kept');
      const r = await run(MAIN, ['--dir', dir, '--alice', '42', '--bob', '42']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      checkNodeOutputs(r.stdout, 42, 42);
      expect(existsSync(join(dir, 'receipt.json'))).toBe(true);
      expect(processesNaming(dir)).toEqual([]);
      // The set-up never overwrites.
      const again = await run(MAIN, ['--dir', dir]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/is not empty/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "runs against nodes an operator set up (--setup-only) and started (--node), checked against the nodes' data",
    async () => {
      const dir = join(root, 'operator');
      const setup = await run(MAIN, ['--setup-only', '--dir', dir, '--alice', '5', '--bob', '9']);
      expect(setup.code, setup.stdout + setup.stderr).toBe(0);
      expect(setup.stdout).toContain('parley node start --node');
      const nodes = new NodeProcesses();
      try {
        await Promise.all(['alice', 'bob'].map((p) => nodes.start(p, join(dir, p))));
        // Submitted to bob's node this time.
        const r = await run(MAIN, ['--node', join(dir, 'bob'), '--node', join(dir, 'alice')]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(/submitted to bob's node/);
        expect(r.stdout).toContain('checked against plaintext');
        checkNodeOutputs(r.stdout, 5, 9);
      } finally {
        await nodes.stopAll();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the runner runs an example by name, passes its exit status on, and lists the examples otherwise',
    async () => {
      const none = await run(RUNNER, []);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/^ {2}millionaires +Yao's millionaires' problem/m);
      const unknown = await run(RUNNER, ['no-such-example']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("no example 'no-such-example'");
      const badArgument = await run(RUNNER, ['millionaires', '--alice', 'lots']);
      expect(badArgument.code).toBe(2);
      expect(badArgument.stderr).toContain("--alice: expected a whole number 0..4294967295, got 'lots'");
      const help = await run(RUNNER, ['millionaires', '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('usage: npm run example -- millionaires');
    },
    TEST_TIMEOUT_MS,
  );
});
