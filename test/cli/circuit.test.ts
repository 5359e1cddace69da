/** The `parley circuit` commands, run as a user runs them (a real process). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRISTOL, parley } from '../helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parley circuit eval', () => {
  it('AES-128 gives the FIPS-197 ciphertext (hex for wide outputs)', async () => {
    const r = await parley([
      'circuit',
      'eval',
      `${BRISTOL}/aes_128.txt`,
      '--input',
      '0=0x000102030405060708090a0b0c0d0e0f',
      '--input',
      '1=0x00112233445566778899aabbccddeeff',
    ]);
    expect(r.stdout.trim()).toBe('0=0x69c4e0d86a7b0430d8cdb78070b4c55a');
    expect(r.code).toBe(0);
  });

  it('decimal outputs up to 64 bits; --json', async () => {
    const r = await parley([
      'circuit',
      'eval',
      `${BRISTOL}/adder64.txt`,
      '--input',
      '0=18446744073709551615',
      '--input',
      '1=2',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toEqual({ outputs: { '0': '1' } });
  });

  it('evaluates a summon program with named inputs, in both modes', async () => {
    const path = join(dir, 'absdiff.ts');
    await writeFile(
      path,
      `export default (io: Summon.IO) => {
        const a = io.input('alice', 'a', summon.number());
        const b = io.input('bob', 'b', summon.number());
        io.outputPublic('diff', a > b ? a - b : b - a);
      };`,
    );
    for (const mode of ['boolean', 'arithmetic']) {
      const r = await parley(['circuit', 'eval', path, '--input', 'a=7', '--input', 'b=12', '--mode', mode]);
      expect(r.stdout.trim(), r.stderr).toBe('diff=5');
    }
  });

  it('names the file and line of a malformed circuit and exits non-zero', async () => {
    const path = join(dir, 'bad.txt');
    await writeFile(path, '1 3\n2 1 1\n1 1\n2 1 0 7 2 AND\n');
    const r = await parley(['circuit', 'eval', path, '--input', '0=1', '--input', '1=0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}, line 4: wire 7 out of range`);
  });

  it('refuses a value wider than its input, an unknown input and a missing one', async () => {
    const wide = await parley([
      'circuit',
      'eval',
      `${BRISTOL}/adder64.txt`,
      '--input',
      '0=0x1ffffffffffffffffff',
      '--input',
      '1=1',
    ]);
    expect(wide.code).toBe(2);
    expect(wide.stderr).toMatch(/input 0 \(party0\): value does not fit in 64 bits/);
    const unknown = await parley([
      'circuit',
      'eval',
      `${BRISTOL}/adder64.txt`,
      '--input',
      '0=1',
      '--input',
      '7=1',
    ]);
    expect(unknown.stderr).toMatch(/unknown input '7' \(the circuit's inputs are 0, 1\)/);
    const missing = await parley(['circuit', 'eval', `${BRISTOL}/adder64.txt`, '--input', '0=1']);
    expect(missing.stderr).toMatch(/missing input '1'/);
    const malformed = await parley([
      'circuit',
      'eval',
      `${BRISTOL}/adder64.txt`,
      '--input',
      '0=12z',
      '--input',
      '1=1',
    ]);
    expect(malformed.stderr).toMatch(/input 0 \(party0\): not a number/);
    expect(malformed.stderr).not.toContain('12z');
  });
});

describe('parley circuit stats', () => {
  it('reports AES-128 gate counts as JSON and as text', async () => {
    const r = await parley(['circuit', 'stats', `${BRISTOL}/aes_128.txt`, '--json']);
    const s = JSON.parse(r.stdout);
    expect([s.and, s.xor, s.inv, s.andDepth]).toEqual([6400, 28176, 2087, 60]);
    const text = await parley(['circuit', 'stats', `${BRISTOL}/aes_128.txt`]);
    expect(text.stdout).toMatch(/^AND\s+6400$/m);
  });

  it('refuses an unknown file kind', async () => {
    const r = await parley(['circuit', 'stats', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown circuit file kind '\.json'/);
  });

  it('names a circuit file that does not exist, or a directory, with a typed error', async () => {
    const missing = join(dir, 'missing.txt');
    for (const command of ['stats', 'eval', 'run']) {
      const r = await parley(['circuit', command, missing]);
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toContain(`NOT_FOUND: circuit file ${missing} does not exist`);
    }
    const folder = join(dir, 'folder.ts');
    await mkdir(folder, { recursive: true });
    const r = await parley(['circuit', 'stats', folder]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`INVALID_ARGUMENT: ${folder} is not a file`);
  });
});
