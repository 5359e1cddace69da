import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../src/index.js';
import { transportContract } from './contract.js';
import { bytesOf, memoryCluster, rejectionOf, textOf } from './helpers.js';

transportContract('in-memory', memoryCluster());
transportContract('in-memory, shaped 2 ms RTT / 1 Gbit/s', memoryCluster({ rttMs: 2, bitsPerSecond: 1e9 }));

describe('MemoryNetwork', () => {
  it('delays each message by at least half the RTT plus its serialisation time', async () => {
    const net = new MemoryNetwork(['alice', 'bob'], { shaping: { rttMs: 40, bitsPerSecond: 8e6 } });
    const [a, b] = await Promise.all([
      net.endpoint('alice').openSession('wan', ['alice', 'bob']),
      net.endpoint('bob').openSession('wan', ['alice', 'bob']),
    ]);
    const t0 = performance.now();
    await a.send('bob', new Uint8Array(10_000)); // 10 ms at 1 MB/s
    await b.recv('alice');
    const oneWay = performance.now() - t0;
    b.onMessage((_from, bytes) => void b.send('alice', bytes));
    const t1 = performance.now();
    await a.send('bob', bytesOf('ping'));
    expect(textOf(await a.recv('bob'))).toBe('ping');
    const rtt = performance.now() - t1;
    expect(oneWay).toBeGreaterThanOrEqual(29);
    expect(rtt).toBeGreaterThanOrEqual(39);
    await net.close();
  });

  it('disconnect() ends the sessions that used the link with PeerDisconnected on both ends', async () => {
    const names = ['alice', 'bob', 'carol'];
    const net = new MemoryNetwork(names);
    const [a, b, c] = await Promise.all(names.map((n) => net.endpoint(n).openSession('cut', names)));
    const other = await Promise.all(
      ['alice', 'carol'].map((n) => net.endpoint(n).openSession('other', ['alice', 'carol'])),
    );
    const pending = a.recv('bob');
    net.disconnect('alice', 'bob');
    const e = await rejectionOf(pending);
    expect(e.code).toBe('PEER_DISCONNECTED');
    expect(e.details?.party).toBe('bob');
    expect((await b.ended)?.code).toBe('PEER_DISCONNECTED');
    expect((await c.ended)?.code).toBe('PEER_DISCONNECTED');
    await other[0].send('carol', bytesOf('still here'));
    expect(textOf(await other[1].recv('alice'))).toBe('still here');
    expect((await rejectionOf(net.endpoint('alice').openSession('again', ['alice', 'bob']))).code).toBe(
      'PEER_DISCONNECTED',
    );
    await net.close();
  });

  it('opening a session whose held frames from a party were lost with the link fails at once with PeerDisconnected', async () => {
    const names = ['alice', 'bob'];
    const net = new MemoryNetwork(names);
    const a = await net.endpoint('alice').openSession('early', names);
    await a.send('bob', bytesOf('held at bob'));
    await a.flush();
    net.disconnect('alice', 'bob');
    const e = await rejectionOf(net.endpoint('bob').openSession('early', names));
    expect(e.code).toBe('PEER_DISCONNECTED');
    expect(e.details).toMatchObject({ session: 'early', party: 'alice' });
    await net.close();
  });
});
