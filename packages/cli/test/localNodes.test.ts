/**
 * The plumbing the examples and `parley demo` share, without starting nodes
 * (the end-to-end tests in test/examples and test/cli/demo.test.ts start
 * them): where onLocalNodes puts the node directories and what it leaves,
 * however the run ends; the set-up's refusal of a non-empty directory; and
 * how the party-node options combine.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InvalidArgument } from '@parley/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPartyNodeFlags, UsageError } from '../src/demo/exampleCommandLine.js';
import { onLocalNodes } from '../src/demo/localNodes.js';
import { refuseNonEmptyDirectory } from '../src/demo/partyNodeSetup.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parley-cli-local-nodes-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The progress lines a run printed. */
function recorder(): { lines: string[]; say: (label: string, text: string) => void } {
  const lines: string[] = [];
  return { lines, say: (label, text) => lines.push(`${label}|${text}`) };
}

describe('onLocalNodes', () => {
  it('runs in a fresh temporary directory named after the program and removes it, also when the run throws', async () => {
    const { lines, say } = recorder();
    const dir = await onLocalNodes({ name: 'test-example', say }, async (nodes) => {
      expect(basename(nodes.dir)).toMatch(/^parley-test-example-/);
      expect(nodes.kept).toBe(false);
      await writeFile(join(nodes.dir, 'data.csv'), 'x\n');
      return nodes.dir;
    });
    expect(existsSync(dir)).toBe(false);
    // No node was started: nothing to say about stopping them.
    expect(lines).toEqual([]);

    let thrownIn = '';
    await expect(
      onLocalNodes({ name: 'test-example', say }, async (nodes) => {
        thrownIn = nodes.dir;
        throw new Error('the job failed');
      }),
    ).rejects.toThrow('the job failed');
    expect(thrownIn).not.toBe('');
    expect(existsSync(thrownIn)).toBe(false);
  });

  it('keeps the temporary directory with keep, and a directory given', async () => {
    const { say } = recorder();
    const kept = await onLocalNodes({ name: 'test-example', keep: true, say }, async (nodes) => {
      expect(nodes.kept).toBe(true);
      return nodes.dir;
    });
    expect(existsSync(kept)).toBe(true);
    await rm(kept, { recursive: true, force: true });

    const given = join(root, 'given');
    await mkdir(given);
    const dir = await onLocalNodes({ name: 'test-example', dir: given, say }, async (nodes) => {
      expect(nodes.kept).toBe(true);
      return nodes.dir;
    });
    expect(dir).toBe(given);
    expect(existsSync(given)).toBe(true);
  });

  it('stops listening for SIGINT and SIGTERM once the run is over', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    await onLocalNodes({ name: 'test-example', say: () => {} }, async () => {
      expect(process.listenerCount('SIGINT')).toBe(before[0] + 1);
      expect(process.listenerCount('SIGTERM')).toBe(before[1] + 1);
    });
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});

describe('refuseNonEmptyDirectory', () => {
  it('accepts a missing or empty directory and refuses one with anything in it, naming --dir', async () => {
    await refuseNonEmptyDirectory(join(root, 'missing'), 'choose another');
    const dir = join(root, 'set-up');
    await mkdir(dir);
    await refuseNonEmptyDirectory(dir, 'choose another');
    await writeFile(join(dir, 'keep.txt'), 'x');
    const refused = refuseNonEmptyDirectory(dir, 'choose another');
    await expect(refused).rejects.toThrow(InvalidArgument);
    await expect(refused).rejects.toThrow(`--dir ${dir} is not empty: choose another`);
  });
});

describe('checkPartyNodeFlags', () => {
  it('wants --dir with --setup-only, and nothing of a set-up with --node', () => {
    expect(() => checkPartyNodeFlags({})).not.toThrow();
    expect(() => checkPartyNodeFlags({ dir: 'd', 'setup-only': true })).not.toThrow();
    expect(() => checkPartyNodeFlags({ 'setup-only': true })).toThrow(UsageError);
    for (const other of [{ dir: 'd' }, { keep: true }, { dir: 'd', 'setup-only': true }]) {
      expect(() => checkPartyNodeFlags({ node: ['n'], ...other })).toThrow(/--node runs on existing nodes/);
    }
  });
});
