/** `parley init` and `parley consortium create` through the built CLI. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConsortium } from '@parley/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parley } from '../helpers.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parley-cli-setup-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('parley init / consortium create', () => {
  it('sets up three nodes and their consortium; refuses to overwrite either', async () => {
    for (const [i, bank] of ['bankA', 'bankB', 'bankC'].entries()) {
      const r = await parley(['init', '--name', bank, '--dir', join(root, bank), '--port', String(7810 + i)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`node ${bank} created`);
    }
    const pubs = ['bankA', 'bankB', 'bankC'].map((b) => join(root, b, `${b}.pub.json`));
    const out = join(root, 'consortium.json');
    const c = await parley(['consortium', 'create', ...pubs, '-o', out, '--name', 'pilot']);
    expect(c.code).toBe(0);
    const consortium = await loadConsortium(out);
    expect(consortium.parties.map((p) => [p.name, p.address])).toEqual([
      ['bankA', '127.0.0.1:7810'],
      ['bankB', '127.0.0.1:7811'],
      ['bankC', '127.0.0.1:7812'],
    ]);
    const again = await parley(['consortium', 'create', ...pubs, '-o', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const nowhere = join(root, 'no-such-dir', 'consortium.json');
    const missing = await parley(['consortium', 'create', ...pubs, '-o', nowhere]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `NOT_FOUND: cannot write consortium file ${nowhere}: its directory does not exist`,
    );
    expect(missing.stderr).not.toMatch(/ENOENT|\n\s+at /);
    const underFile = join(pubs[0], 'node');
    const notDir = await parley(['init', '--name', 'bankD', '--dir', underFile]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toContain(
      `CONFIG: --dir ${underFile} cannot be a node directory: a part of the path is a file`,
    );
    const reinit = await parley(['init', '--name', 'bankA', '--dir', join(root, 'bankA')]);
    expect(reinit.code).toBe(2);
    expect(reinit.stderr).toMatch(/CONFIG: .*already a node directory/);
    expect(JSON.parse(await readFile(pubs[0], 'utf8')).name).toBe('bankA');
  });
});
