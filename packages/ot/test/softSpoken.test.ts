import type { SeededPrg } from '@parley/crypto';
import { KernelArena } from '@parley/kernels';
import { describe, expect, it } from 'vitest';
import {
  duplexOtChannel,
  type MemoryChannelOptions,
  memoryChannelPair,
  SoftSpokenReceiver,
  SoftSpokenSender,
  softSpokenWorkspaceBytes,
} from '../src/index.js';
import { columnMasks } from '../src/softSpokenSender.js';
import { correlate, firstDifference, rejectsWith, testSeed } from './_harness.js';

const prg = testSeed('softSpoken.test');
const choicesPrg = prg('choices');
const TIMEOUT = { timeout: 20_000 };

function packedChoices(n: number): { packed: Uint8Array; bytes: Uint8Array } {
  const packed = choicesPrg.bytes(Math.ceil(n / 8));
  const bytes = new Uint8Array(n);
  for (let j = 0; j < n; j++) bytes[j] = (packed[j >> 3] >> (j & 7)) & 1;
  return { packed, bytes };
}

function pair(
  seeds: (role: string) => SeededPrg,
  chunkRows = 256,
  channel: MemoryChannelOptions = {},
  tag = '',
) {
  const [a, b] = memoryChannelPair(channel);
  return {
    a,
    b,
    sender: new SoftSpokenSender(a, { random: seeds(`sender${tag}`), chunkRows }),
    receiver: new SoftSpokenReceiver(b, { random: seeds(`receiver${tag}`), chunkRows }),
  };
}

/** Runs n OTs and returns the sender's q rows and the receiver's t rows. */
async function extend(
  s: { sender: SoftSpokenSender; receiver: SoftSpokenReceiver },
  packed: Uint8Array,
  n: number,
): Promise<{ q: Uint8Array; t: Uint8Array }> {
  const q = new Uint8Array(16 * n);
  const t = new Uint8Array(16 * n);
  await Promise.all([
    s.sender.correlatedRows(n, (rows, offset) => q.set(rows, 16 * offset)),
    s.receiver.correlatedRows(packed, n, (rows, offset) => t.set(rows, 16 * offset)),
  ]);
  return { q, t };
}

describe('SoftSpoken OT extension (k = 2): correlated OT with 8 bytes per OT', () => {
  for (const [n, chunkRows] of [
    [0, 256],
    [1, 256],
    [127, 256],
    [129, 256],
    [1000, 256],
    [5000, 1024],
  ] as const) {
    it(
      `${n} OTs in chunks of ${chunkRows}: t_j = q_j ⊕ r_j·Δ; one 'S' message of 8 bytes per OT per chunk`,
      TIMEOUT,
      async () => {
        const s = pair(prg, chunkRows, {}, `${n}`);
        await Promise.all([s.sender.setup(), s.receiver.setup()]);
        const before = s.b.bytesSent;
        const { packed, bytes } = packedChoices(n);
        const { q, t } = await extend(s, packed, n);
        expect(firstDifference(t, correlate(q, bytes, s.sender.delta))).toBe(-1);
        const chunks = Math.ceil(n / chunkRows);
        const padded = Array.from(
          { length: chunks },
          (_, c) => Math.ceil(Math.min(chunkRows, n - c * chunkRows) / 128) * 128,
        ).reduce((x, y) => x + y, 0);
        expect(s.b.bytesSent - before).toBe(16 * chunks + 8 * padded);
      },
    );
  }

  it(
    'continues the stream across calls, in caller arenas, and each session has its own Δ',
    TIMEOUT,
    async () => {
      const [a, b] = memoryChannelPair();
      const sender = new SoftSpokenSender(a, {
        random: prg('s-arena'),
        chunkRows: 512,
        arena: new KernelArena(softSpokenWorkspaceBytes('sender', 512)),
      });
      const receiver = new SoftSpokenReceiver(b, {
        random: prg('r-arena'),
        chunkRows: 512,
        arena: new KernelArena(softSpokenWorkspaceBytes('receiver', 512)),
      });
      for (const n of [300, 1200, 64]) {
        const { packed, bytes } = packedChoices(n);
        const { q, t } = await extend({ sender, receiver }, packed, n);
        expect(firstDifference(t, correlate(q, bytes, sender.delta))).toBe(-1);
      }
      const other = pair(prg, 256, {}, 'other');
      expect(firstDifference(other.sender.delta, sender.delta)).not.toBe(-1);
    },
  );

  it('runs in both directions over one channel (duplexOtChannel)', TIMEOUT, async () => {
    const [a, b] = memoryChannelPair();
    const left = duplexOtChannel(a);
    const right = duplexOtChannel(b);
    const ls = new SoftSpokenSender(left.sender, { random: prg('ls'), chunkRows: 256 });
    const lr = new SoftSpokenReceiver(left.receiver, { random: prg('lr'), chunkRows: 256 });
    const rs = new SoftSpokenSender(right.sender, { random: prg('rs'), chunkRows: 256 });
    const rr = new SoftSpokenReceiver(right.receiver, { random: prg('rr'), chunkRows: 256 });
    const one = packedChoices(700);
    const two = packedChoices(900);
    const [x, y] = await Promise.all([
      extend({ sender: ls, receiver: rr }, one.packed, 700),
      extend({ sender: rs, receiver: lr }, two.packed, 900),
    ]);
    expect(firstDifference(x.t, correlate(x.q, one.bytes, ls.delta))).toBe(-1);
    expect(firstDifference(y.t, correlate(y.q, two.bytes, rs.delta))).toBe(-1);
  });

  it('a seeded run reproduces its transcript byte for byte', TIMEOUT, async () => {
    const transcript = async () => {
      const seen: number[] = [];
      const s = pair(
        prg,
        256,
        {
          tamper: (_d, _i, bytes) => {
            seen.push(...bytes.subarray(0, 64));
            return bytes;
          },
        },
        'replay',
      );
      const { packed } = packedChoices(0);
      await extend(s, packed, 0);
      await extend(s, new Uint8Array(40).fill(0x5a), 300);
      return seen;
    };
    expect(await transcript()).toEqual(await transcript());
  });
});

describe('SoftSpoken sender: the masks that replace the branches on Δ', () => {
  it('for every chunk value d, give w^b = r_{d⊕(1<<b)} ⊕ r_{d⊕3} ⊕ d^b·c over the slots of the leaves x ≠ d', () => {
    // Leaf x stands for bit x, the correction for bit 4; slots hold the leaves x ≠ d in increasing order.
    for (let d = 0; d < 4; d++) {
      const slots = [0, 1, 2, 3].filter((x) => x !== d);
      const masks = columnMasks(d);
      const sumOf = (shift: number) => {
        let v = 0;
        for (let j = 0; j < 3; j++) if ((masks >> (shift + j)) & 1) v ^= 1 << slots[j];
        if ((masks >> (shift + 3)) & 1) v ^= 1 << 4;
        return v;
      };
      expect(sumOf(0)).toBe((1 << (d ^ 1)) ^ (1 << (d ^ 3)) ^ ((d & 1) << 4));
      expect(sumOf(4)).toBe((1 << (d ^ 2)) ^ (1 << (d ^ 3)) ^ ((d >> 1) << 4));
    }
  });
});

describe('SoftSpoken: malformed messages end both sides with typed errors, without hanging', () => {
  const S = 0x53;
  const P = 0x50;
  const cases: [string, number, (b: Uint8Array) => Uint8Array, string][] = [
    ['a truncated correction message', S, (b) => b.subarray(0, b.length - 1), 'MALFORMED_FRAME'],
    [
      'a correction message for another position',
      S,
      (b) => b.map((x, i) => (i === 8 ? x ^ 1 : x)),
      'PROTOCOL_VIOLATION',
    ],
    ['a truncated seeds message', P, (b) => b.subarray(0, 100), 'MALFORMED_FRAME'],
    [
      'a seeds message with the wrong tag',
      P,
      (b) => b.map((x, i) => (i === 0 ? 0x51 : x)),
      'MALFORMED_FRAME',
    ],
  ];
  for (const [what, tag, change, code] of cases) {
    it(`${what}: the sender rejects with ${code}, the receiver with SessionClosed`, TIMEOUT, async () => {
      let done = false;
      const s = pair(prg, 256, {
        tamper: (d, _i, bytes) => {
          if (done || d !== 'b->a' || bytes[0] !== tag) return bytes;
          done = true;
          return change(bytes);
        },
      });
      const { packed } = packedChoices(500);
      const sending = s.sender.correlatedRows(500, () => {});
      const receiving = s.receiver.correlatedRows(packed, 500, () => {});
      await rejectsWith(sending, code);
      await receiving.catch(() => undefined);
      await rejectsWith(
        s.receiver.correlatedRows(packed, 500, () => {}),
        'SESSION_CLOSED',
      );
    });
  }

  it('rejects bad arguments before any message', async () => {
    const s = pair(prg);
    await rejectsWith(
      s.receiver.correlatedRows(new Uint8Array(1), 9, () => {}),
      'INVALID_ARGUMENT',
    );
    await rejectsWith(
      s.sender.correlatedRows(-1, () => {}),
      'INVALID_ARGUMENT',
    );
    expect(s.a.messagesSent + s.b.messagesSent).toBe(0);
  });
});
