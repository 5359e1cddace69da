// The engines' V8 flags (@parley/node ENGINE_V8_FLAGS) are given wherever an engine process starts:
// the `parley` bin's shebang and `npm run bench`; and this Node accepts them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ENGINE_V8_FLAGS } from '@parley/node';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

describe('engine V8 flags', () => {
  it('are in the parley bin shebang', () => {
    const shebang = readFileSync(`${ROOT}packages/cli/bin/parley.js`, 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${ENGINE_V8_FLAGS.join(' ')}`);
  });

  it('are in the bench script', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.bench).toBe(`node ${ENGINE_V8_FLAGS.join(' ')} bench/dist/run.js`);
  });

  it('are accepted by this Node, and set in the process it starts', () => {
    const argv = execFileSync(
      process.execPath,
      [...ENGINE_V8_FLAGS, '-p', 'JSON.stringify(process.execArgv)'],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(argv)).toEqual([...ENGINE_V8_FLAGS, '-p', 'JSON.stringify(process.execArgv)']);
  });

  it('start the bin when it runs as a program (env -S splits the shebang)', () => {
    const out = execFileSync(`${ROOT}packages/cli/bin/parley.js`, ['help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: parley');
  });
});
