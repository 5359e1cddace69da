/**
 * The flags of the commands that load a circuit file (circuitFlags.ts) and of
 * `init` and `demo`, through the CLI's `main` in this process: `--width` and
 * `--public` checked in every command, NAME=VALUE names that are also names
 * of Object.prototype, `circuit run`'s time line, and port flags refused
 * before anything is created.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgument } from '@parley/interface';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  parseAssignments,
  parsePublicInputs,
  parseWidth,
  summonPublicInputs,
} from '../src/commands/circuitFlags.js';
import { main } from '../src/program.js';

const SUM_MEAN_COUNT = fileURLToPath(
  new URL('../../../circuits/summon/sum-mean-count.summon.ts', import.meta.url),
);
/** sum-mean-count.examples.json's first case. */
const SMC_INPUTS = ['a0=10', 'a1=60', 'a2=70', 'b0=5', 'b1=100', 'b2=2'].flatMap((a) => ['--input', a]);

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-cli-flags-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `parley ARGS…` in this process: its exit status and what it printed. */
async function parley(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main(['node', 'parley', ...args]);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}

function invalidArgument(fn: () => unknown, field: string, message: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument);
    expect((e as InvalidArgument).details.field).toBe(field);
    expect((e as Error).message).toContain(message);
    return;
  }
  throw new Error('expected an InvalidArgument');
}

describe('parseAssignments', () => {
  it('takes names that Object.prototype has (toString, constructor, __proto__) as names like any other', () => {
    const got = parseAssignments(
      ['toString=1', 'constructor=2', '__proto__=3', 'hasOwnProperty=4'],
      '--input',
    );
    expect(Object.keys(got)).toEqual(['toString', 'constructor', '__proto__', 'hasOwnProperty']);
    expect(got.toString).toBe('1');
    expect(got.constructor).toBe('2');
    expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toBe('3');
    expect(Object.hasOwn(parseAssignments(['a=1'], '--input'), 'toString')).toBe(false);
  });

  it('refuses a name given twice and an item without NAME=', () => {
    invalidArgument(
      () => parseAssignments(['constructor=1', 'constructor=2'], '--input'),
      'constructor',
      'given twice',
    );
    invalidArgument(
      () => parseAssignments(['a=1', '=1234'], '--input'),
      '--input',
      '--input (item 2 of 2): expected NAME=VALUE, its name is empty',
    );
    invalidArgument(
      () => parseAssignments(['abc'], '--owner'),
      '--owner',
      "--owner (item 1 of 1): expected NAME=VALUE, it has no '='",
    );
  });

  it('never quotes a malformed item, which may be a secret value typed without its name', () => {
    for (const item of ['987654321', '=987654321']) {
      let message = '';
      try {
        parseAssignments([item], '--input');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/expected NAME=VALUE/);
      expect(message).not.toContain('987654321');
    }
  });
});

describe('parseWidth', () => {
  it('takes a whole number 1..64 and nothing else', () => {
    expect(parseWidth('1')).toBe(1);
    expect(parseWidth('64')).toBe(64);
    for (const v of ['-5', 'abc', '1000', '65', '0', '2.5', '', ' 8', '1e1', '0x10']) {
      invalidArgument(() => parseWidth(v), 'width', `--width ${v}: expected a whole number 1..64`);
    }
  });
});

describe('--public', () => {
  it('parses whole numbers (decimal, hex, negative) and booleans', () => {
    expect({ ...parsePublicInputs(['N=3', 'h=0x10', 'm=-7', 'flag=true', 'off=false']) }).toEqual({
      N: 3,
      h: 16,
      m: -7,
      flag: true,
      off: false,
    });
    for (const v of ['abc', '2.5', '', '9007199254740992', '1e3']) {
      invalidArgument(
        () => parsePublicInputs([`N=${v}`]),
        'public',
        `--public N=${v}: expected a whole number`,
      );
    }
  });

  it("finds a summon program's public input names", () => {
    expect(
      summonPublicInputs(`// io.inputPublic('commented', summon.number());
        const n = io.inputPublic('N', summon.number());
        const t = io.inputPublic("threshold", summon.number());`),
    ).toEqual({ names: ['N', 'threshold'], allLiteral: true });
    expect(summonPublicInputs('io.inputPublic(name, summon.number())')).toEqual({
      names: [],
      allLiteral: false,
    });
  });

  it('runs sum-mean-count with its public inputs in circuit stats, eval and run', async () => {
    const pub = ['--public', 'N=3', '--public', 'threshold=50'];
    const stats = await parley(['circuit', 'stats', SUM_MEAN_COUNT, ...pub, '--json']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).inputs.map((g: { name: string }) => g.name)).toEqual(
      expect.arrayContaining(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']),
    );
    const evaluated = await parley(['circuit', 'eval', SUM_MEAN_COUNT, ...pub, ...SMC_INPUTS]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout.split('\n')).toEqual(['sum=247', 'mean=41', 'countAbove=3']);
    const run = await parley(['circuit', 'run', SUM_MEAN_COUNT, ...pub, ...SMC_INPUTS, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).outputs).toEqual({ sum: '247', mean: '41', countAbove: '3' });
  });

  it('names a public input that is missing, one the program does not have, and a bad value', async () => {
    for (const command of ['stats', 'eval', 'run']) {
      const inputs = command === 'stats' ? [] : SMC_INPUTS;
      const missing = await parley(['circuit', command, SUM_MEAN_COUNT, '--public', 'N=3', ...inputs]);
      expect(missing.code, command).toBe(2);
      expect(missing.stderr, command).toContain(
        'INVALID_ARGUMENT: ' +
          `${SUM_MEAN_COUNT}: public input 'threshold' is not given: add --public threshold=VALUE (the program's public inputs: N, threshold)`,
      );
      expect(missing.stderr, command).not.toMatch(/unreachable|RuntimeError|panicked/);
    }
    const unknown = await parley([
      'circuit',
      'eval',
      SUM_MEAN_COUNT,
      ...['--public', 'N=3', '--public', 'threshold=5', '--public', 'thresold=5'],
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--public thresold: ');
    expect(unknown.stderr).toContain("has no public input 'thresold' (it has N, threshold)");
    const bad = await parley([
      'circuit',
      'eval',
      SUM_MEAN_COUNT,
      '--public',
      'N=three',
      '--public',
      'threshold=1',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--public N=three: expected a whole number');
    const job = await parley([
      'job',
      'submit',
      SUM_MEAN_COUNT,
      '--node',
      join(dir, 'no-node'),
      '--public',
      'N=3',
    ]);
    expect(job.code).toBe(2);
    expect(job.stderr).toContain("public input 'threshold' is not given");
  });
});

describe('--width in every command', () => {
  it('refuses a bad width in circuit run and job submit before compiling anything', async () => {
    const path = join(dir, 'add.ts');
    await writeFile(
      path,
      `export default (io: Summon.IO) => {
        io.outputPublic('s', io.input('alice', 'a', summon.number()) + io.input('bob', 'b', summon.number()));
      };`,
    );
    for (const width of ['-5', 'abc', '1000', '2.5']) {
      for (const args of [
        ['circuit', 'run', path, '--input', 'a=1', '--input', 'b=2'],
        ['circuit', 'eval', path, '--input', 'a=1', '--input', 'b=2'],
        ['circuit', 'stats', path],
        ['job', 'submit', path, '--node', join(dir, 'no-node')],
      ]) {
        const r = await parley([...args, '--width', width]);
        expect(r.code, `${args[1]} ${width}`).toBe(2);
        expect(r.stderr).toContain(`INVALID_ARGUMENT: --width ${width}: expected a whole number 1..64`);
        expect(r.stderr).not.toMatch(/panicked|RuntimeError|wasm/);
      }
    }
    const ok = await parley(['circuit', 'run', path, '--input', 'a=200', '--input', 'b=100', '--width', '8']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('s=44');
  });

  it('evaluates a summon input named constructor or toString', async () => {
    const path = join(dir, 'names.ts');
    await writeFile(
      path,
      `export default (io: Summon.IO) => {
        io.outputPublic('s', io.input('alice', 'constructor', summon.number()) + io.input('bob', 'toString', summon.number()));
      };`,
    );
    const r = await parley(['circuit', 'eval', path, '--input', 'constructor=5', '--input', 'toString=1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('s=6');
    const missing = await parley(['circuit', 'eval', path, '--input', 'constructor=5']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing input 'toString'");
  });
});

describe('circuit run time', () => {
  it('says what its time covers, the same for every protocol', async () => {
    const path = join(dir, 'mul.ts');
    await writeFile(
      path,
      `export default (io: Summon.IO) => {
        io.outputPublic('p', io.input('alice', 'a', summon.number()) * io.input('bob', 'b', summon.number()));
      };`,
    );
    for (const transport of ['memory', 'ws']) {
      for (const protocol of ['garbled', 'sharing']) {
        const args = ['circuit', 'run', path, '--protocol', protocol, '--transport', transport];
        const text = await parley([...args, '--input', 'a=6', '--input', 'b=7']);
        expect(text.code, text.stderr).toBe(0);
        expect(text.stdout).toMatch(
          /^time .* ms .*: circuit preparation to the last output, connection set-up excluded$/m,
        );
        const json = await parley([...args, '--input', 'a=6', '--input', 'b=7', '--json']);
        expect(JSON.parse(json.stdout)).toMatchObject({
          outputs: { p: '42' },
          transport,
          msCovers: 'circuit preparation to the last output, connection set-up excluded',
        });
      }
    }
  });
});

describe('init and demo flags', () => {
  it('refuses port 0 and equal ports, naming the flag, before creating the directory', async () => {
    const cases: Array<[string[], string]> = [
      [['--port', '0'], "--port: expected a port 1..65535, got '0'"],
      [['--api-port', '0'], "--api-port: expected a port 1..65535, got '0'"],
      [['--port', '70000'], "--port: expected a port 1..65535, got '70000'"],
      [['--port', '7.5'], "--port: expected a port 1..65535, got '7.5'"],
      [['--port', '7443', '--api-port', '7443'], '--port and --api-port are both 7443'],
      [['--port', '7480'], '--port and --api-port are both 7480'],
      [['--address', 'nowhere'], "--address: 'nowhere' is not host:port"],
      [['--host', 'a host'], '--host a host: not an address the consortium can list'],
    ];
    for (const [i, [flags, message]] of cases.entries()) {
      const node = join(dir, `node-${i}`);
      const r = await parley(['init', '--name', 'bankA', '--dir', node, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toContain(message);
      expect(existsSync(node), flags.join(' ')).toBe(false);
    }
  });

  it("names demo's flag in its message", async () => {
    for (const flag of ['--accounts', '--seed']) {
      const r = await parley(['demo', '--dir', join(dir, 'demo'), flag, '0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${flag}: expected a whole number 1..1000000, got '0'`);
    }
    expect(existsSync(join(dir, 'demo'))).toBe(false);
  });
});
