import { describe, expect, it } from 'vitest';
import { parseConsortium, WsEndpoint } from '../src/index.js';
import { transportContract } from './contract.js';
import { bytesOf, delay, identityOf, rejectionOf, textOf, wsCluster, wsClusterFactory } from './helpers.js';

transportContract('WebSocket over mutual TLS 1.3 on 127.0.0.1', wsClusterFactory);

describe('WsEndpoint.close', () => {
  it('leaves no sockets, servers or timers behind', async () => {
    const count = (): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
      return out;
    };
    const before = count();
    const c = await wsCluster(['alice', 'bob', 'carol'], { peerTimeoutMs: 1000 });
    const sessions = await Promise.all(
      ['alice', 'bob', 'carol'].map((n) => c.endpoint(n).openSession('h', ['alice', 'bob', 'carol'])),
    );
    const pending = sessions[0].recv('bob', { timeoutMs: 60_000 });
    await sessions[1].send('carol', bytesOf('x'));
    await c.close();
    expect((await rejectionOf(pending)).code).toBe('SESSION_CLOSED');
    await delay(20);
    const after = count();
    for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate']) {
      expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
    }
  });
});

describe('WsEndpoint connections', () => {
  // The backoff schedule itself: redialer.test.ts.
  it('retries with backoff until a late peer joins, then opens the session', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map(identityOf));
    const eps = await Promise.all(
      [alice, bob].map((identity) =>
        WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0, retry: { maxDelayMs: 100 } }),
      ),
    );
    try {
      const consortium = parseConsortium({
        parties: [alice, bob].map((id, i) => ({
          name: id.name,
          publicKey: id.publicKeyHex,
          address: eps[i].address,
        })),
      });
      const events: string[] = [];
      eps[0].onEvent((ev) => events.push(ev.type));
      eps[0].join(consortium);
      const opening = eps[0].openSession('late', ['alice', 'bob']);
      await delay(300);
      // Bob is not in the consortium yet: alice has no link, and keeps dialling.
      expect(events).toEqual([]);
      eps[1].join(consortium);
      const [a, b] = await Promise.all([opening, eps[1].openSession('late', ['alice', 'bob'])]);
      await a.send('bob', bytesOf('made it'));
      expect(textOf(await b.recv('alice'))).toBe('made it');
      // One link came up, and none went down on the way.
      expect(events).toEqual(['link-up']);
    } finally {
      await Promise.all(eps.map((e) => e.close()));
    }
  });

  it('gives up on an unreachable peer after connectTimeoutMs with PeerDisconnected', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map(identityOf));
    const ep = await WsEndpoint.listen({
      identity: alice,
      host: '127.0.0.1',
      port: 0,
      limits: { connectTimeoutMs: 300 },
    });
    try {
      const closed = await WsEndpoint.listen({ identity: bob, host: '127.0.0.1', port: 0 });
      const deadAddress = closed.address;
      await closed.close();
      ep.join(
        parseConsortium({
          parties: [
            { name: 'alice', publicKey: alice.publicKeyHex, address: ep.address },
            { name: 'bob', publicKey: bob.publicKeyHex, address: deadAddress },
          ],
        }),
      );
      const e = await rejectionOf(ep.openSession('x', ['alice', 'bob']));
      expect(e.code).toBe('PEER_DISCONNECTED');
      expect(String((e as Error).message)).toMatch(/could not connect to 'bob'.*within 300 ms.*ECONNREFUSED/);
    } finally {
      await ep.close();
    }
  });

  it('a restarted peer reconnects: old sessions ended, new ones work', async () => {
    const c = await wsCluster(['alice', 'bob']);
    const bob = await identityOf('bob');
    const [a1] = await Promise.all(
      ['alice', 'bob'].map((n) => c.endpoint(n).openSession('before', ['alice', 'bob'])),
    );
    const port = Number(c.endpoints[1].address.split(':')[1]);
    await c.endpoints[1].close();
    expect(['SESSION_CLOSED', 'PEER_DISCONNECTED']).toContain((await a1.ended)?.code);
    const bob2 = await WsEndpoint.listen({ identity: bob, host: '127.0.0.1', port });
    try {
      bob2.join(c.consortium);
      const [a2, b2] = await Promise.all([
        c.endpoint('alice').openSession('after', ['alice', 'bob']),
        bob2.openSession('after', ['alice', 'bob']),
      ]);
      await b2.send('alice', bytesOf('back again'));
      expect(textOf(await a2.recv('bob'))).toBe('back again');
    } finally {
      await bob2.close();
      await c.close();
    }
  });
});
