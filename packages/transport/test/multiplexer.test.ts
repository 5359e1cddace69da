/**
 * The multiplexer's read-side back-pressure across a replaced link, with
 * stand-in links that record what the multiplexer asks of them.
 */
import { PeerDisconnected } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../src/limits.js';
import type { Link, LinkHost } from '../src/link.js';
import { RESOLVED } from '../src/link.js';
import { Multiplexer } from '../src/multiplexer.js';
import type { EndpointEvent } from '../src/types.js';

function standInLink(peer: string): Link & { reading: boolean[]; open: boolean } {
  return {
    peer,
    open: true,
    reading: [],
    write: () => RESOLVED,
    drained: () => RESOLVED,
    setReading(on: boolean) {
      this.reading.push(on);
    },
    nextControlSeq: () => 0,
  };
}

describe('Multiplexer back-pressure', () => {
  it('a replaced link’s end neither resumes nor forgets the pause of the peer’s newer link', () => {
    const limits = resolveLimits({ receiveHighWaterMark: 1000 });
    const first = standInLink('bob');
    let current: Link | undefined = first;
    const host: LinkHost = { currentLink: () => current, awaitLink: async () => first };
    const mux = new Multiplexer('alice', ['alice', 'bob'], limits, host);
    const events: EndpointEvent['type'][] = [];
    mux.onEvent((e) => events.push(e.type));
    mux.accountQueued('bob', 1500);
    expect(first.reading).toEqual([false]);
    // bob reconnects while its bytes still wait: the newer link starts paused.
    const second = standInLink('bob');
    current = second;
    mux.linkUp(second);
    expect(second.reading).toEqual([false]);
    // The replaced link closes: bob is still connected, and still over the mark.
    first.open = false;
    mux.linkDown(first, new PeerDisconnected('replaced by a new connection', { party: 'bob' }));
    expect(events).toEqual([]);
    // Once what waits is read, the newer link reads again.
    mux.accountQueued('bob', -1500);
    expect(second.reading).toEqual([false, true]);
    // The current link's end is a link-down.
    second.open = false;
    current = undefined;
    mux.linkDown(second, new PeerDisconnected('gone', { party: 'bob' }));
    expect(events).toEqual(['link-down']);
  });
});
