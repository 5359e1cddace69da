import { MessageChannel } from 'node:worker_threads';
import { fromHex } from '@parley/crypto';
import { ProtocolViolation } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { IknpReceiver, IknpSender, messagePortChannel } from '../src/index.js';
import { choiceBits, firstDifference, rejectsWith, select, session, testSeed } from './_harness.js';

const prg = testSeed('iknpErrors.test');
const choicesPrg = prg('choices');
const TIMEOUT = { timeout: 20_000 };

type Tamper = (direction: 'a->b' | 'b->a', index: number, bytes: Uint8Array) => Uint8Array;

/** Applies `change` to the first message of the given kind (first byte = tag) in the given direction. */
function onFirst(direction: 'a->b' | 'b->a', tag: number, change: (bytes: Uint8Array) => Uint8Array): Tamper {
  let done = false;
  return (d, _i, bytes) => {
    if (done || d !== direction || bytes[0] !== tag) return bytes;
    done = true;
    return change(bytes);
  };
}

const U = 0x55;
const B = 0x42;
const A = 0x41;
const C = 0x43;

function grow(bytes: Uint8Array, extra: number): Uint8Array {
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes);
  return out;
}

function setByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[at] = value;
  return out;
}

describe('IKNP: malformed messages end both sides with typed errors, without hanging', () => {
  const uCases: [string, (b: Uint8Array) => Uint8Array, string][] = [
    ['a truncated u matrix', (b) => b.subarray(0, b.length - 1), 'MALFORMED_FRAME'],
    ['an oversized u matrix', (b) => grow(b, 16), 'MALFORMED_FRAME'],
    ['a u matrix with the wrong tag', (b) => setByte(b, 0, 0x56), 'MALFORMED_FRAME'],
    ['a u matrix for another stream position', (b) => setByte(b, 8, b[8] ^ 1), 'PROTOCOL_VIOLATION'],
    ['a u matrix with non-zero reserved bytes', (b) => setByte(b, 2, 1), 'MALFORMED_FRAME'],
  ];
  for (const [what, change, code] of uCases) {
    it(
      `${what}: the sender rejects with ${code}, the receiver's next call with SessionClosed`,
      TIMEOUT,
      async () => {
        const s = session(prg, { channel: { tamper: onFirst('b->a', U, change) } });
        const choices = choiceBits(choicesPrg, 500);
        const sending = s.sender.random(500);
        await s.receiver.random(choices);
        const e = await rejectsWith(sending, code);
        expect(e.details.field).toMatch(/IKNP u matrix/);
        await rejectsWith(s.receiver.random(choices), 'SESSION_CLOSED');
        // The failed side stays failed, with the same error.
        expect(await rejectsWith(s.sender.correlated(10), code)).toBe(e);
      },
    );
  }

  it('a truncated u matrix in the middle of a multi-chunk batch', TIMEOUT, async () => {
    let chunks = 0;
    const s = session(prg, {
      channel: {
        tamper: (d, _i, bytes) =>
          d === 'b->a' && bytes[0] === U && ++chunks === 3 ? bytes.subarray(0, 100) : bytes,
      },
      sender: { chunkRows: 128 },
      receiver: { chunkRows: 128 },
    });
    const sending = s.sender.correlated(1000);
    const receiving = s.receiver.correlated(choiceBits(choicesPrg, 1000));
    await rejectsWith(sending, 'MALFORMED_FRAME');
    await rejectsWith(receiving, 'SESSION_CLOSED');
  });

  it('batch sizes that disagree: the sender rejects with ProtocolViolation', TIMEOUT, async () => {
    const s = session(prg);
    const sending = s.sender.correlated(1000);
    await s.receiver.correlated(choiceBits(choicesPrg, 999));
    const e = await rejectsWith(sending, 'PROTOCOL_VIOLATION');
    expect(e.details).toMatchObject({ expected: 1000, actual: 999 });
    await rejectsWith(s.receiver.correlated(new Uint8Array(5)), 'SESSION_CLOSED');
  });

  it(
    'chunk sizes that disagree: the sender rejects with MalformedFrame, the receiver with SessionClosed',
    TIMEOUT,
    async () => {
      const s = session(prg, { sender: { chunkRows: 256 }, receiver: { chunkRows: 512 } });
      const sending = s.sender.random(1000);
      const receiving = s.receiver.random(choiceBits(choicesPrg, 1000));
      await rejectsWith(sending, 'MALFORMED_FRAME');
      await rejectsWith(receiving, 'SESSION_CLOSED');
    },
  );

  it(
    'a corrupted Ristretto point B_i: the receiver (base-OT sender) rejects setup, the sender its next call',
    TIMEOUT,
    async () => {
      const bad = fromHex('26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371');
      const s = session(prg, {
        channel: {
          tamper: onFirst('a->b', B, (bytes) => {
            const out = bytes.slice();
            out.set(bad, 5 + 32 * 77);
            return out;
          }),
        },
      });
      // The IKNP sender is the base-OT receiver: its B message flows a->b.
      const senderSetup = s.sender.setup();
      const e = await rejectsWith(s.receiver.setup(), 'PROTOCOL_VIOLATION');
      await senderSetup;
      expect(e.details.field).toBe('base OT point B_77');
      await rejectsWith(s.sender.correlated(10), 'SESSION_CLOSED');
    },
  );

  it('a corrupted Ristretto point A: the sender rejects setup, the receiver too', TIMEOUT, async () => {
    // An odd s is a negative field element: never a valid encoding (RFC 9496 §4.3.1).
    const s = session(prg, {
      channel: { tamper: onFirst('b->a', A, (bytes) => setByte(bytes, 5, bytes[5] | 1)) },
    });
    const receiving = s.receiver.setup();
    await rejectsWith(s.sender.setup(), 'PROTOCOL_VIOLATION');
    await rejectsWith(receiving, 'SESSION_CLOSED');
  });

  it(
    'a truncated chosen-message ciphertext: the receiver rejects, the sender its next call',
    TIMEOUT,
    async () => {
      const s = session(prg, { channel: { tamper: onFirst('a->b', C, (b) => b.subarray(0, b.length - 3)) } });
      const n = 50;
      const sending = s.sender.sendChosen(new Uint8Array(8 * n), new Uint8Array(8 * n), 8);
      await rejectsWith(s.receiver.receiveChosen(choiceBits(choicesPrg, n), 8), 'MALFORMED_FRAME');
      await sending;
      await rejectsWith(s.sender.random(5), 'SESSION_CLOSED');
    },
  );

  it(
    'chosen-message sizes that disagree: the receiver rejects, the sender its next call',
    TIMEOUT,
    async () => {
      const s = session(prg);
      const sending = s.sender.sendChosen(new Uint8Array(80), new Uint8Array(80), 8);
      const e = await rejectsWith(s.receiver.receiveChosen(choiceBits(choicesPrg, 10), 4), 'MALFORMED_FRAME');
      expect(e.details).toMatchObject({ expected: 20 + 80, actual: 20 + 160 });
      await sending;
      await rejectsWith(s.sender.correlated(5), 'SESSION_CLOSED');
    },
  );
});

describe('IKNP: bad arguments are rejected before any message, and the session stays usable', () => {
  it('choices other than 0/1, bad counts, bad chosen messages', TIMEOUT, async () => {
    const s = session(prg);
    const bad = new Uint8Array(300);
    bad[257] = 2;
    const e = await rejectsWith(s.receiver.random(bad), 'INVALID_ARGUMENT');
    expect(e.details.index).toBe(257);
    await rejectsWith(s.sender.random(-1), 'INVALID_ARGUMENT');
    await rejectsWith(s.sender.correlated(1.5), 'INVALID_ARGUMENT');
    await rejectsWith(s.sender.sendChosen(new Uint8Array(16), new Uint8Array(32)), 'INVALID_ARGUMENT');
    await rejectsWith(s.sender.sendChosen(new Uint8Array(16), new Uint8Array(16), 17), 'INVALID_ARGUMENT');
    await rejectsWith(s.receiver.receiveChosen(new Uint8Array(3), 0), 'INVALID_ARGUMENT');
    expect(s.a.messagesSent + s.b.messagesSent).toBe(0);
    const choices = choiceBits(choicesPrg, 200);
    const [{ m0, m1 }, m] = await Promise.all([s.sender.random(200), s.receiver.random(choices)]);
    expect(firstDifference(m, select(m0, m1, choices))).toBe(-1);
  });

  it('zero OTs: no message, empty outputs', TIMEOUT, async () => {
    const s = session(prg);
    await Promise.all([s.sender.setup(), s.receiver.setup()]);
    const sent = s.b.messagesSent;
    const [{ m0 }, m] = await Promise.all([s.sender.random(0), s.receiver.random(new Uint8Array(0))]);
    expect([m0.length, m.length, s.b.messagesSent - sent]).toEqual([0, 0, 0]);
  });
});

describe('IKNP over a worker_threads MessagePort channel', () => {
  it('delivers random OTs, and close(error) rejects the peer’s pending receive', TIMEOUT, async () => {
    const { port1, port2 } = new MessageChannel();
    const a = messagePortChannel(port1);
    const b = messagePortChannel(port2);
    const sender = new IknpSender(a, { random: prg('port-sender') });
    const receiver = new IknpReceiver(b, { random: prg('port-receiver') });
    const choices = choiceBits(choicesPrg, 3000);
    const [{ m0, m1 }, m] = await Promise.all([sender.random(3000), receiver.random(choices)]);
    expect(firstDifference(m, select(m0, m1, choices))).toBe(-1);
    const pending = sender.random(10);
    b.close(new ProtocolViolation('test abort'));
    const e = await rejectsWith(pending, 'SESSION_CLOSED');
    expect(e.details.reason).toBe('PROTOCOL_VIOLATION');
    a.detach();
    b.detach();
    port1.close();
  });

  it(
    'a message that is neither bytes nor an abort fails the pending receive and tells the peer',
    TIMEOUT,
    async () => {
      const { port1, port2 } = new MessageChannel();
      const a = messagePortChannel(port1);
      const told = new Promise((resolve) => port2.once('message', resolve));
      const pending = a.recv();
      port2.postMessage({ hello: 1 });
      const e = await rejectsWith(pending, 'MALFORMED_FRAME');
      expect(e.message).toMatch(/neither bytes nor an abort/);
      expect(await told).toMatchObject({ abort: 'MALFORMED_FRAME' });
      // Closed: what arrives later is not queued, and every receive rejects.
      port2.postMessage(new Uint8Array([1, 2, 3]));
      await new Promise((r) => setTimeout(r, 20));
      await rejectsWith(a.recv(), 'MALFORMED_FRAME');
      a.detach();
      port1.close();
    },
  );
});
