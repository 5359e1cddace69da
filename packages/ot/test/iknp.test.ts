import { sha256, toHex } from '@parley/crypto';
import { describe, expect, it } from 'vitest';
import { IknpSender, memoryChannelPair } from '../src/index.js';
import { choiceBits, correlate, firstDifference, select, session, testSeed } from './_harness.js';

const prg = testSeed('iknp.test');
const choicesPrg = prg('choices');

describe('IKNP OT extension', () => {
  // One session (one base-OT setup) for the size sweep: a stream of batches.
  const s = session(prg);

  for (const n of [1, 127, 128, 129, 100_000, 1_000_000]) {
    it(`n = ${n}: correlated OT satisfies t_j = q_j ⊕ r_j·Δ and random OT delivers m_{r_j}, for every j`, async () => {
      const choices = choiceBits(choicesPrg, n);
      const [q, t] = await Promise.all([s.sender.correlated(n), s.receiver.correlated(choices)]);
      expect(q.length).toBe(16 * n);
      expect(firstDifference(t, correlate(q, choices, s.sender.delta))).toBe(-1);

      const [{ m0, m1 }, m] = await Promise.all([s.sender.random(n), s.receiver.random(choices)]);
      expect(firstDifference(m, select(m0, m1, choices))).toBe(-1);
      // Hashed: m1 is not m0 ⊕ Δ, and the two messages differ.
      const shifted = correlate(m0, new Uint8Array(n).fill(1), s.sender.delta);
      for (const j of [0, n >> 1, n - 1]) {
        expect(toHex(m1.subarray(16 * j, 16 * j + 16))).not.toBe(
          toHex(shifted.subarray(16 * j, 16 * j + 16)),
        );
        expect(toHex(m1.subarray(16 * j, 16 * j + 16))).not.toBe(toHex(m0.subarray(16 * j, 16 * j + 16)));
      }
    });
  }

  it('Δ has its least significant bit set', () => {
    expect(s.sender.delta.length).toBe(16);
    expect(s.sender.delta[0] & 1).toBe(1);
  });

  it('successive batches give fresh values for the same choices, and each keeps its correlation', async () => {
    const n = 1000;
    const choices = choiceBits(choicesPrg, n);
    const seen = new Set<string>();
    for (let batch = 0; batch < 3; batch++) {
      const [q, t] = await Promise.all([s.sender.correlated(n), s.receiver.correlated(choices)]);
      expect(firstDifference(t, correlate(q, choices, s.sender.delta))).toBe(-1);
      const [{ m0, m1 }, m] = await Promise.all([s.sender.random(n), s.receiver.random(choices)]);
      expect(firstDifference(m, select(m0, m1, choices))).toBe(-1);
      for (const x of [q, m0, m1]) {
        for (let j = 0; j < n; j++) seen.add(toHex(x.subarray(16 * j, 16 * j + 16)));
      }
    }
    expect(seen.size).toBe(3 * 3 * n);
  });

  it('calls made without awaiting run in order (one protocol run at a time)', async () => {
    const c1 = choiceBits(choicesPrg, 300);
    const c2 = choiceBits(choicesPrg, 200);
    const sent = [s.sender.random(300), s.sender.correlated(200)];
    const got = [s.receiver.random(c1), s.receiver.correlated(c2)];
    const [r1, q2] = (await Promise.all(sent)) as [{ m0: Uint8Array; m1: Uint8Array }, Uint8Array];
    const [m1, t2] = (await Promise.all(got)) as [Uint8Array, Uint8Array];
    expect(firstDifference(m1, select(r1.m0, r1.m1, c1))).toBe(-1);
    expect(firstDifference(t2, correlate(q2, c2, s.sender.delta))).toBe(-1);
  });

  it('writes into caller-provided output buffers', async () => {
    const n = 256;
    const choices = choiceBits(choicesPrg, n);
    const m0 = new Uint8Array(16 * n + 16);
    const m1 = new Uint8Array(16 * n);
    const m = new Uint8Array(16 * n);
    const [pair, got] = await Promise.all([s.sender.random(n, { m0, m1 }), s.receiver.random(choices, m)]);
    expect(pair.m0.buffer).toBe(m0.buffer);
    expect(pair.m0.length).toBe(16 * n);
    expect(got).toBe(m);
    expect(firstDifference(m, select(m0.subarray(0, 16 * n), m1, choices))).toBe(-1);
    await expect(s.sender.random(n, { m0: new Uint8Array(10), m1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('chosen-message OT: the receiver gets exactly m_{r_j}, for 16-, 8- and 1-byte messages', async () => {
    for (const bytes of [16, 8, 1]) {
      const n = 777;
      const choices = choiceBits(choicesPrg, n);
      const m0 = choicesPrg.bytes(n * bytes);
      const m1 = choicesPrg.bytes(n * bytes);
      const [, got] = await Promise.all([
        s.sender.sendChosen(m0, m1, bytes),
        s.receiver.receiveChosen(choices, bytes),
      ]);
      const expected = new Uint8Array(n * bytes);
      for (let j = 0; j < n; j++)
        expected.set((choices[j] ? m1 : m0).subarray(j * bytes, (j + 1) * bytes), j * bytes);
      expect(firstDifference(got, expected)).toBe(-1);
    }
  });

  it('several chunks per batch: one u message per chunk of 128-row multiples, 16 bytes per OT', async () => {
    const t = session(prg, { sender: { chunkRows: 256 }, receiver: { chunkRows: 256 }, tag: 'chunks' });
    await Promise.all([t.sender.setup(), t.receiver.setup()]);
    const before = t.b.messagesSent;
    const bytesBefore = t.b.bytesSent;
    const n = 1000; // chunks of 256, 256, 256, 232 (padded to 256)
    const choices = choiceBits(choicesPrg, n);
    const [{ m0, m1 }, m] = await Promise.all([t.sender.random(n), t.receiver.random(choices)]);
    expect(firstDifference(m, select(m0, m1, choices))).toBe(-1);
    expect(t.b.messagesSent - before).toBe(4);
    expect(t.b.bytesSent - bytesBefore).toBe(4 * (16 + 16 * 256));
  });

  it('a caller-chosen Δ is used as given', async () => {
    const delta = prg('delta').bytes(16);
    delta[0] |= 1;
    const t = session(prg, { sender: { delta }, tag: 'delta' });
    expect(toHex(t.sender.delta)).toBe(toHex(delta));
    const choices = choiceBits(choicesPrg, 500);
    const [q, r] = await Promise.all([t.sender.correlated(500), t.receiver.correlated(choices)]);
    expect(firstDifference(r, correlate(q, choices, delta))).toBe(-1);
    delta[0] &= 0xfe;
    expect(() => new IknpSender(memoryChannelPair()[0], { delta })).toThrow(/least significant bit/);
    expect(() => new IknpSender(memoryChannelPair()[0], { delta: new Uint8Array(8) })).toThrow(/16 bytes/);
  });

  it('seeded runs are reproducible: the same seeds give the same transcript and outputs', async () => {
    const run = async () => {
      const transcript: Uint8Array[] = [];
      const t = session(prg, {
        channel: {
          tamper: (_d, _i, bytes) => {
            transcript.push(bytes.slice());
            return bytes;
          },
        },
        tag: 'replay',
      });
      const choices = choiceBits(prg('replay-choices'), 300);
      const [{ m0, m1 }, m] = await Promise.all([t.sender.random(300), t.receiver.random(choices)]);
      return toHex(sha256(...transcript, m0, m1, m));
    };
    expect(await run()).toBe(await run());
  });
});
