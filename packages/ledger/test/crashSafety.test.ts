/**
 * Crash safety, for real: a child process appends co-signed batches to a
 * SQLite ledger in a loop and prints each acknowledged sequence number after
 * the append returns; it is killed with SIGKILL at random moments, 24 times,
 * and restarted on the same database. Afterwards the ledger opens, verifies,
 * and holds every acknowledged entry. (The child runs the built dist; the
 * test builds it first.)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ledger, SqliteStore, verifyLedger } from '@parley/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsortium, seededRandom } from './helpers.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/appendLoop.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-ledger-crash-'));
const KILLS = 24;

beforeAll(() => {
  execFileSync('npx', ['tsc', '-b', 'packages/ledger'], { cwd: root, stdio: 'inherit' });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the appender until `afterMs` after it is ready, then SIGKILLs it; returns the acknowledged seqs. */
function runAndKill(db: string, afterMs: number): Promise<{ acked: number[]; startSize: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, db], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let startSize = -1;
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, n] = line.split(' ');
        if (word === 'ack') acked.push(Number(n));
        if (word === 'ready') {
          startSize = Number(n);
          setTimeout(() => child.kill('SIGKILL'), afterMs);
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`appender exited with ${code}: ${stderr}`));
      else resolve({ acked, startSize });
    });
  });
}

describe('crash safety', () => {
  it(`every acknowledged append survives ${KILLS} SIGKILLs at random moments, and the ledger verifies`, async () => {
    const seed = Number(process.env.PARLEY_TEST_SEED ?? Date.now() % 1_000_000);
    console.log(`crash-safety seed ${seed} (set PARLEY_TEST_SEED to replay)`);
    const random = seededRandom(seed);
    const db = join(dir, 'crash.db');
    const acked = new Set<number>();
    let sizeBefore = 0;
    for (let i = 0; i < KILLS; i++) {
      const run = await runAndKill(db, Math.floor(20 + random() * 180));
      // A restart sees at least everything acknowledged before.
      expect(run.startSize).toBeGreaterThanOrEqual(sizeBefore);
      for (const s of run.acked) acked.add(s);
      sizeBefore = acked.size === 0 ? 0 : Math.max(...acked) + 1;
    }
    expect(acked.size).toBeGreaterThan(KILLS);

    const { consortium } = makeConsortium(3);
    const store = SqliteStore.open(db, { readonly: true });
    const report = await verifyLedger(store, consortium);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const ledger = await Ledger.open(store, consortium);
    const max = Math.max(...acked);
    expect(ledger.size).toBeGreaterThan(max);
    for (const seq of acked) expect((await ledger.entry(seq)).jobId).toBe(`job-${seq}`);
    await ledger.close();
  }, 180_000);
});
