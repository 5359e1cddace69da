/**
 * Writing to a peer over TLS: a member that pings but reads nothing is cut
 * off once no write completes for peerTimeoutMs, and whatever waited for the
 * link settles; `flush` waits for its own session's frames only; frames
 * larger than a write fragment arrive whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type EndpointEvent, parseConsortium, WsEndpoint } from '../src/index.js';
import { WRITE_FRAGMENT_BYTES } from '../src/wsLink.js';
import {
  bytesOf,
  eventually,
  identityOf,
  patterned,
  rogueConnect,
  type Settlement,
  textOf,
  track,
  wsCluster,
} from './helpers.js';

const KiB = 1024;

describe('writing over TLS', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('cuts off a member that pings but reads nothing, and settles what waited for the link', async () => {
    const [aaron, bobId] = await Promise.all(['aaron', 'bob'].map(identityOf));
    const peerTimeoutMs = 600;
    const bob = await WsEndpoint.listen({
      identity: bobId,
      host: '127.0.0.1',
      port: 0,
      limits: { peerTimeoutMs, writeStallMs: peerTimeoutMs, sendHighWaterMark: 256 * KiB },
    });
    cleanup.push(() => bob.close());
    bob.join(
      parseConsortium({
        parties: [
          { name: 'aaron', publicKey: aaron.publicKeyHex, address: '127.0.0.1:9' },
          { name: 'bob', publicKey: bobId.publicKeyHex, address: bob.address },
        ],
      }),
    );
    const down: EndpointEvent[] = [];
    bob.onEvent((ev) => ev.type === 'link-down' && down.push(ev));
    const rogue = await rogueConnect(bob, 'bob');
    const pinger = setInterval(() => rogue.ws.ping(), 100);
    cleanup.push(() => {
      clearInterval(pinger);
      rogue.ws.terminate();
    });
    rogue.setReading(false);
    const [s1, s2] = await Promise.all([
      bob.openSession('s1', ['aaron', 'bob']),
      bob.openSession('s2', ['aaron', 'bob']),
    ]);
    let blocked: Settlement<void> | undefined;
    for (let i = 0; i < 1000 && !blocked && s1.isOpen; i++) {
      const sent = track(s1.send('aaron', new Uint8Array(256 * KiB)));
      if (!(await eventually(() => sent.state !== 'pending', 200))) blocked = sent;
    }
    expect(blocked).toBeDefined();
    const flushing = track(s1.flush());
    const closing = track(s2.close()); // its CLOSE frame waits behind s1's bytes
    // aaron's pings keep it alive as a sender, but no write completes: cut after about peerTimeoutMs.
    expect(await eventually(() => down.length > 0, 4 * peerTimeoutMs)).toBe(true);
    expect(down[0]).toMatchObject({ type: 'link-down', peer: 'aaron' });
    expect((down[0] as { error: Error }).error.message).toMatch(/'aaron' read nothing for 600 ms/);
    expect(await eventually(() => flushing.state !== 'pending' && closing.state !== 'pending', 1_000)).toBe(
      true,
    );
    expect(blocked?.state).toBe('rejected');
    expect(blocked?.error?.code).toBe('PEER_DISCONNECTED');
    expect(flushing.error?.code).toBe('PEER_DISCONNECTED');
    expect(closing.state).toBe('resolved');
    expect((await s1.ended)?.code).toBe('PEER_DISCONNECTED');
  });

  it('flush waits for its own session’s frames, not for another session streaming on the same link', async () => {
    const c = await wsCluster(['alice', 'bob']);
    cleanup.push(() => c.close());
    const open = (id: string) =>
      Promise.all(['alice', 'bob'].map((n) => c.endpoint(n).openSession(id, ['alice', 'bob'])));
    const [[bulkA, bulkB], [smallA, smallB]] = await Promise.all([open('bulk'), open('small')]);
    let streaming = true;
    const reader = (async () => {
      while (streaming) await bulkB.recv('alice', { timeoutMs: 0 });
    })().catch(() => {});
    const writer = (async () => {
      const chunk = new Uint8Array(256 * KiB);
      for (const end = performance.now() + 3_000; streaming && performance.now() < end; ) {
        await bulkA.send('bob', chunk);
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await smallA.send('bob', bytesOf('one byte, nearly'));
    expect(textOf(await smallB.recv('alice'))).toBe('one byte, nearly');
    const flushed = track(smallA.flush());
    const inTime = await eventually(() => flushed.state !== 'pending', 1_000);
    const stillStreaming = streaming && performance.now();
    streaming = false;
    await writer;
    await bulkA.close();
    await reader;
    expect(inTime).toBe(true);
    expect(stillStreaming).toBeTruthy();
    expect(flushed.state).toBe('resolved');
  });

  it('a frame larger than two write fragments arrives whole and in order', async () => {
    const c = await wsCluster(['alice', 'bob']);
    cleanup.push(() => c.close());
    const [a, b] = await Promise.all(
      ['alice', 'bob'].map((n) => c.endpoint(n).openSession('big', ['alice', 'bob'])),
    );
    const big = patterned('big', 2 * WRITE_FRAGMENT_BYTES + 12_345);
    await a.send('bob', big);
    await a.send('bob', bytesOf('after'));
    await a.flush();
    expect(Buffer.from(await b.recv('alice')).equals(Buffer.from(big))).toBe(true);
    expect(textOf(await b.recv('alice'))).toBe('after');
  });
});
