/**
 * Bad frames from an authenticated member ("aaron", driven by hand over a raw
 * TLS WebSocket): each ends only the session it names, on all its parties;
 * the connection and the other sessions carry on.
 */
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EndpointEvent,
  FRAME_MAGIC,
  FrameKind,
  parseConsortium,
  type Session,
  type TransportLimits,
  WsEndpoint,
} from '../src/index.js';
import { bytesOf, eventually, identityOf, rogueConnect, textOf, track } from './helpers.js';

const packr = new Packr({ useRecords: false });

describe('bad frames over TLS end only their session', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((f) => f()));
  });

  async function setup(limits: Partial<TransportLimits> = {}) {
    const [aaron, alice, bob] = await Promise.all(['aaron', 'alice', 'bob'].map(identityOf));
    const eps = await Promise.all(
      [alice, bob].map((identity) => WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0, limits })),
    );
    cleanup.push(() => Promise.all(eps.map((e) => e.close())).then(() => {}));
    const consortium = parseConsortium({
      parties: [
        { name: 'aaron', publicKey: aaron.publicKeyHex, address: '127.0.0.1:9' },
        { name: 'alice', publicKey: alice.publicKeyHex, address: eps[0].address },
        { name: 'bob', publicKey: bob.publicKeyHex, address: eps[1].address },
      ],
    });
    for (const e of eps) e.join(consortium);
    const [toAlice, toBob] = await Promise.all([rogueConnect(eps[0], 'alice'), rogueConnect(eps[1], 'bob')]);
    cleanup.push(() => {
      toAlice.ws.terminate();
      toBob.ws.terminate();
    });
    const rejected: EndpointEvent[] = [];
    eps[1].onEvent((ev) => ev.type === 'frame-rejected' && rejected.push(ev));
    const [s1a, s1b] = await Promise.all(eps.map((e) => e.openSession('S1', ['aaron', 'alice', 'bob'])));
    const s2b = await eps[1].openSession('S2', ['aaron', 'bob']);
    const [s3a, s3b] = await Promise.all(eps.map((e) => e.openSession('S3', ['alice', 'bob'])));
    return { alice: eps[0], bob: eps[1], toBob, s1a, s1b, s2b, s3a, s3b, rejected };
  }

  async function stillWorks(s3a: Session, s3b: Session): Promise<void> {
    await s3a.send('bob', bytesOf('unaffected'));
    expect(textOf(await s3b.recv('alice'))).toBe('unaffected');
  }

  it('a corrupted header ends its session with MalformedFrame on every party', async () => {
    const { toBob, s1a, s1b, s2b, s3a, s3b } = await setup();
    const head = packr.pack([7, 'S1', 0, 0]);
    toBob.sendRaw(Buffer.concat([Buffer.from([FRAME_MAGIC, 1, 0, head.length]), head]));
    const atBob = await s1b.ended;
    expect(atBob?.code).toBe('MALFORMED_FRAME');
    expect(atBob?.details.party).toBe('aaron');
    const atAlice = await s1a.ended;
    expect(atAlice?.code).toBe('MALFORMED_FRAME');
    expect(atAlice?.details.reportedBy).toBe('bob');
    expect((await toBob.abortFor('S1')).code).toBe('MALFORMED_FRAME');
    toBob.send(FrameKind.Data, 'S2', 0, bytesOf('S2 is fine'));
    expect(textOf(await s2b.recv('aaron'))).toBe('S2 is fine');
    await stillWorks(s3a, s3b);
  });

  it('a frame over the size limit ends its session with FrameTooLarge', async () => {
    const { toBob, s1b, s2b, s3a, s3b } = await setup({ maxFrameBytes: 64 * 1024 });
    // Over maxFrameBytes, within the frame overhead that the WebSocket still reads (maxPayload).
    toBob.send(FrameKind.Data, 'S2', 0, new Uint8Array(64 * 1024));
    const e = await s2b.ended;
    expect(e?.code).toBe('FRAME_TOO_LARGE');
    expect(e?.details.party).toBe('aaron');
    expect((await toBob.abortFor('S2')).code).toBe('FRAME_TOO_LARGE');
    expect(s1b.isOpen).toBe(true);
    await stillWorks(s3a, s3b);
    const tooBig = await s3a
      .send('bob', new Uint8Array(64 * 1024))
      .catch((err: { code: string }) => err.code);
    expect(tooBig).toBe('FRAME_TOO_LARGE');
    expect((await s3b.ended)?.code).toBe('FRAME_TOO_LARGE');
  });

  it('a frame well over the size limit closes its connection before it is buffered', async () => {
    const limit = 256 * 1024;
    const { toBob, bob, s1b, s2b, s3a, s3b } = await setup({ maxFrameBytes: limit });
    const events: string[] = [];
    bob.onEvent((ev) => events.push(ev.type === 'frame-rejected' ? ev.error.code : ev.type));
    const closed = track(
      new Promise<number>((resolve) => toBob.ws.once('close', (code: number) => resolve(code))),
    );
    // Twice the limit: `ws` refuses it from its length alone (1009), so it never waits whole in memory.
    toBob.send(FrameKind.Data, 'S2', 0, new Uint8Array(2 * limit - 64));
    expect(await eventually(() => closed.state === 'resolved', 3_000)).toBe(true);
    expect(closed.value).toBe(1009);
    expect((await s2b.ended)?.code).toBe('PEER_DISCONNECTED');
    expect((await s1b.ended)?.code).toBe('PEER_DISCONNECTED');
    expect(events).not.toContain('FRAME_TOO_LARGE');
    expect(events).toContain('link-down');
    await stillWorks(s3a, s3b);
  });

  it('an out-of-order frame ends its session with OutOfSequence', async () => {
    const { toBob, s1a, s1b, s3a, s3b } = await setup();
    toBob.send(FrameKind.Data, 'S1', 0, bytesOf('first'));
    expect(textOf(await s1b.recv('aaron'))).toBe('first');
    toBob.send(FrameKind.Data, 'S1', 2, bytesOf('third?'));
    const e = await s1b.ended;
    expect(e?.code).toBe('OUT_OF_SEQUENCE');
    expect(e?.details).toMatchObject({ party: 'aaron', seq: 2, expected: 1 });
    expect((await s1a.ended)?.code).toBe('OUT_OF_SEQUENCE');
    await stillWorks(s3a, s3b);
  });

  it('a frame for an unknown session, or from a non-member, is answered with UnknownSession to its sender only', async () => {
    const { toBob, s3a, s3b } = await setup({ unknownSessionGraceMs: 50 });
    toBob.send(FrameKind.Data, 'nope', 0, bytesOf('hello?'));
    expect((await toBob.abortFor('nope')).code).toBe('UNKNOWN_SESSION');
    toBob.send(FrameKind.Data, 'S3', 0, bytesOf('let me in'));
    expect((await toBob.abortFor('S3')).code).toBe('UNKNOWN_SESSION');
    expect(s3b.isOpen).toBe(true);
    await stillWorks(s3a, s3b);
  });

  it('frames with empty bodies for sessions not yet open count against pendingSessionBytes too', async () => {
    const { toBob, s3a, s3b } = await setup({
      pendingSessionBytes: 64 * 1024,
      unknownSessionGraceMs: 30_000,
    });
    // Each session held costs at least 1 KiB besides its frames' (empty) bodies, so after some 60 of
    // them the cap is reached, and the rest are refused at once.
    for (let i = 0; i < 2_000; i++) toBob.send(FrameKind.Data, `E${i}`, 0);
    const refused = await Promise.race([
      toBob.abortFor('E1999'),
      // Well before the 30 s grace would refuse it.
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20_000)),
    ]);
    expect(refused?.code).toBe('UNKNOWN_SESSION');
    expect(s3b.isOpen).toBe(true);
    await stillWorks(s3a, s3b);
  }, 40_000);

  it('a non-member’s bad frame for a session not yet open here leaves the members’ frames for it', async () => {
    const { alice, bob, toBob } = await setup({ unknownSessionGraceMs: 30_000 });
    const s4a = await alice.openSession('S4', ['alice', 'bob']);
    await s4a.send('bob', bytesOf('before bob opens S4'));
    await new Promise((r) => setTimeout(r, 50));
    const head = packr.pack([7, 'S4', 0, 0]);
    toBob.sendRaw(Buffer.concat([Buffer.from([FRAME_MAGIC, 1, 0, head.length]), head]));
    expect((await toBob.abortFor('S4')).code).toBe('MALFORMED_FRAME');
    const s4b = await bob.openSession('S4', ['alice', 'bob']);
    expect(textOf(await s4b.recv('alice'))).toBe('before bob opens S4');
  });

  it('a member that sends bad frames and reads nothing gets no unbounded pile of answers', async () => {
    const { toBob, s3a, s3b } = await setup({ sendHighWaterMark: 64 * 1024 });
    let answers = 0;
    toBob.ws.on('message', () => answers++);
    // Not read: the answers wait in the kernel, then in bob's process, until the link has room.
    toBob.setReading(false);
    const head = packr.pack([7, 'X', 0, 0]);
    const bad = Buffer.concat([Buffer.from([FRAME_MAGIC, 1, 0, head.length]), head]);
    const sent = 200_000;
    for (let i = 0; i < sent; i++) toBob.sendRaw(bad);
    await stillWorks(s3a, s3b);
    toBob.setReading(true);
    // Every answer bob kept arrives now: wait until none has come for half a second.
    for (let last = -1; last !== answers; ) {
      last = answers;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Each answer is some 100 bytes: all of them would be 20 MB buffered for a peer that reads nothing.
    expect(answers).toBeGreaterThan(0);
    expect(answers).toBeLessThan(sent / 2);
  }, 60_000);

  it('unattributable garbage is reported and dropped; the connection carries on', async () => {
    const { toBob, s2b, rejected } = await setup();
    toBob.sendRaw(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    toBob.sendRaw('a text message');
    toBob.send(FrameKind.Data, 'S2', 0, bytesOf('after the garbage'));
    expect(textOf(await s2b.recv('aaron'))).toBe('after the garbage');
    expect(rejected.map((ev) => (ev.type === 'frame-rejected' ? ev.error.code : ''))).toEqual([
      'MALFORMED_FRAME',
      'MALFORMED_FRAME',
    ]);
    expect(s2b.isOpen).toBe(true);
  });

  it('an ABORT names the member it came from, whatever its body claims', async () => {
    const { toBob, s1a, s1b, s3a, s3b } = await setup();
    // aaron, a party of S1, tries to pass its abort off as alice's, about alice.
    const body = packr.pack({
      code: 'MAC_CHECK',
      message: 'MAC check failed',
      details: { reportedBy: 'alice', party: 'alice', seq: 3 },
    });
    toBob.send(FrameKind.Abort, 'S1', 0, body);
    const e = await s1b.ended;
    expect(e?.code).toBe('MAC_CHECK');
    expect(e?.details).toMatchObject({
      reportedBy: 'aaron',
      party: 'aaron',
      claimedReportedBy: 'alice',
      claimedParty: 'alice',
      seq: 3,
    });
    // Relayed by bob to alice: alice heard it from bob, and bob's account is kept apart.
    const relayed = await s1a.ended;
    expect(relayed?.code).toBe('MAC_CHECK');
    expect(relayed?.details).toMatchObject({ reportedBy: 'bob', party: 'bob', claimedReportedBy: 'aaron' });
    await stillWorks(s3a, s3b);
  });
});
