/** The node's log of link events: every event counted, refusals and rejected frames logged at a bounded rate. */
import { Writable } from 'node:stream';
import { MalformedFrame, PeerNotAuthorized } from '@parley/interface';
import type { EndpointListener, WsEndpoint } from '@parley/transport';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchLinks } from '../src/daemon/linkEvents.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('watchLinks', () => {
  it('logs at most 20 rejected frames a minute per peer, counts them all, and says how many it left out', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    let listener: EndpointListener | undefined;
    const endpoint = {
      onEvent(l: EndpointListener) {
        listener = l;
        return () => undefined;
      },
    } as unknown as WsEndpoint;
    const metrics = new Registry();
    watchLinks(endpoint, pino({ level: 'info' }, sink), metrics);
    const bad = () =>
      listener!({ type: 'frame-rejected', peer: 'bankB', error: new MalformedFrame('bad header') });
    for (let i = 0; i < 25; i++) bad();
    listener!({ type: 'frame-rejected', peer: 'bankC', error: new MalformedFrame('bad header') });
    vi.setSystemTime(1_700_000_000_000 + 61_000);
    bad();
    await new Promise((r) => setImmediate(r));
    const fromB = lines.filter((l) => l.peer === 'bankB');
    expect(fromB).toHaveLength(21);
    expect(fromB[20]).toMatchObject({ msg: 'party frame rejected', suppressed: 5, code: 'MALFORMED_FRAME' });
    expect(lines.filter((l) => l.peer === 'bankC')).toHaveLength(1);
    const counted = (await metrics.getSingleMetric('parley_node_link_events_total')?.get())?.values ?? [];
    expect(counted).toEqual([expect.objectContaining({ labels: { event: 'frame-rejected' }, value: 27 })]);
  });

  it("gives refused strangers one shared budget, whatever names they claim, and never resets a member's", async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    let listener: EndpointListener | undefined;
    const endpoint = {
      parties: ['bankA', 'bankB', 'bankC'],
      onEvent(l: EndpointListener) {
        listener = l;
        return () => undefined;
      },
    } as unknown as WsEndpoint;
    const metrics = new Registry();
    watchLinks(endpoint, pino({ level: 'info' }, sink), metrics);
    const refused = (peer: string | undefined) =>
      listener!({ type: 'peer-refused', peer, error: new PeerNotAuthorized('unknown key') });
    // bankB uses up its own budget of rejected frames and refusals.
    for (let i = 0; i < 25; i++)
      listener!({ type: 'frame-rejected', peer: 'bankB', error: new MalformedFrame('bad header') });
    for (let i = 0; i < 25; i++) refused('bankB');
    // A stranger cycles through 5,000 claimed names (and none).
    for (let i = 0; i < 5000; i++) refused(`stranger${i}`);
    refused(undefined);
    // bankB again, within the minute: still left out.
    listener!({ type: 'frame-rejected', peer: 'bankB', error: new MalformedFrame('bad header') });
    refused('bankB');
    // A member that has said nothing yet has its own budget still.
    refused('bankC');
    await new Promise((r) => setImmediate(r));
    const strangers = lines.filter((l) => l.peer === null || String(l.peer).startsWith('stranger'));
    expect(strangers).toHaveLength(20);
    expect(lines.filter((l) => l.peer === 'bankB' && l.msg === 'party frame rejected')).toHaveLength(20);
    expect(lines.filter((l) => l.peer === 'bankB' && l.msg === 'party connection refused')).toHaveLength(20);
    expect(lines.filter((l) => l.peer === 'bankC')).toHaveLength(1);
    // After a quiet minute the strangers' next line says how many were left out.
    vi.setSystemTime(1_700_000_000_000 + 61_000);
    refused('stranger-late');
    await new Promise((r) => setImmediate(r));
    expect(lines.at(-1)).toMatchObject({ peer: 'stranger-late', suppressed: 5001 - 20 });
    const counted = (await metrics.getSingleMetric('parley_node_link_events_total')?.get())?.values ?? [];
    expect(counted).toContainEqual(
      expect.objectContaining({ labels: { event: 'peer-refused' }, value: 25 + 5001 + 1 + 1 + 1 }),
    );
  });
});
