/**
 * The transport contract: every network implementation (in-memory, WebSocket
 * over TLS) runs these same tests through a `ClusterFactory`.
 */
import { MacCheckError } from '@parley/interface';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../src/index.js';
import {
  bytesOf,
  type Cluster,
  type ClusterFactory,
  delay,
  eventually,
  patterned,
  rejectionOf,
  type Settlement,
  textOf,
  track,
} from './helpers.js';

/**
 * Sends `total` copies of `chunk` to `to`, one after the other, each when the
 * previous `send` resolved (back-pressure); `accepted` counts the resolved
 * sends. A rejection (the session ended) stops it quietly.
 */
function sendAll(s: Session, to: string, chunk: Uint8Array, total: number) {
  const progress = { accepted: 0, done: Promise.resolve() };
  progress.done = (async () => {
    for (let i = 0; i < total; i++) {
      await s.send(to, chunk);
      progress.accepted++;
    }
  })();
  progress.done.catch(() => undefined);
  return progress;
}

/** Sends `chunk` to `to` until a send has waited for room for 200 ms; returns that send. */
async function sendUntilBlocked(s: Session, to: string, chunk: Uint8Array): Promise<Settlement<void>> {
  for (let i = 0; i < 1000; i++) {
    const sent = track(s.send(to, chunk));
    if (!(await eventually(() => sent.state !== 'pending', 200))) return sent;
  }
  throw new Error('send never waited for room');
}

export function transportContract(label: string, makeCluster: ClusterFactory): void {
  describe(`transport contract: ${label}`, () => {
    let cluster: Cluster | undefined;
    afterEach(async () => {
      await cluster?.close();
      cluster = undefined;
    });

    async function open(names: string[], id: string, parties = names): Promise<Session[]> {
      return Promise.all(parties.map((n) => cluster!.endpoint(n).openSession(id, parties)));
    }

    for (const n of [2, 3, 5]) {
      it(`${n} parties exchange all-to-all with exact bytes and counters`, async () => {
        const names = ['p0', 'p1', 'p2', 'p3', 'p4'].slice(0, n);
        cluster = await makeCluster(names);
        const sessions = await open(names, `all-${n}`);
        const sizes = [0, 1, 1000, 100_000];
        await Promise.all(
          sessions.map(async (s) => {
            for (const peer of s.peers)
              for (const size of sizes) await s.send(peer, patterned(`${s.self}>${peer}:${size}`, size));
            for (const peer of s.peers) {
              for (const size of sizes) {
                const got = await s.recv(peer);
                expect(got).toBeInstanceOf(Uint8Array);
                expect(
                  Buffer.from(got).equals(Buffer.from(patterned(`${peer}>${s.self}:${size}`, size))),
                ).toBe(true);
              }
            }
          }),
        );
        const perPeer = sizes.reduce((a, b) => a + b, 0);
        for (const s of sessions) {
          const st = s.stats();
          for (const peer of s.peers) {
            expect(st.peers[peer]).toEqual({
              messagesSent: sizes.length,
              bytesSent: perPeer,
              messagesReceived: sizes.length,
              bytesReceived: perPeer,
            });
          }
          expect(st.total.bytesSent).toBe(perPeer * (n - 1));
        }
        await Promise.all(sessions.map((s) => s.close()));
        expect(await Promise.all(sessions.map((s) => s.ended))).toEqual(sessions.map(() => undefined));
      });
    }

    it('keeps 40 concurrent sessions on one connection apart', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names);
      const ids = Array.from({ length: 40 }, (_, i) => `job-${i}`);
      const results = await Promise.all(
        ids.map(async (id) => {
          const [a, b] = await open(names, id);
          const rounds = 8;
          const echo = (async () => {
            for (let r = 0; r < rounds; r++) await b.send('alice', await b.recv('alice'));
          })();
          const got: string[] = [];
          for (let r = 0; r < rounds; r++) {
            await a.send('bob', bytesOf(`${id}/${r}`));
            got.push(textOf(await a.recv('bob')));
          }
          await echo;
          await a.close();
          await b.close();
          return got;
        }),
      );
      results.forEach((got, i) => {
        expect(got).toEqual(Array.from({ length: 8 }, (_, r) => `job-${i}/${r}`));
      });
    });

    it('serves the engine boundary: sendFn and onMessage, with earlier messages delivered first', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names);
      const [a, b] = await open(names, 'engine');
      a.sendFn('bob', bytesOf('one'));
      a.sendFn('bob', bytesOf('two'));
      await a.flush();
      await delay(50);
      const seen: string[] = [];
      const done = new Promise<void>((resolve) => {
        b.onMessage((from, bytes) => {
          seen.push(`${from}:${textOf(bytes)}`);
          if (seen.length === 3) resolve();
        });
      });
      a.sendFn('bob', bytesOf('three'));
      await done;
      expect(seen).toEqual(['alice:one', 'alice:two', 'alice:three']);
      expect(a.stats().step).toBe(1);
      expect((await rejectionOf(b.recv('alice'))).code).toBe('INVALID_ARGUMENT');
    });

    it('copies the payload on send, so the caller may reuse its buffer', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names);
      const [a, b] = await open(names, 'copy');
      const buf = bytesOf('original');
      const sent = a.send('bob', buf);
      buf.fill(0);
      await sent;
      expect(textOf(await b.recv('alice'))).toBe('original');
    });

    it('ends the session on every party with Timeout when a receive times out', async () => {
      const names = ['alice', 'bob', 'carol'];
      cluster = await makeCluster(names);
      const [a, b, c] = await open(names, 'timeout');
      const pendingB = b.recv('carol');
      const e = await rejectionOf(a.recv('bob', { timeoutMs: 100 }));
      expect(e.code).toBe('TIMEOUT');
      expect((await b.ended)?.code).toBe('TIMEOUT');
      expect((await c.ended)?.code).toBe('TIMEOUT');
      expect((await rejectionOf(pendingB)).code).toBe('TIMEOUT');
      expect((await rejectionOf(c.send('alice', bytesOf('late')))).code).toBe('TIMEOUT');
    });

    it('propagates an abort with its typed error to all parties', async () => {
      const names = ['alice', 'bob', 'carol'];
      cluster = await makeCluster(names);
      const [a, b, c] = await open(names, 'abort');
      const pending = c.recv('bob');
      a.abort(new MacCheckError('MAC check failed on opened value', { seq: 7 }));
      for (const s of [b, c]) {
        const err = await s.ended;
        expect(err?.code).toBe('MAC_CHECK');
        expect(err?.family).toBe('security');
        expect(err?.details.reportedBy).toBeDefined();
      }
      expect((await rejectionOf(pending)).code).toBe('MAC_CHECK');
      expect(a.isOpen || b.isOpen || c.isOpen).toBe(false);
    });

    it('close() rejects pending receives here and receives from the closer elsewhere', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names);
      const [a, b] = await open(names, 'closing');
      const pendingA = a.recv('bob');
      const pendingB = b.recv('alice');
      await a.send('bob', bytesOf('last words'));
      await a.close();
      expect((await rejectionOf(pendingA)).code).toBe('SESSION_CLOSED');
      expect(textOf(await pendingB)).toBe('last words');
      const after = await rejectionOf(b.recv('alice'));
      expect(after.code).toBe('SESSION_CLOSED');
      expect(after.details?.party).toBe('alice');
      expect(await a.ended).toBeUndefined();
      expect(b.isOpen).toBe(true);
    });

    it('holds frames for a session the receiver opens later', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names);
      const a = await cluster.endpoint('alice').openSession('early', names);
      await a.send('bob', bytesOf('before you opened'));
      await a.flush();
      await delay(100);
      const b = await cluster.endpoint('bob').openSession('early', names);
      expect(textOf(await b.recv('alice'))).toBe('before you opened');
    });

    it('ends a session the peer never opens with UnknownSession', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names, { unknownSessionGraceMs: 100 });
      const a = await cluster.endpoint('alice').openSession('lonely', names);
      const pending = a.recv('bob');
      await a.send('bob', bytesOf('anyone?'));
      const err = await a.ended;
      expect(err?.code).toBe('UNKNOWN_SESSION');
      expect(err?.details.session).toBe('lonely');
      expect((await rejectionOf(pending)).code).toBe('UNKNOWN_SESSION');
    });

    it('rejects invalid arguments without ending the session', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names);
      const ep = cluster.endpoint('alice');
      expect((await rejectionOf(ep.openSession('x', ['alice', 'mallory']))).code).toBe('INVALID_ARGUMENT');
      expect((await rejectionOf(ep.openSession('x', ['bob', 'carol']))).code).toBe('INVALID_ARGUMENT');
      expect((await rejectionOf(ep.openSession('bad id', names))).code).toBe('INVALID_ARGUMENT');
      const [a] = await open(names, 'args');
      expect((await rejectionOf(a.send('carol', bytesOf('x')))).code).toBe('INVALID_ARGUMENT');
      expect((await rejectionOf(a.send('bob', [1, 2, 3] as unknown as Uint8Array))).code).toBe(
        'INVALID_ARGUMENT',
      );
      expect((await rejectionOf(ep.openSession('args', names))).code).toBe('INVALID_ARGUMENT');
      expect(a.isOpen).toBe(true);
    });

    it('carries control messages on the same connections', async () => {
      const names = ['alice', 'bob', 'carol'];
      cluster = await makeCluster(names);
      const got: string[] = [];
      const all = new Promise<void>((resolve) => {
        cluster!.endpoint('carol').control.onMessage((from, bytes) => {
          got.push(`${from}:${textOf(bytes)}`);
          if (got.length === 3) resolve();
        });
      });
      await cluster.endpoint('alice').control.send('carol', bytesOf('proposal'));
      await cluster.endpoint('bob').control.send('carol', bytesOf('approval'));
      await cluster.endpoint('alice').control.send('carol', bytesOf('signature'));
      await all;
      expect(got.sort()).toEqual(['alice:proposal', 'alice:signature', 'bob:approval']);
    });

    it('applies back-pressure end to end when the receiver does not read', async () => {
      const names = ['alice', 'bob'];
      const MiB = 1024 * 1024;
      cluster = await makeCluster(names, { sendHighWaterMark: MiB, receiveHighWaterMark: MiB });
      const [a, b] = await open(names, 'pressure');
      const chunk = patterned('chunk', MiB);
      const total = 128;
      const sending = sendAll(a, 'bob', chunk, total);
      await delay(500);
      expect(sending.accepted).toBeLessThan(total);
      for (let i = 0; i < total; i++) {
        const got = await b.recv('alice');
        expect(got.length).toBe(MiB);
        if (i === 0 || i === total - 1) expect(Buffer.from(got).equals(Buffer.from(chunk))).toBe(true);
      }
      await sending.done;
      expect(sending.accepted).toBe(total);
    });

    it('keeps back-pressure on messages a holding handler has not given back, and frees it when the session ends', async () => {
      const names = ['alice', 'bob'];
      const MiB = 1024 * 1024;
      cluster = await makeCluster(names, { sendHighWaterMark: MiB, receiveHighWaterMark: MiB });
      const [a, b] = await open(names, 'held');
      const chunk = patterned('held', MiB);
      const total = 64;
      const got: Uint8Array[] = [];
      b.onMessage((_, bytes) => got.push(bytes), { holdUntilConsumed: true });
      const sending = sendAll(a, 'bob', chunk, total);
      await delay(500);
      // Nothing given back: bob's reading stopped near the high-water mark, and alice's sends wait.
      expect(got.length).toBeLessThan(total / 2);
      expect(sending.accepted).toBeLessThan(total);
      // Given back as they come: everything arrives.
      let given = 0;
      for (let i = 0; i < 400 && got.length < total; i++) {
        for (; given < got.length; given++) b.consumed('alice', got[given].length);
        await delay(10);
      }
      expect(got.length).toBe(total);
      await sending.done;
      expect(Buffer.from(got[total - 1]).equals(Buffer.from(chunk))).toBe(true);
      for (; given < got.length; given++) b.consumed('alice', got[given].length);

      // A session that ends holding bytes frees them: the peers' next session is not held up.
      const [a2, b2] = await open(names, 'held-2');
      const got2: Uint8Array[] = [];
      b2.onMessage((_, bytes) => got2.push(bytes), { holdUntilConsumed: true });
      sendAll(a2, 'bob', chunk, 8);
      await delay(300);
      expect(got2.length).toBeGreaterThan(0);
      expect(got2.length).toBeLessThan(8);
      b2.abort(new Error('done with it'));
      const [a3, b3] = await open(names, 'held-3');
      await a3.send('bob', bytesOf('after'));
      expect(textOf(await b3.recv('alice', { timeoutMs: 5_000 }))).toBe('after');
    });

    it('ends sessions with a peer whose endpoint closes, and rejects its pending receives', async () => {
      const names = ['alice', 'bob', 'carol'];
      cluster = await makeCluster(names);
      const [a, b, c] = await open(names, 'gone');
      const pendingA = a.recv('carol');
      const pendingB = b.recv('alice');
      await cluster.endpoint('carol').close();
      for (const p of [pendingA, pendingB]) {
        const e = await rejectionOf(p);
        expect(['SESSION_CLOSED', 'PEER_DISCONNECTED']).toContain(e.code);
      }
      expect(c.isOpen).toBe(false);
    });

    it('a send waiting for room and a flush reject with the session’s error as soon as it ends', async () => {
      const names = ['alice', 'bob'];
      const KiB = 1024;
      cluster = await makeCluster(names, { sendHighWaterMark: 256 * KiB, receiveHighWaterMark: 256 * KiB });
      const [a] = await open(names, 'stuck');
      // bob reads nothing: his side stops reading, and alice's link fills up.
      const blocked = await sendUntilBlocked(a, 'bob', new Uint8Array(256 * KiB));
      const flushing = track(a.flush());
      a.abort(new MacCheckError('MAC check failed on opened value'));
      expect(await eventually(() => blocked.state !== 'pending' && flushing.state !== 'pending', 1_000)).toBe(
        true,
      );
      expect(blocked.state).toBe('rejected');
      expect(blocked.error?.code).toBe('MAC_CHECK');
      expect(flushing.state).toBe('rejected');
      expect(flushing.error?.code).toBe('MAC_CHECK');
    });

    it('fails a session that sends without waiting past 4 x sendHighWaterMark with LimitExceeded', async () => {
      const names = ['alice', 'bob'];
      const KiB = 1024;
      cluster = await makeCluster(names, { sendHighWaterMark: 256 * KiB, receiveHighWaterMark: 256 * KiB });
      const [a, b] = await open(names, 'flood');
      const chunk = new Uint8Array(256 * KiB);
      // Fire and forget, as an engine's sendFn does: 16 MiB for a link whose cap is 1 MiB.
      for (let i = 0; i < 64; i++) a.sendFn('bob', chunk);
      expect(a.isOpen).toBe(false);
      expect(a.error?.code).toBe('LIMIT_EXCEEDED');
      expect(a.error?.details).toMatchObject({ party: 'bob', limit: 1024 * KiB });
      const sent = a.stats().peers.bob.messagesSent;
      expect(sent).toBeLessThanOrEqual(4);
      // What was queued before the refusal arrives, then the error.
      for (let i = 0; i < sent; i++)
        expect((await b.recv('alice', { timeoutMs: 5_000 })).length).toBe(256 * KiB);
      expect((await rejectionOf(b.recv('alice', { timeoutMs: 5_000 }))).code).toBe('LIMIT_EXCEEDED');
    });

    it('never refuses sends that waited for room, however many sessions share the link', async () => {
      const names = ['alice', 'bob'];
      const KiB = 1024;
      cluster = await makeCluster(names, { sendHighWaterMark: 64 * KiB });
      const pairs = await Promise.all(Array.from({ length: 12 }, (_, i) => open(names, `share-${i}`)));
      const chunk = patterned('share', 64 * KiB);
      await Promise.all(
        pairs.map(async ([a, b]) => {
          const reading = (async () => {
            for (let r = 0; r < 4; r++) expect((await b.recv('alice')).length).toBe(64 * KiB);
          })();
          for (let r = 0; r < 4; r++) await a.send('bob', chunk);
          await reading;
        }),
      );
      for (const [a, b] of pairs) expect(a.isOpen && b.isOpen).toBe(true);
    });

    it('a stranger to a session can neither make its id unusable nor drop its parties’ held frames', async () => {
      const names = ['alice', 'bob', 'carol'];
      cluster = await makeCluster(names, { unknownSessionGraceMs: 150 });
      // carol, no party of alice and bob's 'victim', sends bob a frame for it, which expires unopened.
      const c = await cluster.endpoint('carol').openSession('victim', ['bob', 'carol']);
      await c.send('bob', bytesOf('mine now'));
      expect((await c.ended)?.code).toBe('UNKNOWN_SESSION');
      const [a, b] = await open(names, 'victim', ['alice', 'bob']);
      await a.send('bob', bytesOf('still ours'));
      expect(textOf(await b.recv('alice'))).toBe('still ours');

      // alice sends early for 'v2'; carol sends for it too, then her endpoint goes away.
      const a2 = await cluster.endpoint('alice').openSession('v2', ['alice', 'bob']);
      await a2.send('bob', bytesOf('before bob opened'));
      const c2 = await cluster.endpoint('carol').openSession('v2', ['bob', 'carol']);
      await c2.send('bob', bytesOf('junk'));
      await Promise.all([a2.flush(), c2.flush()]);
      const carolGone = new Promise<void>((resolve) => {
        cluster!.endpoint('bob').onEvent((ev) => ev.type === 'link-down' && ev.peer === 'carol' && resolve());
      });
      await cluster.endpoint('carol').close();
      await carolGone;
      const b2 = await cluster.endpoint('bob').openSession('v2', ['alice', 'bob']);
      expect(textOf(await b2.recv('alice'))).toBe('before bob opened');
    });

    it('opening a session whose frames from a party expired unopened fails at once with UnknownSession', async () => {
      const names = ['alice', 'bob'];
      cluster = await makeCluster(names, { unknownSessionGraceMs: 100 });
      const a = await cluster.endpoint('alice').openSession('too-late', names);
      await a.send('bob', bytesOf('anyone?'));
      expect((await a.ended)?.code).toBe('UNKNOWN_SESSION');
      const e = await rejectionOf(cluster.endpoint('bob').openSession('too-late', names));
      expect(e.code).toBe('UNKNOWN_SESSION');
      expect(e.details).toMatchObject({ session: 'too-late', party: 'alice' });
    });

    it('an ABORT names the party it came from; what its body claims is kept apart', async () => {
      const names = ['alice', 'bob', 'carol'];
      cluster = await makeCluster(names);
      const [a, b] = await open(names, 'blame', ['alice', 'bob']);
      a.abort(new MacCheckError('MAC check failed', { reportedBy: 'carol', party: 'carol' }));
      const e = await b.ended;
      expect(e?.code).toBe('MAC_CHECK');
      expect(e?.details).toMatchObject({
        reportedBy: 'alice',
        party: 'alice',
        claimedReportedBy: 'carol',
        claimedParty: 'carol',
      });
    });
  });
}
