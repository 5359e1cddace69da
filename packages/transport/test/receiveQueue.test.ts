import { SessionClosed } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { ReceiveQueue } from '../src/index.js';
import { bytesOf, rejectionOf, textOf } from './helpers.js';

describe('ReceiveQueue (handleMessage → await recv)', () => {
  it('delivers in order per sender, whether the message or the receive comes first', async () => {
    const q = new ReceiveQueue(['alice', 'bob']);
    const early = q.recv('bob');
    q.handleMessage('alice', bytesOf('a1'));
    q.handleMessage('bob', bytesOf('b1'));
    q.handleMessage('alice', bytesOf('a2'));
    expect(textOf(await early)).toBe('b1');
    expect(textOf(await q.recv('alice'))).toBe('a1');
    expect(textOf(await q.recv('alice'))).toBe('a2');
    expect(q.queuedBytes).toBe(0);
  });

  it('times out with Timeout naming the sender, and later messages still arrive', async () => {
    const q = new ReceiveQueue(['alice'], { timeoutMs: 20 });
    const e = await rejectionOf(q.recv('alice'));
    expect(e.code).toBe('TIMEOUT');
    expect(e.details?.party).toBe('alice');
    q.push('alice', bytesOf('late'));
    expect(textOf(await q.recv('alice', 0))).toBe('late');
  });

  it('close() rejects pending and later receives and drops queued messages', async () => {
    const dequeued: number[] = [];
    const q = new ReceiveQueue(['alice', 'bob'], { onDequeue: (_f, n) => dequeued.push(n) });
    const pending = q.recv('alice', 60_000);
    q.push('bob', bytesOf('xyz'));
    q.close(new SessionClosed('closed'));
    expect((await rejectionOf(pending)).code).toBe('SESSION_CLOSED');
    expect((await rejectionOf(q.recv('bob'))).code).toBe('SESSION_CLOSED');
    expect(dequeued).toEqual([3]);
    expect(q.queuedBytes).toBe(0);
  });

  it('end(sender) delivers what was queued, then rejects', async () => {
    const q = new ReceiveQueue(['alice']);
    q.push('alice', bytesOf('last'));
    q.end('alice', new SessionClosed('alice closed', { party: 'alice' }));
    expect(textOf(await q.recv('alice'))).toBe('last');
    expect((await rejectionOf(q.recv('alice'))).code).toBe('SESSION_CLOSED');
  });

  it('rejects an unknown sender', async () => {
    const q = new ReceiveQueue(['alice']);
    expect((await rejectionOf(q.recv('mallory'))).code).toBe('INVALID_ARGUMENT');
    expect(() => q.push('mallory', bytesOf('x'))).toThrow(/not a sender/);
  });
});
