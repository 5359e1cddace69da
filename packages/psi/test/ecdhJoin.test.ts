import { randomBytes } from 'node:crypto';
import { InvalidInput, type ParleyError, ProtocolViolation } from '@parley/interface';
import {
  BLIND_STEP,
  CommutativeKey,
  ecdhJoin,
  encodeJoinMessage,
  FINAL_STEP,
  hashToPoints,
  type JoinChannel,
  type JoinOptions,
  type JoinResult,
  MAX_CHUNK_POINTS,
  POINT_BYTES,
  RETURN_STEP,
  ROWS_STEP,
} from '@parley/psi';
import { MemoryNetwork, type Session } from '@parley/transport';
import { afterEach, describe, expect, it } from 'vitest';

const enc = (s: string) => new TextEncoder().encode(s);
const names = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

let net: MemoryNetwork | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

/** Runs the join among all parties over in-memory sessions; a party that fails aborts its session, as the node does. */
async function join(
  sets: string[][],
  minParties?: number,
  wrap?: (party: string, s: Session) => JoinChannel,
  more: Partial<JoinOptions> = {},
): Promise<Array<JoinResult | ParleyError>> {
  const parties = names(sets.length);
  net = new MemoryNetwork(parties);
  const n = net;
  const sessions = await Promise.all(parties.map((p) => n.endpoint(p).openSession('join', parties)));
  return Promise.all(
    parties.map(async (p, i) => {
      try {
        return await ecdhJoin(wrap ? wrap(p, sessions[i]) : sessions[i], p, parties, sets[i].map(enc), {
          context: 'job-1',
          minParties,
          chunkPoints: 7,
          ...more,
        });
      } catch (e) {
        sessions[i].abort(e as Error);
        return e as ParleyError;
      }
    }),
  );
}

/** The plaintext join: keys held by at least k of the sets. */
function expected(sets: string[][], k: number): Map<string, number> {
  const holders = new Map<string, number>();
  sets.forEach((set, j) => {
    for (const key of set) holders.set(key, (holders.get(key) ?? 0) | (1 << j));
  });
  return new Map([...holders].filter(([, m]) => m.toString(2).replace(/0/g, '').length >= k));
}

function check(sets: string[][], results: Array<JoinResult | ParleyError>, k = sets.length): void {
  const want = expected(sets, k);
  const [first] = results as JoinResult[];
  for (const r of results) {
    expect(r).not.toBeInstanceOf(Error);
    const res = r as JoinResult;
    expect(res.rows).toBe(want.size);
    // Every party sees the same rows with the same holders.
    expect(Array.from(res.holders)).toEqual(Array.from(first.holders));
    expect(res.sizes).toEqual(Object.fromEntries(sets.map((s, j) => [`p${j}`, s.length])));
  }
  // Row by row: the keys the holders map the row to are one key, held by exactly those parties.
  for (let row = 0; row < first.rows; row++) {
    const keys = new Set<string>();
    results.forEach((r, j) => {
      const own = (r as JoinResult).ownRows[row];
      const holds = (first.holders[row] >>> j) & 1;
      expect(own >= 0 ? 1 : 0).toBe(holds);
      if (own >= 0) keys.add(sets[j][own]);
    });
    expect(keys.size).toBe(1);
    const [key] = keys;
    expect(want.get(key)).toBe(first.holders[row]);
  }
}

function randomSets(parties: number, universe: number, size: () => number): string[][] {
  return Array.from({ length: parties }, () => {
    const s = new Set<string>();
    const target = size();
    while (s.size < Math.min(target, universe)) s.add(`k${Math.floor(Math.random() * universe)}`);
    return [...s];
  });
}

describe('commutative X25519', () => {
  it('gives the same tag whichever order the scalars are applied in, and depends on the context', () => {
    const points = hashToPoints('ctx', [enc('alice'), enc('bob')]);
    const [a, b, c] = [new CommutativeKey(), new CommutativeKey(), new CommutativeKey()];
    const abc = a.apply(b.apply(c.apply(points)));
    expect(Buffer.from(c.apply(a.apply(b.apply(points))))).toEqual(Buffer.from(abc));
    expect(Buffer.from(abc.subarray(0, 32))).not.toEqual(Buffer.from(abc.subarray(32)));
    expect(Buffer.from(hashToPoints('other', [enc('alice')]))).not.toEqual(
      Buffer.from(points.subarray(0, 32)),
    );
    expect(points[31] & 0x80).toBe(0);
  });

  it('rejects a partial point and a point of small order with a ProtocolViolation', () => {
    const k = new CommutativeKey();
    expect(() => k.apply(new Uint8Array(33), 'p1')).toThrow(ProtocolViolation);
    expect(() => k.apply(new Uint8Array(POINT_BYTES), 'p1')).toThrow(/small order/);
  });
});

describe('ecdhJoin', () => {
  it.each([2, 3, 5])('intersects the key sets of %i parties as the plaintext join does', async (n) => {
    for (let trial = 0; trial < 3; trial++) {
      const sets = randomSets(n, 60, () => 10 + Math.floor(Math.random() * 30));
      check(sets, await join(sets));
    }
  });

  it.each([
    [3, 2],
    [5, 3],
    [5, 4],
    [3, 1],
  ])('keeps the keys of at least k parties (%i parties, k = %i)', async (n, k) => {
    const sets = randomSets(n, 40, () => 5 + Math.floor(Math.random() * 25));
    check(sets, await join(sets, k), k);
  });

  it.each([
    [2, 2, true],
    [3, 2, true],
    [3, 3, false],
    [5, 3, false],
  ])("with %i parties and k = %i, sends the owners' tags to every party: %s", async (n, k, broadcast) => {
    // Past k = 2 a party would learn from them who holds its keys outside the join: the tags go blinded to one combiner.
    const sets = randomSets(n, 40, () => 5 + Math.floor(Math.random() * 25));
    const steps = new Set<number>();
    const results = await join(sets, k, (_, s) => ({
      send: (to, bytes) => {
        steps.add(bytes[1]);
        return s.send(to, bytes);
      },
      recv: (from) => s.recv(from),
    }));
    check(sets, results, k);
    expect(steps.has(FINAL_STEP)).toBe(broadcast);
    expect(steps.has(ROWS_STEP)).toBe(!broadcast);
  });

  it('refuses a row number out of range from the combiner, on every party', async () => {
    const sets = randomSets(3, 30, () => 12);
    const results = await join(sets, 3, (party, s) => ({
      send: (to, bytes) => {
        if (party !== 'p0' || bytes[1] !== RETURN_STEP + 2) return s.send(to, bytes);
        const bad = Uint8Array.from(bytes);
        new DataView(bad.buffer).setInt32(4, 1000, true);
        return s.send(to, bad);
      },
      recv: (from) => s.recv(from),
    }));
    expect(results.some((r) => r instanceof Error && /sent row number 1000/.test(r.message))).toBe(true);
    for (const r of results) expect((r as ParleyError).code).toBe('PROTOCOL_VIOLATION');
  });

  it('handles empty sets and empty intersections', async () => {
    const cases = [
      [[], []],
      [['a', 'b'], []],
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      [['a'], ['a'], ['b']],
    ];
    for (const sets of cases) check(sets, await join(sets));
  });

  it('refuses duplicate keys with an InvalidInput naming the rows, not the key', async () => {
    const results = await join([
      ['a', 'secret-key', 'secret-key'],
      ['a', 'b'],
    ]);
    const err = results[0] as ParleyError;
    expect(err).toBeInstanceOf(InvalidInput);
    expect(err.message).toMatch(/rows 2 and 3/);
    expect(err.message).not.toMatch(/secret-key/);
    // The other party fails too (the session is aborted), with the same code.
    expect((results[1] as ParleyError).code).toBe('INVALID_INPUT');
  });

  it.each([
    ['truncated', (b: Uint8Array) => b.subarray(0, b.length - 5)],
    ['with a wrong step', (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 1 ? 9 : x))],
    ['of a bad version', (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 0 ? 7 : x))],
  ])('fails with a ProtocolViolation on every party when a message arrives %s', async (_, corrupt) => {
    const sets = randomSets(3, 30, () => 12);
    const results = await join(sets, undefined, (party, s) => ({
      send: (to, bytes) => s.send(to, party === 'p1' ? corrupt(bytes) : bytes),
      recv: (from) => s.recv(from),
    }));
    for (const r of results) {
      expect(r).toBeInstanceOf(Error);
      expect((r as ParleyError).code).toBe('PROTOCOL_VIOLATION');
    }
  });

  it.each([
    ['its own list back', 2, undefined],
    ['its final list', FINAL_STEP, 2],
    ['its blinded list', BLIND_STEP + 2, 3],
  ])('refuses a party that sends more tags than %s holds, as soon as it does', async (_, step, k) => {
    const sets = randomSets(3, 30, () => 12);
    // p1 repeats each chunk of that step that is not the list's last: 7 + 7 + 5 tags for a list of 12.
    const results = await join(sets, k, (party, s) => ({
      send: async (to, bytes) => {
        if (party === 'p1' && bytes[1] === step && bytes[2] === 0) await s.send(to, bytes);
        return s.send(to, bytes);
      },
      recv: (from) => s.recv(from),
    }));
    const refusals = results.filter(
      (r) => r instanceof Error && /p1 sent more than the 12 tags of its list/.test(r.message),
    );
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of results) expect((r as ParleyError).code).toBe('PROTOCOL_VIOLATION');
  });

  it('refuses a list longer than any party may hold as it arrives, and a message of too many points', async () => {
    const sets = randomSets(3, 30, () => 12);
    // p1 sends each chunk of its first list, but the last, twice: 7 + 7 + 5 points, past the bound of 12.
    const repeated = await join(
      sets,
      undefined,
      (party, s) => ({
        send: async (to, bytes) => {
          if (party === 'p1' && bytes[1] === 0 && bytes[2] === 0) await s.send(to, bytes);
          return s.send(to, bytes);
        },
        recv: (from) => s.recv(from),
      }),
      { maxKeys: 12 },
    );
    expect((repeated[2] as Error).message).toBe('p1 sent a list of more than the 12 keys a party may hold');
    for (const r of repeated) expect((r as ParleyError).code).toBe('PROTOCOL_VIOLATION');
    // p1's first message replaced by one of MAX_CHUNK_POINTS + 1 points.
    const huge = await join(sets, undefined, (party, s) => ({
      send: (to, bytes) =>
        s.send(
          to,
          party === 'p1' && bytes[1] === 0
            ? encodeJoinMessage(0, true, new Uint8Array((MAX_CHUNK_POINTS + 1) * POINT_BYTES))
            : bytes,
        ),
      recv: (from) => s.recv(from),
    }));
    expect((huge[2] as Error).message).toBe(
      `p1 sent ${MAX_CHUNK_POINTS + 1} points in one message, more than ${MAX_CHUNK_POINTS}`,
    );
    for (const r of huge) expect((r as ParleyError).code).toBe('PROTOCOL_VIOLATION');
  });

  it.each([
    [{ chunkPoints: 0 }, /chunkPoints must be a whole number in 1\.\.65536, not 0/],
    [{ chunkPoints: Number.NaN }, /chunkPoints/],
    [{ maxKeys: 3 }, /maxKeys must be a whole number of at least this party's 12 keys/],
  ])('refuses options %o up front', async (options, why) => {
    const sets = randomSets(2, 30, () => 12);
    const results = await join(sets, undefined, undefined, options);
    for (const r of results) expect((r as ParleyError).code).toBe('INVALID_ARGUMENT');
    expect((results[0] as Error).message).toMatch(why);
  });

  it('uses fresh randomness: the same keys give unrelated tags in two runs', () => {
    const points = hashToPoints('ctx', [enc(randomBytes(8).toString('hex'))]);
    const a = new CommutativeKey().apply(points);
    const b = new CommutativeKey().apply(points);
    expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
  });
});
