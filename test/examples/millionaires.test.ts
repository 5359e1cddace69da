import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, temporaryDirectory } from '../helpers.js';
import { expectKeptDirectory, expectNothingLeftBehind, runFromRoot, withRunningNodes } from './_harness.js';

const MAIN = join(ROOT, 'examples/millionaires/dist/main.js');
const RUNNER = join(ROOT, 'scripts/run-example.mjs');
/** Each test starts real node processes (about 2 s on the 2-core reference machine): generous. */
const TEST_TIMEOUT_MS = 180_000;

const root = temporaryDirectory('parley-example-test-');
const run = (script: string, args: string[]) => runFromRoot(script, args, 120_000);

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
      expectNothingLeftBehind(dir);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps --dir with the receipt; a tie goes to bob',
    async () => {
      const dir = join(root(), 'kept');
      const r = await run(MAIN, ['--dir', dir, '--alice', '42', '--bob', '42']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      checkNodeOutputs(r.stdout, 42, 42);
      await expectKeptDirectory(MAIN, dir);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "runs against nodes an operator set up (--setup-only) and started (--node), checked against the nodes' data",
    async () => {
      const dir = join(root(), 'operator');
      const setup = await run(MAIN, ['--setup-only', '--dir', dir, '--alice', '5', '--bob', '9']);
      expect(setup.code, setup.stdout + setup.stderr).toBe(0);
      expect(setup.stdout).toContain('parley node start --node');
      await withRunningNodes(dir, ['alice', 'bob'], async () => {
        // Submitted to bob's node this time.
        const r = await run(MAIN, ['--node', join(dir, 'bob'), '--node', join(dir, 'alice')]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(/submitted to bob's node/);
        expect(r.stdout).toContain('checked against plaintext');
        checkNodeOutputs(r.stdout, 5, 9);
      });
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
