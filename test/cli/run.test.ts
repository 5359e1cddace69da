/** `parley circuit run`: secure two-party runs as a user starts them (a real process). */
import { describe, expect, it } from 'vitest';
import { BRISTOL, parley } from '../helpers.js';

const KEY = '0=0x000102030405060708090a0b0c0d0e0f';
const PT = '1=0x00112233445566778899aabbccddeeff';
const CT = '0=0x69c4e0d86a7b0430d8cdb78070b4c55a';

describe('parley circuit run --protocol garbled', () => {
  it('AES-128 in memory and over mutual-TLS WebSocket gives the FIPS-197 ciphertext, then the figures', async () => {
    for (const transport of ['memory', 'ws']) {
      const r = await parley([
        'circuit',
        'run',
        `${BRISTOL}/aes_128.txt`,
        '--protocol',
        'garbled',
        '--transport',
        transport,
        '--input',
        KEY,
        '--input',
        PT,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(CT);
      expect(r.stdout).toMatch(/^AND gates\s+6,400$/m);
      expect(r.stdout).toMatch(/^bytes\s+[\d,]+ sent$/m);
      expect(r.stdout).toMatch(new RegExp(`transport ${transport}`));
    }
  });

  it('--owner gives the key to the second party; --json', async () => {
    const r = await parley([
      'circuit',
      'run',
      `${BRISTOL}/aes_128.txt`,
      '--owner',
      '0=1',
      '--owner',
      '1=0',
      '--input',
      KEY,
      '--input',
      PT,
      '--json',
    ]);
    const out = JSON.parse(r.stdout);
    expect(out.outputs['0']).toBe('0x69c4e0d86a7b0430d8cdb78070b4c55a');
    expect(out.andGates).toBe(6400);
    expect(out.bytesSent).toBeGreaterThan(6400 * 32);
  });

  it('mult64 and zero_equal', async () => {
    const m = await parley([
      'circuit',
      'run',
      `${BRISTOL}/mult64.txt`,
      '--input',
      '0=0xfedcba9876543210',
      '--input',
      '1=0x0123456789abcdef',
    ]);
    expect(m.stdout.split('\n')[0]).toBe('0=2465395958572223728');
    const z = await parley(['circuit', 'run', `${BRISTOL}/zero_equal.txt`, '--input', '0=0']);
    expect(z.stdout.split('\n')[0]).toBe('0=1');
  });

  it('refuses an unknown transport and an unknown owner', async () => {
    const t = await parley([
      'circuit',
      'run',
      `${BRISTOL}/adder64.txt`,
      '--transport',
      'carrier-pigeon',
      '--input',
      '0=1',
      '--input',
      '1=2',
    ]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--transport carrier-pigeon: expected memory or ws/);
    const o = await parley([
      'circuit',
      'run',
      `${BRISTOL}/adder64.txt`,
      '--owner',
      '0=mallory',
      '--input',
      '0=1',
      '--input',
      '1=2',
    ]);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/--owner 0=mallory: unknown party/);
  });
});
