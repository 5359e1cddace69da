/**
 * Round-message framing (wire.ts): only arrays made by `sendable` are framed
 * in place, once; the reader refuses frames whose header is not one that
 * `roundFrames` makes, so a malformed frame ends the session instead of
 * leaving a party waiting.
 */
import { CircuitBuilder, encodeInputs, evaluateProgram, int, type Program } from '@parley/circuit';
import { ParleyError } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { prepareSharing, SharingSession } from '../src/index.js';
import { frameInPlace, HEADER_BYTES, RoundReader, roundFrames, sendable } from '../src/wire.js';

describe('in-place framing', () => {
  it('frames a sendable array once, and no other array of the same shape', () => {
    const s = sendable(2);
    s.set([5n, 6n]);
    const f = frameInPlace(7, s);
    expect(f?.length).toBe(HEADER_BYTES + 16);
    expect(new RoundReader('p', 7, 16).add(f as Uint8Array)).toEqual(BigUint64Array.of(5n, 6n));
    // The frame belongs to the send now: a later send of the same words is copied.
    expect(frameInPlace(8, s)).toBeUndefined();
    // A received share cut from a reassembled message: 8 bytes in, reaching the end of its buffer.
    const message = BigUint64Array.of(42n, 1n, 2n);
    const share = message.subarray(1);
    expect(frameInPlace(9, share)).toBeUndefined();
    expect(message[0]).toBe(42n);
  });

  it('keeps a 1-word received share intact when the next one is sent on (unaligned delivery)', async () => {
    // p1 receives a (1 word) and prod (2 words) in one round message; delivered at an odd byte offset,
    // the message is copied and prod's part sits 8 bytes into that copy, right after a's. p1 later sends
    // that part alone to p0: framed in place, its header would overwrite a's part.
    const b = new CircuitBuilder(['p0', 'p1', 'p2']);
    const x1 = b.input('p0', 'x1', int(64), 1);
    const u = b.input('p0', 'u', int(64), 2);
    const y1 = b.input('p1', 'y1', int(64), 1);
    const v = b.input('p1', 'v', int(64), 2);
    const a = x1.mul(y1);
    const prod = u.mul(v);
    b.output('b', prod, ['p0']);
    b.output('res', a.mul(prod.lt(0).cast(int(64))), ['p0']);
    const p = b.build();
    const inputs = { p0: { x1: [6n], u: [-3n, -4n] }, p1: { y1: [7n], v: [5n, 5n] } };
    const want = evaluateProgram(p, encodeInputs(p, inputs));
    expect([...want.res]).toEqual([42n, 42n]);
    const got = await runUnaligned(p, inputs);
    expect([...got.res]).toEqual([...want.res]);
    expect([...got.b]).toEqual([...want.b]);
  });
});

async function runUnaligned(p: Program, inputs: Record<string, Record<string, bigint[]>>) {
  const prepared = prepareSharing(p, 'replicated');
  const sessions = new Map<string, SharingSession>();
  for (const party of p.parties) {
    const send = (to: string, msg: Uint8Array) => {
      const odd = new Uint8Array(msg.length + 1);
      odd.set(msg, 1);
      setImmediate(() => sessions.get(to)?.handleMessage(party, odd.subarray(1)));
    };
    sessions.set(
      party,
      new SharingSession(prepared, party, inputs[party] ?? {}, send, { protocol: 'replicated' }),
    );
  }
  const outputs = await Promise.all([...sessions.values()].map((s) => s.output()));
  return outputs[0];
}

describe('the round reader refuses malformed headers', () => {
  const frames = (words: number, maxPayload = 1 << 20) =>
    roundFrames(3, [BigUint64Array.from({ length: words }, (_, i) => BigInt(i))], 8 * maxPayload).map((f) =>
      f.slice(),
    );
  const refuses = (reader: RoundReader, frame: Uint8Array, message: RegExp) => {
    let error: unknown;
    try {
      reader.add(frame);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('PROTOCOL_VIOLATION');
    expect((error as ParleyError).message).toMatch(message);
  };

  it('"more frames follow" on a frame that completes the message', () => {
    const [f] = frames(4);
    f[1] = 1;
    refuses(new RoundReader('p1', 3, 32), f, /has at least 32 bytes, expected 32/);
  });

  it('"more frames follow" on an empty frame', () => {
    const f = new Uint8Array(HEADER_BYTES);
    f[0] = 1;
    f[1] = 1;
    f[4] = 3;
    refuses(new RoundReader('p1', 3, 32), f, /expected 32/);
  });

  it('other flag bits and nonzero reserved bytes', () => {
    for (const [at, value] of [
      [1, 2],
      [1, 0x81],
      [2, 1],
      [3, 0xff],
    ]) {
      const [f] = frames(4);
      f[at] = value;
      refuses(new RoundReader('p1', 3, 32), f, /reserved header bits/);
    }
  });

  it('still reads a message split into frames', () => {
    const parts = frames(5, 2);
    expect(parts.length).toBe(3);
    expect(parts.map((f) => f[1])).toEqual([1, 1, 0]);
    const reader = new RoundReader('p1', 3, 40);
    expect(reader.add(parts[0])).toBeUndefined();
    expect(reader.add(parts[1])).toBeUndefined();
    expect(reader.add(parts[2])).toEqual(BigUint64Array.of(0n, 1n, 2n, 3n, 4n));
  });
});
