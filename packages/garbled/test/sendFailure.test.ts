/**
 * A `send` that fails (rejects or throws: a transport that went down) ends
 * the session with its error on that party and, through the abort frame, on
 * the peer: no unhandled rejection, no waiting for a timeout. Every kind of
 * message goes through the same path (GarbledSession.transmit).
 */
import { CircuitBuilder, int, type Program } from '@parley/circuit';
import { PeerDisconnected } from '@parley/interface';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GarbledSession, garbledJob, Tag } from '../src/index.js';

function program(): Program {
  const b = new CircuitBuilder(['g', 'e']);
  const x = b.input('g', 'x', int(8), 4);
  const y = b.input('e', 'y', int(8), 4);
  b.output('lt', x.lt(y));
  b.output('sum', x.add(y), ['g']);
  return b.build();
}

const inputs: Record<string, Record<string, number[]>> = { g: { x: [1, 2, 3, 4] }, e: { y: [4, 3, 2, 1] } };

/** Runs both parties in memory (no receive timeout); `who`'s sends of message kind `tag` fail as `how` says. */
async function run(who: string, tag: number, how: 'reject' | 'throw') {
  const p = program();
  const sessions = new Map<string, GarbledSession>();
  for (const party of p.parties) {
    const send = (to: string, bytes: Uint8Array): Promise<void> | undefined => {
      if (party === who && bytes[0] === tag) {
        const error = new PeerDisconnected(`lost the link to ${to}`, { party: to });
        if (how === 'throw') throw error;
        return Promise.reject(error);
      }
      setImmediate(() => sessions.get(to)?.handleMessage(party, bytes));
      return undefined;
    };
    sessions.set(party, GarbledSession.forJob(garbledJob(p, party, inputs[party]), party, send));
  }
  const t0 = performance.now();
  const results = await Promise.all(
    [...sessions.values()].map((s) =>
      s.output().then(
        () => 'ok',
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      ),
    ),
  );
  return { results, ms: performance.now() - t0 };
}

describe('a failed send ends the session on both parties', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  const cases: Array<[string, string, number]> = [
    ['HELLO', 'g', Tag.HELLO],
    ['OT', 'e', Tag.OT],
    ['GARBLER_INPUTS', 'g', Tag.GARBLER_INPUTS],
    ['TABLES', 'g', Tag.TABLES],
    ['OUTPUT_CHECKS', 'g', Tag.OUTPUT_CHECKS],
    ['EVALUATOR_OUTPUTS', 'e', Tag.EVALUATOR_OUTPUTS],
  ];
  for (const [name, who, tag] of cases) {
    for (const how of ['reject', 'throw'] as const) {
      it(`${name} (${how}s)`, async () => {
        const { results, ms } = await run(who, tag, how);
        await new Promise((r) => setTimeout(r, 20));
        expect(unhandled, String(unhandled[0])).toEqual([]);
        const peer = who === 'g' ? 'e' : 'g';
        const want = `PEER_DISCONNECTED: lost the link to ${peer}`;
        expect(results).toEqual([want, want]);
        expect(ms).toBeLessThan(2_000);
      }, 10_000);
    }
  }
});
