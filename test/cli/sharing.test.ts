/** `parley circuit run --protocol sharing|replicated`: n-party runs as a user starts them (a real process). */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BRISTOL, parley } from '../helpers.js';

const KEY = '0=0x000102030405060708090a0b0c0d0e0f';
const PT = '1=0x00112233445566778899aabbccddeeff';
const CT = '0=0x69c4e0d86a7b0430d8cdb78070b4c55a';

describe('parley circuit run --protocol sharing|replicated', () => {
  it('AES-128 with three parties, replicated in memory and additive over mutual-TLS WebSocket', async () => {
    for (const [protocol, transport] of [
      ['replicated', 'memory'],
      ['sharing', 'ws'],
    ]) {
      const r = await parley([
        'circuit',
        'run',
        `${BRISTOL}/aes_128.txt`,
        '--protocol',
        protocol,
        '--parties',
        '3',
        '--transport',
        transport,
        '--input',
        KEY,
        '--input',
        PT,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(CT);
      expect(r.stdout).toMatch(
        new RegExp(`^protocol\\s+${protocol} \\(semi-honest, .*3 parties\\), transport ${transport}$`, 'm'),
      );
      expect(r.stdout).toMatch(/^products\s+0 ring multiplications, 6,400 AND gates$/m);
      expect(r.stdout).toMatch(/^rounds\s+\d+ online$/m);
    }
  });

  it('a summon program names its parties; --json; mult64 with five parties', async () => {
    const file = join(tmpdir(), `parley-score-${process.pid}.ts`);
    writeFileSync(
      file,
      `export default (io: Summon.IO) => {
        const a = io.input('alice', 'a', summon.number());
        const b = io.input('bob', 'b', summon.number());
        const c = io.input('carol', 'c', summon.number());
        io.outputPublic('score', 3 * a + 5 * b + 7 * c);
      };`,
    );
    const r = await parley([
      'circuit',
      'run',
      file,
      '--protocol',
      'replicated',
      '--mode',
      'arithmetic',
      '--input',
      'a=100',
      '--input',
      'b=80',
      '--input',
      'c=60',
      '--json',
    ]).finally(() => rmSync(file, { force: true }));
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outputs.score).toBe('1120');
    expect(out.parties).toBe(3);
    expect(out.multiplications).toBe(0);
    const m = await parley([
      'circuit',
      'run',
      `${BRISTOL}/mult64.txt`,
      '--protocol',
      'sharing',
      '--parties',
      '5',
      '--input',
      '0=0xfedcba9876543210',
      '--input',
      '1=0x0123456789abcdef',
    ]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout.split('\n')[0]).toBe('0=2465395958572223728');
    expect(m.stdout).toMatch(/5 parties/);
  });

  it('refuses replicated sharing for other than three parties and an unknown protocol', async () => {
    const r = await parley([
      'circuit',
      'run',
      `${BRISTOL}/mult64.txt`,
      '--protocol',
      'replicated',
      '--parties',
      '4',
      '--input',
      '0=1',
      '--input',
      '1=2',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/replicated sharing runs three-party computations; this one has 4 parties/);
    const u = await parley([
      'circuit',
      'run',
      `${BRISTOL}/mult64.txt`,
      '--protocol',
      'spdz',
      '--input',
      '0=1',
      '--input',
      '1=2',
    ]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--protocol spdz: expected auto, garbled, sharing, replicated/);
  });
});
