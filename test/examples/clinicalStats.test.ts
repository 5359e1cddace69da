import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesNaming, ROOT, type RunResult, temporaryDirectory } from '../helpers.js';
import { expectKeptDirectory, expectNothingLeftBehind, runFromRoot, withRunningNodes } from './_harness.js';

const MAIN = join(ROOT, 'examples/clinical-stats/dist/main.js');
const RUNNER = join(ROOT, 'scripts/run-example.mjs');
/** Each test starts three real node processes (about 5 s a run on the 2-core reference machine): generous. */
const TEST_TIMEOUT_MS = 180_000;

const HOSPITALS = ['hospitalA', 'hospitalB', 'hospitalC'];
const EDGES = [4, 5.7, 6.5, 7, 8, 9, 10, 15];
const MIN_GROUP_SIZE = 20;
const GROUPS = 6;

const root = temporaryDirectory('parley-clinical-stats-test-');
const run = (script: string, args: string[]) => runFromRoot(script, args, 150_000);

interface PrintedGroup {
  suppressed: boolean;
  count: number;
  mean: number;
  variance: number;
  histogram: number[];
}

const number = (text: string) => Number(text.replaceAll(',', ''));

/** The printed table, by diagnosis code. */
function printedGroups(stdout: string): PrintedGroup[] {
  const groups: PrintedGroup[] = [];
  for (const line of stdout.split('\n')) {
    const suppressed = line.match(/^ +(\d) {2}.+? suppressed: fewer than 20 patients/);
    if (suppressed) {
      groups[Number(suppressed[1])] = { suppressed: true, count: 0, mean: 0, variance: 0, histogram: [] };
      continue;
    }
    const m = line.match(/^ +(\d) {2}.+? +([\d,]+) +([\d.]+) +([\d.]+) +([\d.]+) +\| +([\d, ]+)$/);
    if (m) {
      groups[Number(m[1])] = {
        suppressed: false,
        count: number(m[2]),
        mean: Number(m[3]),
        variance: Number(m[4]),
        histogram: m[6].trim().split(/ +/).map(number),
      };
    }
  }
  return groups;
}

/** Per group, straight from the three hospitals' patients.csv: count, mean, population variance, histogram. */
async function groupsFromCsv(dir: string): Promise<PrintedGroup[]> {
  const values: number[][] = Array.from({ length: GROUPS }, () => []);
  for (const h of HOSPITALS) {
    const [header, ...lines] = (await readFile(join(dir, h, 'patients.csv'), 'utf8')).trim().split('\n');
    expect(header).toBe('patient,diagnosis,hba1c');
    for (const line of lines) {
      const [, code, hba1c] = line.split(',');
      values[Number(code)].push(Number(hba1c));
    }
  }
  return values.map((xs) => {
    const n = xs.length;
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    const histogram = EDGES.slice(1).map((hi, i) => xs.filter((x) => x >= EDGES[i] && x < hi).length);
    return { suppressed: n < MIN_GROUP_SIZE, count: n, mean, variance, histogram };
  });
}

/** The printed table equals the statistics of the data (to the printed decimals), small groups suppressed. */
function checkTable(stdout: string, want: PrintedGroup[]): void {
  const got = printedGroups(stdout);
  expect(got.length, stdout).toBe(GROUPS);
  want.forEach((w, g) => {
    const what = `group ${g}`;
    expect(got[g].suppressed, what).toBe(w.suppressed);
    if (w.suppressed) return;
    expect(got[g].count, what).toBe(w.count);
    expect(got[g].histogram, what).toEqual(w.histogram);
    // Printed to 3 and 4 decimals; the engine's own error is far smaller (the example checks it).
    expect(Math.abs(got[g].mean - w.mean), what).toBeLessThan(1e-3);
    expect(Math.abs(got[g].variance - w.variance), what).toBeLessThan(5e-4);
  });
}

function checkRun(r: RunResult): void {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  for (const h of HOSPITALS) {
    expect(r.stdout).toMatch(new RegExp(`${h}'s node: every output equals plaintext`));
  }
  expect(r.stdout).toMatch(
    /receipt +ledger entry \d+ of \d+, outcome succeeded, head signed by hospitalA, hospitalB, hospitalC/,
  );
  expect(r.stdout).toContain('VALID: the receipt verifies offline');
  expect(r.stdout).toContain('every output equals plaintext');
}

describe('examples/clinical-stats', () => {
  it(
    'runs on three fresh nodes at the default size: suppresses MODY, releases type 1 only pooled; leaves nothing behind',
    async () => {
      const r = await run(MAIN, []);
      checkRun(r);
      expect(r.stdout).toMatch(/protocol replicated/);
      expect(r.stdout).toMatch(
        /type 1 diabetes: \d+ \+ \d+ \+ \d+ = \d+ patients; no hospital alone reaches 20/,
      );
      const groups = printedGroups(r.stdout);
      expect(groups.map((g) => g.suppressed)).toEqual([false, false, false, false, false, true]);
      // Each released group's histogram holds all its patients (every synthetic value is in a bin).
      for (const g of groups.filter((x) => !x.suppressed)) {
        expect(g.histogram.reduce((s, c) => s + c, 0)).toBe(g.count);
      }
      const dir = r.stdout.match(/set-up +(\S+): hospitalA/)![1];
      expectNothingLeftBehind(dir);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'prints statistics equal to those of the data in --dir, which it keeps with the receipt',
    async () => {
      const dir = join(root(), 'kept');
      const r = await run(MAIN, ['--dir', dir, '--patients', '400', '--seed', '5']);
      checkRun(r);
      checkTable(r.stdout, await groupsFromCsv(dir));
      await expectKeptDirectory(MAIN, dir);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'runs on the additive secret-sharing engine (--protocol sharing), within its truncation bounds',
    async () => {
      const dir = join(root(), 'sharing');
      const r = await run(MAIN, ['--dir', dir, '--patients', '60', '--protocol', 'sharing']);
      checkRun(r);
      expect(r.stdout).toMatch(/protocol sharing/);
      checkTable(r.stdout, await groupsFromCsv(dir));
      expect(processesNaming(dir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "runs against nodes an operator set up (--setup-only) and started (--node), checked against the nodes' data",
    async () => {
      const dir = join(root(), 'operator');
      const setup = await run(MAIN, ['--setup-only', '--dir', dir, '--patients', '300', '--seed', '9']);
      expect(setup.code, setup.stdout + setup.stderr).toBe(0);
      expect(setup.stdout).toContain('parley node start --node');
      expect(setup.stdout).toMatch(/clinical-stats --node \S+ --patients 300/);
      await withRunningNodes(dir, HOSPITALS, async () => {
        // The set-up directory, submitted to hospitalA's node.
        const r = await run(MAIN, ['--node', dir, '--patients', '300']);
        checkRun(r);
        expect(r.stdout).toMatch(/submitted to hospitalA's node/);
        expect(r.stdout).toContain('checked against plaintext');
        checkTable(r.stdout, await groupsFromCsv(dir));
        // Node directories, submitted to hospitalC's node.
        const byNode = await run(MAIN, [
          '--node',
          join(dir, 'hospitalC'),
          '--node',
          join(dir, 'hospitalB'),
          '--node',
          join(dir, 'hospitalA'),
          '--patients',
          '300',
        ]);
        checkRun(byNode);
        expect(byNode.stdout).toMatch(/submitted to hospitalC's node/);
        // Another bound is another computation, which the policies do not allow: refused before submitting.
        const other = await run(MAIN, ['--node', dir]);
        expect(other.code).toBe(1);
        expect(other.stderr).toMatch(/hospitalA's policy does not allow computation [0-9a-f]{64}/);
      });
      expect(processesNaming(dir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses bad arguments with exit status 2, and the runner lists it',
    async () => {
      const cases: Array<[string[], RegExp]> = [
        [['--patients', '10'], /--patients: expected a whole number 50\.\.200000, got '10'/],
        [['--patients', 'many'], /--patients: expected a whole number/],
        [['--protocol', 'garbled'], /--protocol: expected replicated or sharing, got 'garbled'/],
        [['--setup-only'], /--setup-only needs --dir DIR/],
        [['--node', root(), '--keep'], /--node runs on existing nodes/],
        [['--no-such-flag'], /Unknown option '--no-such-flag'/],
      ];
      for (const [args, message] of cases) {
        const r = await run(MAIN, args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toMatch(message);
      }
      const help = await run(RUNNER, ['clinical-stats', '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('usage: npm run example -- clinical-stats');
      const list = await run(RUNNER, []);
      expect(list.stderr).toMatch(/^ {2}clinical-stats +Three hospitals pool/m);
    },
    TEST_TIMEOUT_MS,
  );
});
