/**
 * The multiplexer with stand-in links that record what it asks of them:
 * read-side back-pressure across a replaced link, and what it holds for
 * sessions not yet opened (per sender, capped, swept by one timer).
 */
import { PeerDisconnected } from '@parley/interface';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeAbortBody, type FrameHeader, FrameKind } from '../src/frame.js';
import { MAX_PENDING_IDS_PER_PEER } from '../src/heldFrames.js';
import { resolveLimits } from '../src/limits.js';
import type { Link, LinkHost } from '../src/link.js';
import { RESOLVED } from '../src/link.js';
import { Multiplexer } from '../src/multiplexer.js';
import type { EndpointEvent, TransportLimits } from '../src/types.js';
import { delay, eventually } from './helpers.js';

function standInLink(peer: string): Link & { reading: boolean[]; open: boolean } {
  return {
    peer,
    open: true,
    reading: [],
    outstanding: 0,
    queued: 0,
    write: () => RESOLVED,
    writtenTo: () => RESOLVED,
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

/** A stand-in link that records the ABORTs written to it: session id and code. */
function recordingLink(peer: string): Link & { aborts: Array<[string, string | undefined]> } {
  const aborts: Array<[string, string | undefined]> = [];
  return {
    peer,
    open: true,
    outstanding: 0,
    queued: 0,
    aborts,
    write(header: FrameHeader, body: Uint8Array) {
      if (header.kind === FrameKind.Abort) aborts.push([header.session, decodeAbortBody(body)?.code]);
      return RESOLVED;
    },
    writtenTo: () => RESOLVED,
    setReading() {},
    nextControlSeq: () => 0,
  };
}

const EMPTY = new Uint8Array(0);
const data = (session: string, seq = 0): FrameHeader => ({ kind: FrameKind.Data, session, step: 0, seq });

describe('Multiplexer: frames for sessions not yet opened', () => {
  const muxes: Multiplexer[] = [];
  afterEach(() => {
    for (const m of muxes.splice(0)) m.close();
    vi.restoreAllMocks();
  });

  function setup(limits: Partial<TransportLimits>) {
    const links = new Map(['alice', 'bob', 'carol'].map((p) => [p, recordingLink(p)]));
    const host: LinkHost = { currentLink: (p) => links.get(p), awaitLink: async (p) => links.get(p)! };
    const mux = new Multiplexer('alice', ['alice', 'bob', 'carol'], resolveLimits(limits), host);
    muxes.push(mux);
    return { mux, bob: links.get('bob')!, carol: links.get('carol')! };
  }

  it('holds at most 1,024 sessions per sender, and refuses the rest at once', () => {
    const { mux, carol } = setup({ unknownSessionGraceMs: 60_000, pendingSessionBytes: 64 * 1024 * 1024 });
    const n = 1_024 + 100;
    for (let i = 0; i < n; i++) mux.handleFrame(carol, data(`j${i}`), EMPTY);
    expect(carol.aborts).toHaveLength(100);
    expect(carol.aborts[0]).toEqual(['j1024', 'UNKNOWN_SESSION']);
    // Later frames for a refused session are refused too: none is held with a gap before it.
    mux.handleFrame(carol, data(`j${n - 1}`, 1), EMPTY);
    expect(carol.aborts).toHaveLength(101);
    expect(MAX_PENDING_IDS_PER_PEER).toBe(1_024);
  });

  it('charges each held session at least 1 KiB of pendingSessionBytes, however small its frames', () => {
    const { mux, carol } = setup({ unknownSessionGraceMs: 60_000, pendingSessionBytes: 64 * 1024 });
    for (let i = 0; i < 2_000; i++) mux.handleFrame(carol, data(`e${i}`), EMPTY);
    const held = 2_000 - carol.aborts.length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(64);
  });

  it('expires every held session with one timer', async () => {
    const { mux, carol } = setup({ unknownSessionGraceMs: 50 });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 500; i++) mux.handleFrame(carol, data(`t${i}`), EMPTY);
    expect(timers.mock.calls.length).toBeLessThanOrEqual(1);
    timers.mockRestore();
    expect(await eventually(() => carol.aborts.length === 500, 2_000)).toBe(true);
    expect(new Set(carol.aborts.map(([, code]) => code))).toEqual(new Set(['UNKNOWN_SESSION']));
  });

  it('a stranger’s held frames, expired or lost with its link, leave the session to its parties', async () => {
    const { mux, bob, carol } = setup({ unknownSessionGraceMs: 30 });
    mux.handleFrame(carol, data('victim'), EMPTY);
    await delay(80);
    expect(carol.aborts).toEqual([['victim', 'UNKNOWN_SESSION']]);
    const s = await mux.openSession('victim', ['alice', 'bob']);
    expect(s.isOpen).toBe(true);

    mux.handleFrame(bob, data('v2'), new Uint8Array([1]));
    mux.handleFrame(carol, data('v2'), new Uint8Array([2]));
    mux.linkDown(carol, new PeerDisconnected('gone', { party: 'carol' }));
    const s2 = await mux.openSession('v2', ['alice', 'bob']);
    expect([...(await s2.recv('bob'))]).toEqual([1]);
  });

  it('one peer’s junk does not push the sessions that ended here out of memory', async () => {
    const { mux, bob, carol } = setup({ unknownSessionGraceMs: 20 });
    const s = await mux.openSession('done', ['alice', 'bob']);
    await s.close();
    for (let i = 0; i < 10_001; i++) mux.handleFrame(carol, data(`junk${i}`), EMPTY);
    await delay(80);
    // A late frame of the ended session is still recognised and dropped quietly.
    mux.handleFrame(bob, data('done', 3), EMPTY);
    await delay(80);
    expect(bob.aborts).toEqual([]);
  });
});
