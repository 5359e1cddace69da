/**
 * `parley job outputs ID` prints every output the node returns, whatever its
 * name, and `job submit --tables FILE` refuses a file that holds no layout.
 * The node is replaced by a client that answers with chosen outputs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CircuitBuilder, encodeProgram, uint } from '@parley/circuit';
import { hasCode } from '@parley/interface';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerJobCommands } from '../src/commands/job.js';

const node = vi.hoisted(() => ({ outputs: {} as unknown, submitted: 0 }));
vi.mock('@parley/sdk', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@parley/sdk')>()),
  connect: () => ({
    job: () => ({ encodedOutputs: async () => node.outputs }),
    submit: async () => {
      node.submitted++;
      throw new Error('not reached');
    },
  }),
}));

const dir = mkdtempSync(join(tmpdir(), 'parley-cli-job-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `parley ARGS…`; returns what it wrote to standard output, or the error it threw. */
async function parley(args: string[]): Promise<{ out: string; error?: unknown }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    out += `${parts.join(' ')}\n`;
  });
  vi.spyOn(console, 'error').mockImplementation(() => {});
  const program = new Command('parley').exitOverride();
  registerJobCommands(program);
  try {
    await program.parseAsync(['node', 'parley', ...args]);
    return { out };
  } catch (error) {
    return { out, error };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('parley job outputs', () => {
  it('prints outputs named like Object.prototype members (constructor, toString) as any other', async () => {
    node.outputs = {
      constructor: { type: 'uint(8)', values: ['7'] },
      toString: { type: 'uint(8)', values: ['8'] },
      plain: { type: 'uint(8)', values: ['12'] },
    };
    const r = await parley(['job', 'outputs', 'job-1', '--node', dir]);
    expect(r.error).toBeUndefined();
    expect(r.out.trim().split('\n').sort()).toEqual(['constructor=7', 'plain=12', 'toString=8']);
  });
});

describe('parley job submit --tables', () => {
  it('refuses a tables file that holds null or a list, before contacting the node', async () => {
    const program = join(dir, 'p.json');
    const b = new CircuitBuilder(['a', 'b']);
    b.output('s', b.input('a', 'x', uint(8)).add(b.input('b', 'y', uint(8))));
    writeFileSync(program, encodeProgram(b.build()));
    for (const [name, text] of [
      ['null.json', 'null'],
      ['list.json', '[]'],
      ['number.json', '5'],
    ]) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = await parley(['job', 'submit', program, '--tables', file, '--node', dir]);
      expect(hasCode(r.error, 'INVALID_ARGUMENT'), String(r.error)).toBe(true);
      expect((r.error as Error).message).toBe(`${file} is not a tables layout (expected a JSON object)`);
    }
    expect(node.submitted).toBe(0);
  });
});
