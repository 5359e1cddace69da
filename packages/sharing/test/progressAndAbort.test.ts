/** A session reports the program's IR nodes evaluated, round by round, ending at their number; `abort` ends every party. */
import {
  CircuitBuilder,
  type Column,
  encodeInputs,
  evaluateProgram,
  int,
  type PlainInputs,
  type Program,
} from '@parley/circuit';
import { hasCode, JobCancelled, type ParleyError } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { type SharingOptions, type SharingProgress, SharingSession, Tag } from '../src/index.js';

const values = (c: Column | undefined) => (c ? Array.from({ length: c.length }, (_, i) => c[i]) : undefined);

/** A program of several layers: products, a comparison, a reduction and a selection. */
function program(): Program {
  const b = new CircuitBuilder(['p0', 'p1', 'p2']);
  const x = b.input('p0', 'x', int(32), 8);
  const y = b.input('p1', 'y', int(32), 8);
  const z = b.input('p2', 'z', int(32), 8);
  const xy = x.mul(y);
  b.output('sum', xy.add(z).sum(), ['p0', 'p1', 'p2']);
  b.output('max', x.max(z), ['p1']);
  b.output('above', xy.gt(z).cast(int(32)).sum(), ['p2']);
  return b.build();
}

const inputs: PlainInputs = {
  p0: { x: [1, -2, 3, 4, 50, 6, 7, -8] },
  p1: { y: [8, 7, -6, 5, 4, 3, 2, 1] },
  p2: { z: [0, 10, -20, 30, 40, -50, 60, 70] },
};

/** Every party in memory with its own progress log; `onSend` sees each message a party sends. */
function run(p: Program, options: SharingOptions, onSend?: (from: string, bytes: Uint8Array) => void) {
  const sessions = new Map<string, SharingSession>();
  const progress: Record<string, SharingProgress[]> = {};
  for (const party of p.parties) {
    progress[party] = [];
    const s = new SharingSession(
      p,
      party,
      inputs[party] ?? {},
      (to, bytes) => {
        onSend?.(party, bytes);
        const copy = bytes.slice();
        setImmediate(() => sessions.get(to)?.handleMessage(party, copy));
      },
      { ...options, timeoutMs: 5000, onProgress: (x) => progress[party].push(x) },
    );
    sessions.set(party, s);
  }
  const results = Promise.all([...sessions.values()].map((s) => s.output().catch((e: ParleyError) => e)));
  return { sessions, progress, results };
}

describe('sharing session progress', () => {
  for (const protocol of ['sharing', 'replicated'] as const) {
    it(`IR nodes evaluated of all, monotone, ending at the total, ${protocol}`, async () => {
      const p = program();
      const r = run(p, { protocol });
      const results = await r.results;
      const want = evaluateProgram(p, encodeInputs(p, inputs));
      const [o0, o1, o2] = results as Array<Record<string, Column>>;
      expect(values(o0.sum)).toEqual(values(want.sum));
      expect(values(o1.max)).toEqual(values(want.max));
      expect(values(o2.above)).toEqual(values(want.above));
      const rounds = r.sessions.get('p0')!.stats().rounds;
      for (const party of p.parties) {
        const log = r.progress[party];
        for (const [i, x] of log.entries()) {
          expect(x.unit).toBe('operations');
          expect(x.total).toBe(p.nodes.length);
          if (i > 0) expect(x.done).toBeGreaterThan(log[i - 1].done);
        }
        expect(log.at(-1)?.done).toBe(p.nodes.length);
        expect(log.filter((x) => x.done === x.total)).toHaveLength(1);
        // Several reports along the way, at most one per online round.
        expect(log.length).toBeGreaterThan(2);
        expect(log.length).toBeLessThanOrEqual(rounds + 1);
      }
    });
  }
});

describe('sharing session abort', () => {
  for (const protocol of ['sharing', 'replicated'] as const) {
    it(`aborting one party mid-job ends every party with its error, ${protocol}`, async () => {
      let rounds = 0;
      const r = run(program(), { protocol }, (from, bytes) => {
        if (from === 'p1' && bytes[0] === Tag.ROUND && ++rounds === 3)
          r.sessions.get('p1')!.abort(new JobCancelled('cancelled by the operator'));
      });
      const results = await r.results;
      for (const e of results) {
        expect(hasCode(e, 'CANCELLED'), String(e)).toBe(true);
        expect((e as ParleyError).message).toBe('cancelled by the operator');
      }
    });
  }
});
