/**
 * The private join in its worker thread (joinInWorker): joins over the
 * in-memory network give every party the same rows, and the worker keeps to
 * the transport's pace: a peer that does not read stops the join's sends
 * instead of piling them up in the node. Needs `npm run build` (the worker
 * runs the built joinWorker.js).
 */
import type { Session } from '@parley/transport';
import { MemoryNetwork } from '@parley/transport';
import { describe, expect, it } from 'vitest';
import { joinInWorker } from '../src/jobs/privateJoin.js';

const keyOf = (i: number) => new TextEncoder().encode(`customer-${i}`);

describe('joinInWorker', () => {
  it('gives every party the same joined rows, through a small send budget', async () => {
    const parties = ['a', 'b', 'c'];
    // Party j holds keys j*300 … j*300+999: keys 600…999 are held by all three.
    const keysOf = (j: number) => Array.from({ length: 1000 }, (_, i) => keyOf(j * 300 + i));
    const net = new MemoryNetwork(parties, { limits: { receiveHighWaterMark: 64 * 1024 } });
    const sessions = await Promise.all(parties.map((p) => net.endpoint(p).openSession('join-1', parties)));
    try {
      const results = await Promise.all(
        parties.map((self, j) =>
          joinInWorker(sessions[j], {
            self,
            parties,
            keys: keysOf(j),
            context: 'join-1',
            minParties: 3,
            timeoutMs: 10_000,
            // Two 4,096-point messages: the join waits on the transport all the time.
            maxUnsentBytes: 64 * 1024,
          }),
        ),
      );
      for (const [j, r] of results.entries()) {
        expect(r.rows).toBe(400);
        const mine = Array.from(r.ownRows, (row) => j * 300 + row).sort((x, y) => x - y);
        expect(mine).toEqual(Array.from({ length: 400 }, (_, i) => 600 + i));
        expect(r.sizes).toEqual({ a: 1000, b: 1000, c: 1000 });
      }
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      await net.close();
    }
  }, 30_000);

  it('stops sending while the transport has not taken what it sent (a peer that does not read)', async () => {
    const sent: number[] = [];
    // A session whose peer never reads: the transport never takes a second message.
    const session = {
      send: (_to: string, bytes: Uint8Array) => {
        sent.push(bytes.byteLength);
        return new Promise<void>(() => {});
      },
      onMessage: () => {},
      consumed: () => {},
      ended: new Promise(() => {}),
    } as unknown as Session;
    const keys = Array.from({ length: 20_000 }, (_, i) => keyOf(i));
    let done = 0;
    const stop = new AbortController();
    const join = joinInWorker(
      session,
      {
        self: 'a',
        parties: ['a', 'b'],
        keys,
        context: 'join-2',
        minParties: 2,
        timeoutMs: 0,
        maxUnsentBytes: 256 * 1024,
      },
      { signal: stop.signal, onProgress: (d) => (done = d) },
    );
    join.catch(() => {});
    // The worker does 20,000 scalar multiplications (well under a second here) if nothing holds it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    stop.abort(new Error('test over'));
    await expect(join).rejects.toThrow('test over');
    // One 4,096-point message handed to the transport, and at most the budget (plus one message) posted.
    expect(sent.length).toBe(1);
    expect(sent[0]).toBeGreaterThanOrEqual(4096 * 32);
    expect(done).toBeLessThanOrEqual(3 * 4096);
  }, 15_000);
});
