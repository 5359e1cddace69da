import { KernelArena } from '@parley/kernels';
import { describe, expect, it } from 'vitest';
import {
  duplexOtChannel,
  IknpReceiver,
  IknpSender,
  iknpWorkspaceBytes,
  memoryChannelPair,
} from '../src/index.js';
import { correlate, firstDifference, rejectsWith, session, testSeed } from './_harness.js';

const prg = testSeed('rowsAndDuplex.test');
const choicesPrg = prg('choices');
const TIMEOUT = { timeout: 20_000 };

/** n packed choice bits and the same choices one byte each. */
function packedChoices(n: number): { packed: Uint8Array; bytes: Uint8Array } {
  const packed = choicesPrg.bytes(Math.ceil(n / 8) + 3);
  const bytes = new Uint8Array(n);
  for (let j = 0; j < n; j++) bytes[j] = (packed[j >> 3] >> (j & 7)) & 1;
  return { packed, bytes };
}

/** Collects the rows handed to a consumer into one array (checking offsets arrive in order). */
function collector(n: number, arena?: KernelArena) {
  const out = new Uint8Array(16 * n);
  let next = 0;
  return {
    out,
    consume(rows: Uint8Array, offset: number, count: number) {
      expect(offset).toBe(next);
      expect(rows.length).toBe(16 * count);
      if (arena) expect(arena.owns(rows)).toBe(true);
      out.set(rows, 16 * offset);
      next += count;
    },
    get done() {
      return next;
    },
  };
}

describe('IKNP correlatedRows: chunk views of correlated OT, packed choices, caller arenas', () => {
  for (const [n, chunkRows] of [
    [0, 256],
    [1, 256],
    [127, 256],
    [129, 256],
    [1000, 256],
    [5000, 1024],
  ] as const) {
    it(
      `${n} OTs in chunks of ${chunkRows}: t_j = q_j ⊕ r_j·Δ, the rows in the caller's arena`,
      TIMEOUT,
      async () => {
        const senderArena = new KernelArena(iknpWorkspaceBytes('sender', chunkRows));
        const receiverArena = new KernelArena(iknpWorkspaceBytes('receiver', chunkRows) + 4096);
        const s = session(prg, {
          sender: { chunkRows, arena: senderArena },
          receiver: { chunkRows, arena: receiverArena },
        });
        const { packed, bytes } = packedChoices(n);
        const q = collector(n, senderArena);
        const t = collector(n, receiverArena);
        await Promise.all([
          s.sender.correlatedRows(n, (r, o, c) => q.consume(r, o, c)),
          s.receiver.correlatedRows(packed, n, (r, o, c) => t.consume(r, o, c)),
        ]);
        expect(q.done).toBe(n);
        expect(t.done).toBe(n);
        expect(firstDifference(t.out, correlate(q.out, bytes, s.sender.delta))).toBe(-1);
      },
    );
  }

  it('mixes with correlated and random calls on one stream (positions continue)', TIMEOUT, async () => {
    const s = session(prg, { sender: { chunkRows: 256 }, receiver: { chunkRows: 256 } });
    const { packed, bytes } = packedChoices(300);
    await Promise.all([s.sender.random(77), s.receiver.random(bytes.subarray(0, 77))]);
    const q = collector(300);
    const t = collector(300);
    await Promise.all([
      s.sender.correlatedRows(300, (r, o, c) => q.consume(r, o, c)),
      s.receiver.correlatedRows(packed, 300, (r, o, c) => t.consume(r, o, c)),
    ]);
    expect(firstDifference(t.out, correlate(q.out, bytes, s.sender.delta))).toBe(-1);
    const [qs, ts] = await Promise.all([
      s.sender.correlated(50),
      s.receiver.correlated(bytes.subarray(0, 50)),
    ]);
    expect(firstDifference(ts, correlate(qs, bytes.subarray(0, 50), s.sender.delta))).toBe(-1);
  });

  it(
    'a receiver consumer that throws: the receiver rejects with its error, the sender with a typed one, no hang',
    TIMEOUT,
    async () => {
      const s = session(prg, { sender: { chunkRows: 128 }, receiver: { chunkRows: 128 } });
      const { packed } = packedChoices(256);
      const sending = s.sender.correlatedRows(256, () => {});
      const receiving = s.receiver.correlatedRows(packed, 256, () => {
        throw new TypeError('consumer bug');
      });
      await expect(receiving).rejects.toThrow(TypeError);
      await rejectsWith(sending, 'SESSION_CLOSED');
    },
  );

  it(
    'a sender consumer that throws: the sender rejects with its error, the receiver’s next call with a typed one',
    TIMEOUT,
    async () => {
      const s = session(prg, { sender: { chunkRows: 128 }, receiver: { chunkRows: 128 } });
      const { packed } = packedChoices(256);
      const sending = s.sender
        .correlatedRows(256, () => {
          throw new RangeError('consumer bug');
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      await s.receiver.correlatedRows(packed, 256, () => {}).catch(() => undefined);
      expect(await sending).toBeInstanceOf(RangeError);
      await rejectsWith(
        s.receiver.correlatedRows(packed, 256, () => {}),
        'SESSION_CLOSED',
      );
    },
  );

  it('rejects too few packed choice bits and a consumer that is not a function, before any message', async () => {
    const s = session(prg);
    await rejectsWith(
      s.receiver.correlatedRows(new Uint8Array(2), 17, () => {}),
      'INVALID_ARGUMENT',
    );
    await rejectsWith(s.sender.correlatedRows(5, undefined as unknown as () => void), 'INVALID_ARGUMENT');
    expect(s.a.messagesSent + s.b.messagesSent).toBe(0);
  });

  it('an arena too small for the workspace fails the setup with LimitExceeded', TIMEOUT, async () => {
    const s = session(prg, { receiver: { arena: new KernelArena(1 << 16) } });
    await Promise.all([s.sender.setup(), rejectsWith(s.receiver.setup(), 'LIMIT_EXCEEDED')]);
  });
});

describe('duplexOtChannel: an IKNP session in each direction over one channel', () => {
  it(
    'both directions run concurrently, and tagged protocol messages reach the receiver view',
    TIMEOUT,
    async () => {
      const [a, b] = memoryChannelPair();
      const TAG = 0x47;
      const left = duplexOtChannel(a, { receiverTags: [TAG] });
      const right = duplexOtChannel(b, { receiverTags: [TAG] });
      const leftSender = new IknpSender(left.sender, { random: prg('ls'), chunkRows: 256 });
      const leftReceiver = new IknpReceiver(left.receiver, { random: prg('lr'), chunkRows: 256 });
      const rightSender = new IknpSender(right.sender, { random: prg('rs'), chunkRows: 256 });
      const rightReceiver = new IknpReceiver(right.receiver, { random: prg('rr'), chunkRows: 256 });
      const one = packedChoices(700);
      const two = packedChoices(900);
      const q1 = collector(700);
      const t1 = collector(700);
      const q2 = collector(900);
      const t2 = collector(900);
      const note = new Uint8Array([TAG, 1, 2, 3]);
      await Promise.all([
        leftSender.correlatedRows(700, (r, o, c) => q1.consume(r, o, c)),
        rightReceiver.correlatedRows(one.packed, 700, (r, o, c) => t1.consume(r, o, c)),
        rightSender.correlatedRows(900, (r, o, c) => {
          q2.consume(r, o, c);
          if (o + c === 900) right.sender.send(note.slice());
        }),
        leftReceiver.correlatedRows(two.packed, 900, (r, o, c) => t2.consume(r, o, c)),
      ]);
      const received = await left.receiver.recv();
      expect(firstDifference(t1.out, correlate(q1.out, one.bytes, leftSender.delta))).toBe(-1);
      expect(firstDifference(t2.out, correlate(q2.out, two.bytes, rightSender.delta))).toBe(-1);
      expect(Array.from(received)).toEqual(Array.from(note));
    },
  );

  it(
    'a message with an unknown tag closes the channel: both sides reject with MalformedFrame, no hang',
    TIMEOUT,
    async () => {
      const [a, b] = memoryChannelPair({
        tamper: (d, _i, bytes) =>
          d === 'b->a' && bytes[0] === 0x55 ? bytes.map((x, i) => (i === 0 ? 0x99 : x)) : bytes,
      });
      const left = duplexOtChannel(a);
      const right = duplexOtChannel(b);
      const sender = new IknpSender(left.sender, { random: prg('s2') });
      const receiver = new IknpReceiver(right.receiver, { random: prg('r2') });
      const { bytes } = packedChoices(300);
      const sending = sender.correlated(300);
      const receiving = receiver.correlated(bytes);
      await rejectsWith(sending, 'MALFORMED_FRAME');
      await receiving;
      await rejectsWith(receiver.correlated(bytes), 'SESSION_CLOSED');
    },
  );

  it(
    'a message that is not bytes closes the channel: the waiting side rejects with MalformedFrame',
    TIMEOUT,
    async () => {
      let deliver: (m: unknown) => void = () => undefined;
      let closedWith: Error | undefined;
      const raw = {
        send() {},
        recv: () =>
          new Promise<Uint8Array>((resolve) => {
            deliver = resolve as (m: unknown) => void;
          }),
        close(error: Error) {
          closedWith = error;
        },
      };
      const { sender } = duplexOtChannel(raw);
      const setup = new IknpSender(sender, { random: prg('s3') }).setup();
      await new Promise((resolve) => setImmediate(resolve));
      deliver(null);
      await rejectsWith(setup, 'MALFORMED_FRAME');
      expect(closedWith).toMatchObject({ code: 'MALFORMED_FRAME' });
    },
  );

  it('rejects receiver tags that clash with the OT tags', () => {
    const [a] = memoryChannelPair();
    expect(() => duplexOtChannel(a, { receiverTags: [0x55] })).toThrow(/receiverTags/);
    expect(() => duplexOtChannel(a, { receiverTags: [256] })).toThrow(/receiverTags/);
  });
});
