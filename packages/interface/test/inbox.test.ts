/** PeerInbox: messages in order per sender, a typed error for strangers and silence, and what it tells onConsumed. */
import { describe, expect, it } from 'vitest';
import { hasCode, PeerInbox } from '../src/index.js';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('PeerInbox', () => {
  it('hands out messages in order per sender, and tells onConsumed their wire size when the protocol takes them', async () => {
    const taken: Array<[string, number]> = [];
    const inbox = new PeerInbox(['a', 'b'], 0, (from, n) => taken.push([from, n]));
    // Queued first: nothing is taken until recv.
    inbox.deliver('a', bytes(10, 1));
    inbox.deliver('a', bytes(5, 2), 6); // the engine stripped a one-byte header
    inbox.deliver('b', bytes(3, 3));
    expect(taken).toEqual([]);
    expect(Array.from(await inbox.recv('a'))).toEqual(Array.from(bytes(10, 1)));
    expect(taken).toEqual([['a', 10]]);
    expect(Array.from(await inbox.recv('a'))).toEqual(Array.from(bytes(5, 2)));
    expect(await inbox.recv('b')).toHaveLength(3);
    expect(taken).toEqual([
      ['a', 10],
      ['a', 6],
      ['b', 3],
    ]);
    // A receive waiting already takes the message as it is delivered.
    const waiting = inbox.recv('b');
    inbox.deliver('b', bytes(7));
    expect(await waiting).toHaveLength(7);
    expect(taken.at(-1)).toEqual(['b', 7]);
  });

  it('refuses a stranger, times out on silence, and takes nothing once failed', async () => {
    const taken: number[] = [];
    const inbox = new PeerInbox(['a'], 50, (_, n) => taken.push(n));
    const e = await inbox.recv('a').then(
      () => expect.fail('a message came from nowhere'),
      (err: unknown) => err,
    );
    expect(hasCode(e, 'TIMEOUT')).toBe(true);
    inbox.deliver('a', bytes(4));
    await expect(inbox.recv('a')).rejects.toBe(e);
    expect(taken).toEqual([]);

    const other = new PeerInbox(['a']);
    other.deliver('mallory', bytes(1));
    expect(hasCode(other.failed, 'PROTOCOL_VIOLATION')).toBe(true);
    expect(other.failed?.message).toMatch(/'mallory', who is not a party/);
  });
});
