import { ristretto255 } from '@noble/curves/ed25519.js';
import { fromHex, toHex } from '@parley/crypto';
import { describe, expect, it } from 'vitest';
import { chouOrlandiReceive, chouOrlandiSend, memoryChannelPair } from '../src/index.js';
import { choiceBits, firstDifference, rejectsWith, testSeed } from './_harness.js';

const prg = testSeed('chouOrlandi.test');

// RFC 9496 Appendix A.1: encodings of B·0 … B·5 (the identity, the generator, small multiples).
const MULTIPLES = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76',
  '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919',
  '94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259',
  'da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57',
  'e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e',
];
// RFC 9496 Appendix A.2: invalid encodings (non-canonical, negative, non-square x^2, negative xy, s = -1).
const BAD_ENCODINGS = [
  '00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371',
  '3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe('Ristretto255 encoding used by the base OT (RFC 9496 vectors through @noble/curves)', () => {
  it('encodes small multiples of the generator as published', () => {
    let p = ristretto255.Point.ZERO;
    for (const hex of MULTIPLES) {
      expect(toHex(p.toBytes())).toBe(hex);
      expect(ristretto255.Point.fromBytes(fromHex(hex)).equals(p)).toBe(true);
      p = p.add(ristretto255.Point.BASE);
    }
  });

  it('rejects the published bad encodings', () => {
    for (const hex of BAD_ENCODINGS) expect(() => ristretto255.Point.fromBytes(fromHex(hex))).toThrow();
  });
});

describe('Chou–Orlandi base OT', () => {
  it('the receiver gets exactly k_{c_i}; the other key differs; 128 OTs in one batch', async () => {
    const [a, b] = memoryChannelPair();
    const choices = choiceBits(prg('choices'), 128);
    const [keys, chosen] = await Promise.all([
      chouOrlandiSend(a, 128, { random: prg('sender') }),
      chouOrlandiReceive(b, choices, { random: prg('receiver') }),
    ]);
    for (let i = 0; i < 128; i++) {
      const k0 = keys.m0.subarray(16 * i, 16 * i + 16);
      const k1 = keys.m1.subarray(16 * i, 16 * i + 16);
      const got = chosen.subarray(16 * i, 16 * i + 16);
      expect(firstDifference(got, choices[i] ? k1 : k0)).toBe(-1);
      expect(firstDifference(got, choices[i] ? k0 : k1)).not.toBe(-1);
    }
    // One message each way: A (37 bytes), then 128 points (5 + 4096 bytes).
    expect([a.messagesSent, a.bytesSent, b.messagesSent, b.bytesSent]).toEqual([1, 37, 1, 4101]);
  });

  it('is deterministic under seeded randomness and fresh under different seeds', async () => {
    const run = async (tag: string) => {
      const [a, b] = memoryChannelPair();
      const choices = new Uint8Array(4).fill(1);
      const [keys, chosen] = await Promise.all([
        chouOrlandiSend(a, 4, { random: prg(`sender${tag}`) }),
        chouOrlandiReceive(b, choices, { random: prg(`receiver${tag}`) }),
      ]);
      return toHex(keys.m0) + toHex(keys.m1) + toHex(chosen);
    };
    const first = await run('x');
    expect(await run('x')).toBe(first);
    expect(await run('y')).not.toBe(first);
  });

  it('a bad point A or an identity A: the receiver rejects with ProtocolViolation, the sender with SessionClosed', async () => {
    for (const replacement of [BAD_ENCODINGS[3], MULTIPLES[0]]) {
      const [a, b] = memoryChannelPair({
        tamper: (direction, _i, bytes) => {
          if (direction !== 'a->b') return bytes;
          const copy = bytes.slice();
          copy.set(fromHex(replacement), 5);
          return copy;
        },
      });
      const send = chouOrlandiSend(a, 8, { random: prg('s') });
      const receive = chouOrlandiReceive(b, new Uint8Array(8), { random: prg('r') });
      await rejectsWith(receive, 'PROTOCOL_VIOLATION');
      await rejectsWith(send, 'SESSION_CLOSED');
    }
  });

  it('a bad point B_i: the sender rejects with ProtocolViolation naming it, the receiver channel is closed', async () => {
    const [a, b] = memoryChannelPair({
      tamper: (direction, _i, bytes) => {
        if (direction !== 'b->a') return bytes;
        const copy = bytes.slice();
        copy.set(fromHex(BAD_ENCODINGS[1]), 5 + 32 * 3);
        return copy;
      },
    });
    const send = chouOrlandiSend(a, 8, { random: prg('s') });
    await chouOrlandiReceive(b, new Uint8Array(8), { random: prg('r') });
    const e = await rejectsWith(send, 'PROTOCOL_VIOLATION');
    expect(e.details.field).toBe('base OT point B_3');
    await rejectsWith(b.recv(), 'SESSION_CLOSED');
  });

  it('a point B_i with 2·B_i = A (both keys equal) is refused with ProtocolViolation naming it', async () => {
    const [a, b] = memoryChannelPair();
    const send = chouOrlandiSend(a, 4, { random: prg('s') });
    const first = await b.recv();
    const A = ristretto255.Point.fromBytes(first.subarray(5));
    const half = A.multiply((ristretto255.Point.Fn.ORDER + 1n) / 2n);
    expect(half.double().equals(A)).toBe(true);
    const reply = new Uint8Array(5 + 32 * 4);
    reply[0] = 0x42;
    new DataView(reply.buffer).setUint32(1, 4, true);
    const honest = ristretto255.Point.BASE.multiply(12345n).toBytes();
    for (let i = 0; i < 4; i++) reply.set(i === 2 ? half.toBytes() : honest, 5 + 32 * i);
    b.send(reply);
    const e = await rejectsWith(send, 'PROTOCOL_VIOLATION');
    expect(e.details.field).toBe('base OT point B_2');
    await rejectsWith(b.recv(), 'SESSION_CLOSED');
  });

  it('truncated or oversized messages and disagreeing counts are typed errors on both sides', async () => {
    const cases: [MemoryChannelTamper, string, string][] = [
      [(d, _i, x) => (d === 'a->b' ? x.subarray(0, 36) : x), 'MALFORMED_FRAME', 'receive'],
      [(d, _i, x) => (d === 'b->a' ? x.subarray(0, x.length - 1) : x), 'MALFORMED_FRAME', 'send'],
      [(d, _i, x) => (d === 'b->a' ? concat(x, new Uint8Array(32)) : x), 'MALFORMED_FRAME', 'send'],
      [(d, _i, x) => (d === 'a->b' ? withByte(x, 0, 0x55) : x), 'MALFORMED_FRAME', 'receive'],
    ];
    for (const [tamper, code, detector] of cases) {
      const [a, b] = memoryChannelPair({ tamper });
      const send = chouOrlandiSend(a, 8, { random: prg('s') });
      const receive = chouOrlandiReceive(b, new Uint8Array(8), { random: prg('r') });
      if (detector === 'receive') {
        await rejectsWith(receive, code);
        await rejectsWith(send, 'SESSION_CLOSED');
      } else {
        await receive;
        await rejectsWith(send, code);
        await rejectsWith(b.recv(), 'SESSION_CLOSED');
      }
    }
    const [a, b] = memoryChannelPair();
    const send = chouOrlandiSend(a, 8, { random: prg('s') });
    await rejectsWith(chouOrlandiReceive(b, new Uint8Array(9), { random: prg('r') }), 'PROTOCOL_VIOLATION');
    await rejectsWith(send, 'SESSION_CLOSED');
  });

  it('rejects bad arguments before any message', async () => {
    const [a, b] = memoryChannelPair();
    await expect(chouOrlandiSend(a, 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(chouOrlandiReceive(b, new Uint8Array([0, 2]))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(a.messagesSent + b.messagesSent).toBe(0);
  });
});

type MemoryChannelTamper = (direction: 'a->b' | 'b->a', index: number, bytes: Uint8Array) => Uint8Array;

function concat(x: Uint8Array, y: Uint8Array): Uint8Array {
  const out = new Uint8Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return out;
}

function withByte(x: Uint8Array, at: number, value: number): Uint8Array {
  const out = x.slice();
  out[at] = value;
  return out;
}
