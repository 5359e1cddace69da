import { hasCode, ParleyError, SessionClosed } from '@parley/interface';
import { memoryChannelPair } from '@parley/ot';
import { describe, expect, it } from 'vitest';
import { OtTripleSource } from '../../src/offline/index.js';
import { parties, testSeed } from './_parties.js';

const prg = testSeed('errors.test');
const TIMEOUT = { timeout: 30_000 };

/** Awaits every promise; each must reject with a ParleyError; returns the codes. */
async function codes(promises: Promise<unknown>[]): Promise<string[]> {
  const results = await Promise.allSettled(promises);
  return results.map((r) => {
    expect(r.status, 'expected a rejection').toBe('rejected');
    const reason = (r as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ParleyError);
    return (reason as ParleyError).code;
  });
}

type Tamper = (bytes: Uint8Array) => Uint8Array;

/** Changes the first message with tag `tag` sent from party 1 to party 0. */
function onFirst(tag: number, change: Tamper) {
  return (i: number, j: number) => {
    let done = false;
    return {
      tamper: (direction: 'a->b' | 'b->a', _index: number, bytes: Uint8Array) => {
        // Pair (i, j) with i < j: 'b->a' is party j → party i.
        if (done || i !== 0 || j !== 1 || direction !== 'b->a' || bytes[0] !== tag) return bytes;
        done = true;
        return change(bytes);
      },
    };
  };
}

const G = 0x47;
const S = 0x53;
const U = 0x55;

describe('OtTripleSource: a bad message ends every party with a typed error, no hang', () => {
  const cases: [string, number, Tamper, string, 'softspoken' | 'iknp'][] = [
    [
      'a truncated Gilboa correction message',
      G,
      (b) => b.subarray(0, b.length - 1),
      'MALFORMED_FRAME',
      'softspoken',
    ],
    [
      'a Gilboa correction message with a wrong tag',
      G,
      (b) => b.map((x, k) => (k === 0 ? 0x52 : x)),
      'MALFORMED_FRAME',
      'softspoken',
    ],
    [
      'a Gilboa correction message for another position',
      G,
      (b) => b.map((x, k) => (k === 8 ? x ^ 1 : x)),
      'PROTOCOL_VIOLATION',
      'softspoken',
    ],
    [
      'a truncated SoftSpoken correction matrix',
      S,
      (b) => b.subarray(0, 40),
      'MALFORMED_FRAME',
      'softspoken',
    ],
    ['an oversized IKNP u matrix', U, (b) => new Uint8Array(b.length + 16), 'MALFORMED_FRAME', 'iknp'],
    ['an empty message', G, () => new Uint8Array(0), 'MALFORMED_FRAME', 'softspoken'],
  ];
  for (const [what, tag, change, code, otExtension] of cases) {
    it(
      `${what}: the detecting party rejects with ${code}, the others with it or SessionClosed`,
      TIMEOUT,
      async () => {
        const { sources } = parties(3, prg, {
          source: { chunkRows: 512, otExtension },
          channel: onFirst(tag, change),
          tag: what,
        });
        const found = await codes(sources.map((s) => s.arithmetic(100)));
        expect(found[0]).toBe(code);
        for (const c of found.slice(1)) expect([code, 'SESSION_CLOSED']).toContain(c);
        // A failed source stays failed.
        await expect(sources[0].arithmetic(1)).rejects.toMatchObject({ code });
      },
    );
  }

  it(
    'parties that disagree on the call sequence (arithmetic against boolean) fail with typed errors',
    TIMEOUT,
    async () => {
      const { sources } = parties(2, prg, { source: { chunkRows: 512 }, tag: 'disagree' });
      const found = await codes([sources[0].arithmetic(64), sources[1].boolean(64)]);
      for (const c of found) expect(['MALFORMED_FRAME', 'SESSION_CLOSED']).toContain(c);
    },
  );

  it(
    'close(error) rejects pending calls with that error on this party; the peer fails with SessionClosed',
    TIMEOUT,
    async () => {
      const { sources } = parties(2, prg, { source: { chunkRows: 512 }, tag: 'close' });
      await Promise.all(sources.map((s) => s.setup()));
      const pending = sources[0].arithmetic(5000);
      const peer = sources[1].arithmetic(5000);
      const reason = new SessionClosed('job cancelled', { reason: 'test' });
      sources[0].close(reason);
      await expect(pending).rejects.toBe(reason);
      await expect(peer).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
      await expect(sources[0].boolean(1)).rejects.toBe(reason);
      await expect(sources[0].setup()).rejects.toBe(reason);
    },
  );

  it('close() without an error rejects later calls with SessionClosed', async () => {
    const { sources } = parties(2, prg, { tag: 'close2' });
    sources[0].close();
    const e = await sources[0].arithmetic(1).catch((x: unknown) => x);
    expect(hasCode(e, 'SESSION_CLOSED')).toBe(true);
  });
});

describe('OtTripleSource: arguments are checked before any message', () => {
  it('rejects bad sizes with InvalidArgument naming the argument', async () => {
    const { sources, channels } = parties(2, prg, { tag: 'args' });
    for (const [call, field] of [
      [() => sources[0].arithmetic(-1), 'n'],
      [() => sources[0].arithmetic(1.5), 'n'],
      [() => sources[0].boolean(2 ** 40), 'words'],
    ] as const) {
      let caught: unknown;
      try {
        await call();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as ParleyError).details.field).toBe(field);
    }
    expect(channels[0][1].messagesSent + channels[1][0].messagesSent).toBe(0);
  });

  it('rejects a bad party index, party count, channel map or OT extension', () => {
    const [a] = memoryChannelPair();
    const cases: [() => unknown, string][] = [
      [() => new OtTripleSource(2, 2, new Map([[1, a]])), 'me'],
      [() => new OtTripleSource(0, 0, new Map()), 'parties'],
      [() => new OtTripleSource(0, 3, new Map([[1, a]])), 'channels'],
      [
        () =>
          new OtTripleSource(
            0,
            2,
            new Map([
              [1, a],
              [5, a],
            ]),
          ),
        'channels',
      ],
      [() => new OtTripleSource(0, 2, new Map([[1, a]]), { chunkRows: 100 }), 'chunkRows'],
      [() => new OtTripleSource(0, 2, new Map([[1, a]]), { otExtension: 'kos' as 'iknp' }), 'otExtension'],
    ];
    for (const [make, field] of cases) {
      let caught: unknown;
      try {
        make();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT'), field).toBe(true);
      expect((caught as ParleyError).details.field).toBe(field);
    }
  });
});
