/**
 * `parley demo`: three real node processes compute the fraud score, record it
 * on the ledger and stop; the receipt verifies offline and no process is left.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parley, processesNaming, type RunResult, temporaryDirectory } from '../helpers.js';

const root = temporaryDirectory('parley-demo-');
let dir: string;
let run: RunResult;

beforeAll(async () => {
  dir = join(root(), 'demo');
  run = await parley(['demo', '--dir', dir, '--accounts', '200'], { timeoutMs: 90_000 });
}, 120_000);

describe('parley demo', () => {
  it('computes the fraud score over the privately joined tables on three nodes, equal to plaintext, and the receipt verifies', () => {
    expect(run.code, run.stderr).toBe(0);
    for (const bank of ['bankA', 'bankB', 'bankC']) {
      expect(run.stdout).toMatch(new RegExp(`${bank} +flagged customers: [1-9]\\d*`));
      expect(existsSync(join(dir, bank, 'node.json'))).toBe(true);
    }
    expect(run.stdout).toMatch(/customers at two or more banks: \d+; flagged: [1-9]\d*/);
    expect(run.stdout).toContain("equal to the plaintext reference's outputs");
    expect(run.stdout).toMatch(
      /receipt +ledger entry 0 of 1, outcome succeeded, head signed by bankA, bankB, bankC/,
    );
    expect(run.stdout).toContain('VALID: the receipt verifies offline');
    expect(processesNaming(dir)).toEqual([]);
  });

  it('leaves ledgers that verify, and a receipt the offline verifier checks (and refuses once edited)', async () => {
    for (const bank of ['bankA', 'bankB', 'bankC']) {
      const v = await parley(['ledger', 'verify', '--node', join(dir, bank)]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
    const receipt = join(dir, 'receipt.json');
    const ok = await parley([
      'ledger',
      'verify-receipt',
      receipt,
      '--consortium',
      join(dir, 'consortium.json'),
    ]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const text = await readFile(receipt, 'utf8');
    const hash = text.match(/[0-9a-f]{64}/)![0];
    const edited = join(root(), 'edited.json');
    await writeFile(edited, text.replace(hash, (hash[0] === '0' ? '1' : '0') + hash.slice(1)));
    const bad = await parley([
      'ledger',
      'verify-receipt',
      edited,
      '--consortium',
      join(dir, 'consortium.json'),
    ]);
    expect(bad.code).not.toBe(0);
  });

  it('refuses a directory it did not make, touching nothing in it', async () => {
    await writeFile(join(root(), 'keep.txt'), 'x');
    const refused = await parley(['demo', '--dir', root(), '--accounts', '10']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not empty and was not made by parley demo/);
    expect(await readFile(join(root(), 'keep.txt'), 'utf8')).toBe('x');
  });
});
